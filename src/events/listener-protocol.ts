/**
 * The event-listener protocol as supervisord 4.2.5 speaks it, as pure byte framing: the envelope
 * supd writes to a listener's stdin (process.py _eventEnvelope) and an incremental reader of the
 * listener's stdout with its ACKNOWLEDGED/READY/BUSY/UNKNOWN states (dispatchers.py
 * PEventListenerDispatcher). No I/O: bytes come in, outcomes and log lines go out as data.
 */
import { pythonBytesRepr } from './payloads.js';

/** The listener states of states.py EventListenerStates, by name. */
export type ListenerState = 'READY' | 'BUSY' | 'ACKNOWLEDGED' | 'UNKNOWN';

export const READY_FOR_EVENTS_TOKEN = 'READY\n';
export const RESULT_TOKEN_START = 'RESULT ';

export interface EnvelopeFields {
  /** supervisord's `identifier` ([supervisord] identifier=, default "supervisor"). */
  readonly server: string;
  readonly serial: number;
  readonly pool: string;
  readonly poolserial: number;
  readonly eventname: string;
  readonly payload: string;
}

/**
 * Python's len() of a str: code points. supervisord 4.2.5 puts len(payload) of the str payload in
 * the header, and childutils reads that many characters from a text stdin, so `len` counts
 * characters, not UTF-8 bytes (and a character outside the BMP counts 1, not JavaScript's 2).
 */
export function payloadLength(payload: string): number {
  if (!HIGH_SURROGATE.test(payload)) return payload.length; // no pair: one unit per code point
  let count = 0;
  for (const _ of payload) count++;
  return count;
}

const HIGH_SURROGATE = /[\uD800-\uDBFF]/;

/** The header line and payload, as _eventEnvelope formats them. */
export function formatEnvelope(e: EnvelopeFields): string {
  return (
    `ver:3.0 server:${e.server} serial:${e.serial} pool:${e.pool} poolserial:${e.poolserial} ` +
    `eventname:${e.eventname} len:${payloadLength(e.payload)}\n${e.payload}`
  );
}

const encoder = new TextEncoder();

/** The envelope as the bytes written to the listener's stdin (as_bytes: UTF-8). */
export function encodeEnvelope(e: EnvelopeFields): Uint8Array {
  return encoder.encode(formatEnvelope(e));
}

/**
 * Decides what a listener's RESULT body means, as [eventlistener:x] result_handler does. Return
 * 'accepted' or 'rejected' (supervisord's RejectEvent); a throw is "event caused an error", which
 * sends the listener UNKNOWN.
 */
export type ResultHandler = (result: Uint8Array) => 'accepted' | 'rejected';

/** dispatchers.py default_handler: exactly `OK` accepts, anything else rejects. */
export const defaultResultHandler: ResultHandler = (result) =>
  result.length === 2 && result[0] === 0x4f && result[1] === 0x4b ? 'accepted' : 'rejected';

/** What the pool must act on after a chunk of the listener's stdout. */
export type ProtocolOutcome =
  /** The listener sent READY: it may be sent an event. */
  | { readonly type: 'ready' }
  /** The event in flight was processed; the listener is ACKNOWLEDGED. */
  | { readonly type: 'processed' }
  /** The event in flight was rejected (FAIL, bad result line, handler error): send it again. */
  | { readonly type: 'rejected' };

export interface ProtocolLog {
  readonly level: 'debug' | 'warn' | 'error';
  readonly message: string;
}

export interface FeedResult {
  readonly outcomes: ProtocolOutcome[];
  readonly logs: ProtocolLog[];
}

const READY_BYTES = encoder.encode(READY_FOR_EVENTS_TOKEN);
const RESULT_START_LEN = RESULT_TOKEN_START.length;
const latin1 = new TextDecoder('latin1');
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * One listener's side of the conversation, from its spawn (a new one per spawn: supervisord makes
 * a new dispatcher, in ACKNOWLEDGED, each time the process starts). The pool calls sent() when it
 * writes an event (READY -> BUSY) and feed() with each chunk of the listener's stdout.
 */
export class ListenerProtocol {
  private stateNow: ListenerState = 'ACKNOWLEDGED';
  private buffer: Uint8Array = new Uint8Array(0);
  private result: Uint8Array = new Uint8Array(0);
  private resultlen: number | null = null;
  /** Whether the feed() under way reports its debug-level lines. */
  private debug = true;

  constructor(
    readonly processName: string,
    private readonly resultHandler: ResultHandler = defaultResultHandler,
  ) {}

  get state(): ListenerState {
    return this.stateNow;
  }

  /** The pool wrote an event to this listener (process.py _dispatchEvent: listener_state = BUSY). */
  sent(): void {
    if (this.stateNow !== 'READY') throw new Error(`listener ${this.processName} sent an event while ${this.stateNow}`);
    // supervisord sets BUSY without logging the change
    this.stateNow = 'BUSY';
  }

  /** The write of that event failed (EPIPE): supervisord leaves the listener READY. */
  unsent(): void {
    if (this.stateNow === 'BUSY' && this.resultlen === null && this.buffer.length === 0) this.stateNow = 'READY';
  }

  /**
   * handle_read_event + handle_listener_state_change for one chunk of stdout (read during the
   * call only, never kept). With `debug` false, no debug-level line is built.
   */
  feed(chunk: Uint8Array, debug = true): FeedResult {
    const out: FeedResult = { outcomes: [], logs: [] };
    if (chunk.length === 0) return out;
    this.debug = debug;
    this.buffer = concat(this.buffer, chunk);
    if (debug) {
      out.logs.push({
        level: 'debug',
        message: `${pythonStrRepr(this.processName)} stdout output:\n${pythonBytesRepr(chunk)}`,
      });
    }
    this.handleStateChange(out);
    return out;
  }

  // A loop where supervisord recurses ("keep going til its too short"); same steps, same order.
  private handleStateChange(out: FeedResult): void {
    while (this.buffer.length > 0) {
      switch (this.stateNow) {
        case 'UNKNOWN': // a fatal state: everything it says from now on is dropped
          this.buffer = new Uint8Array(0);
          return;
        case 'ACKNOWLEDGED':
          if (this.buffer.length < READY_BYTES.length) return; // not enough to decide yet
          if (startsWith(this.buffer, READY_BYTES)) {
            this.change('READY', out); // ACKNOWLEDGED -> READY
            this.buffer = this.buffer.subarray(READY_BYTES.length);
            out.outcomes.push({ type: 'ready' });
          } else {
            this.change('UNKNOWN', out); // ACKNOWLEDGED -> UNKNOWN: not a READY token
            this.buffer = new Uint8Array(0);
          }
          continue;
        case 'READY': // spurious data while it should be waiting for an event: be strict
          this.change('UNKNOWN', out);
          this.buffer = new Uint8Array(0);
          return;
        case 'BUSY':
          if (this.resultlen === null) {
            const pos = this.buffer.indexOf(0x0a);
            if (pos === -1) return; // no full result line yet
            const line = this.buffer.subarray(0, pos);
            this.buffer = this.buffer.subarray(pos + 1);
            // supervisord skips the first 7 bytes without checking they say "RESULT "
            const resultlen = parsePythonInt(line.subarray(RESULT_START_LEN));
            if (resultlen === null) {
              out.logs.push({ level: 'warn', message: `${this.processName}: bad result line: '${decodeForLog(line)}'` });
              this.change('UNKNOWN', out); // BUSY -> UNKNOWN
              this.buffer = new Uint8Array(0);
              out.outcomes.push({ type: 'rejected' });
              return;
            }
            this.resultlen = resultlen;
          } else {
            const needed = this.resultlen - this.result.length;
            if (needed > 0) {
              this.result = concat(this.result, this.buffer.subarray(0, needed));
              this.buffer = this.buffer.subarray(needed);
            }
            if (this.resultlen - this.result.length === 0) {
              this.handleResult(this.result, out);
              this.result = new Uint8Array(0);
              this.resultlen = null;
            }
          }
          continue;
        default:
          return unreachable(this.stateNow);
      }
    }
  }

  private handleResult(result: Uint8Array, out: FeedResult): void {
    let verdict: 'accepted' | 'rejected';
    try {
      verdict = this.resultHandler(result);
    } catch {
      out.logs.push({ level: 'warn', message: `${this.processName}: event caused an error` });
      this.change('UNKNOWN', out); // BUSY -> UNKNOWN
      out.outcomes.push({ type: 'rejected' });
      return;
    }
    if (verdict === 'accepted') {
      if (this.debug) out.logs.push({ level: 'debug', message: `${this.processName}: event was processed` });
      this.change('ACKNOWLEDGED', out); // BUSY -> ACKNOWLEDGED
      out.outcomes.push({ type: 'processed' });
    } else {
      out.logs.push({ level: 'warn', message: `${this.processName}: event was rejected` });
      this.change('ACKNOWLEDGED', out); // BUSY -> ACKNOWLEDGED, and the event goes back
      out.outcomes.push({ type: 'rejected' });
    }
  }

  private change(to: ListenerState, out: FeedResult): void {
    if (this.debug) out.logs.push({ level: 'debug', message: `${this.processName}: ${this.stateNow} -> ${to}` });
    this.stateNow = to;
    if (to === 'UNKNOWN') {
      out.logs.push({
        level: 'warn',
        message:
          `${this.processName}: has entered the UNKNOWN state and will no longer receive events, ` +
          'this usually indicates the process violated the eventlistener protocol',
      });
    }
  }
}

/**
 * Python's int() of bytes: optional ASCII whitespace around, a sign, digits with single
 * underscores between them. A negative length, which hangs (then overflows the stack of)
 * supervisord 4.2.5, is treated as a bad result line here.
 */
export function parsePythonInt(bytes: Uint8Array): number | null {
  const text = latin1.decode(bytes).replace(/^[ \t\n\r\v\f]+|[ \t\n\r\v\f]+$/g, '');
  if (!/^\+?\d+(_\d+)*$/.test(text)) return null;
  const value = Number(text.replace(/[+_]/g, ''));
  return Number.isSafeInteger(value) ? value : null;
}

function decodeForLog(bytes: Uint8Array): string {
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return `Undecodable: ${pythonBytesRepr(bytes)}`;
  }
}

/** '%r' % name for a plain process name. */
function pythonStrRepr(s: string): string {
  return s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function startsWith(data: Uint8Array, prefix: Uint8Array): boolean {
  if (data.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (data[i] !== prefix[i]) return false;
  return true;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function unreachable(value: never): never {
  throw new Error(`unreachable: ${String(value)}`);
}

/**
 * A helper for writing supd (and supervisord) event listeners in TypeScript or JavaScript: the
 * counterpart of supervisor.childutils. It speaks the listener's side of the protocol on
 * stdin/stdout (READY, header line, `len` characters of payload, RESULT) and parses headers and
 * payloads. It knows nothing of supd's internals and imports only node:*.
 *
 *   import { listen } from 'supd/listener';
 *   for await (const event of listen()) {
 *     if (event.eventname === 'PROCESS_STATE_FATAL') console.error(event.payloadHeaders.processname);
 *     await event.ok(); // or event.fail(): supd sends it again; unanswered events are OK'd
 *   }
 *
 * Write your own output to stderr: stdout is the protocol channel.
 */

/** The envelope's header line and the payload, as childutils' wait() returns them, parsed. */
export interface ListenerEvent {
  /** The header line's tokens: ver, server, serial, pool, poolserial, eventname, len. */
  readonly headers: Readonly<Record<string, string>>;
  readonly eventname: string;
  readonly serial: number;
  readonly pool: string;
  readonly poolserial: number;
  /** The payload exactly as sent. */
  readonly payload: string;
  /** The tokens of the payload's first line (processname, groupname, from_state, pid, ...). */
  readonly payloadHeaders: Readonly<Record<string, string>>;
  /** What follows the payload's first line (PROCESS_LOG / COMMUNICATION output); '' if nothing. */
  readonly data: string;
}

/** An event from listen(), with its answer. */
export interface ReceivedEvent extends ListenerEvent {
  ok(): Promise<void>;
  fail(): Promise<void>;
}

export interface ListenerStreams {
  /** Where events arrive; default process.stdin. */
  readonly input?: AsyncIterable<Uint8Array | string>;
  /** Where READY and results go; default process.stdout. */
  readonly output?: { write(chunk: string, callback: (error?: Error | null) => void): unknown };
}

/** childutils.get_headers(): `a:1 b:2` -> { a: '1', b: '2' } (split at the first colon). */
export function parseHeaders(line: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const token of line.split(/\s+/)) {
    if (token === '') continue;
    const colon = token.indexOf(':');
    if (colon === -1) headers[token] = '';
    else headers[token.slice(0, colon)] = token.slice(colon + 1);
  }
  return headers;
}

/**
 * childutils.eventdata(), also for payloads without a body: the first line's tokens, and the rest.
 * (eventdata() itself raises on PROCESS_STATE payloads, which have no newline.)
 */
export function parsePayload(payload: string): { headers: Record<string, string>; data: string } {
  const newline = payload.indexOf('\n');
  if (newline === -1) return { headers: parseHeaders(payload), data: '' };
  return { headers: parseHeaders(payload.slice(0, newline)), data: payload.slice(newline + 1) };
}

/** The low-level listener, one call per protocol step, like childutils.listener. */
export class EventListener {
  private readonly reader: ByteReader;
  private readonly output: NonNullable<ListenerStreams['output']>;

  constructor(streams: ListenerStreams = {}) {
    this.reader = new ByteReader(streams.input ?? process.stdin);
    this.output = streams.output ?? process.stdout;
  }

  /** Say READY (childutils listener.ready()). */
  ready(): Promise<void> {
    return this.write('READY\n');
  }

  /**
   * childutils listener.wait(): say READY, read the header line, then `len` characters of payload
   * (characters, as Python's text stdin.read(len) does, not bytes). Null when stdin has ended.
   */
  async readEvent(): Promise<ListenerEvent | null> {
    await this.ready();
    const line = await this.reader.readLine();
    if (line === null) return null;
    const headers = parseHeaders(line);
    const len = Number(headers.len);
    if (!Number.isInteger(len) || len < 0) throw new Error(`event header without a valid len: ${line.trim()}`);
    const payload = await this.reader.readChars(len);
    if (payload === null) return null;
    const { headers: payloadHeaders, data } = parsePayload(payload);
    return {
      headers,
      eventname: headers.eventname ?? '',
      serial: Number(headers.serial),
      pool: headers.pool ?? '',
      poolserial: Number(headers.poolserial),
      payload,
      payloadHeaders,
      data,
    };
  }

  ok(): Promise<void> {
    return this.send('OK');
  }

  fail(): Promise<void> {
    return this.send('FAIL');
  }

  /** childutils listener.send(): `RESULT <len>\n<data>`; supd counts that length in bytes. */
  send(data: string): Promise<void> {
    return this.write(`RESULT ${new TextEncoder().encode(data).length}\n${data}`);
  }

  private write(text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.output.write(text, (error) => (error ? reject(error) : resolve()));
    });
  }
}

/**
 * `for await (const event of listen())`: READY, an event, your answer, and again until stdin ends.
 * An event the loop body leaves unanswered is answered OK before the next READY; one left
 * unanswered by a throw or break is answered FAIL, so supd sends it again.
 */
export async function* listen(streams: ListenerStreams = {}): AsyncGenerator<ReceivedEvent, void, undefined> {
  const listener = new EventListener(streams);
  let answered = true;
  try {
    for (;;) {
      const event = await listener.readEvent();
      if (event === null) return;
      answered = false;
      const answer = async (result: 'OK' | 'FAIL'): Promise<void> => {
        if (answered) throw new Error(`event ${event.serial} was already answered`);
        answered = true;
        await listener.send(result);
      };
      yield { ...event, ok: () => answer('OK'), fail: () => answer('FAIL') };
      if (!answered) {
        answered = true;
        await listener.ok();
      }
    }
  } finally {
    if (!answered) await listener.fail().catch(() => undefined);
  }
}

/** Reads lines and UTF-8 characters from a byte stream, pulling chunks only as needed. */
class ByteReader {
  private readonly iterator: AsyncIterator<Uint8Array | string>;
  private pending: Uint8Array = new Uint8Array(0);
  private ended = false;

  constructor(input: AsyncIterable<Uint8Array | string>) {
    this.iterator = input[Symbol.asyncIterator]();
  }

  /** The next line with its '\n' (childutils' readline()), or null at the end of input. */
  async readLine(): Promise<string | null> {
    for (;;) {
      const newline = this.pending.indexOf(0x0a);
      if (newline !== -1) return this.take(newline + 1);
      if (!(await this.pull())) {
        return this.pending.length > 0 ? this.take(this.pending.length) : null;
      }
    }
  }

  /** `count` characters (code points) of UTF-8, or null if the input ends first. */
  async readChars(count: number): Promise<string | null> {
    let offset = 0;
    for (let chars = 0; chars < count; chars++) {
      while (offset >= this.pending.length) if (!(await this.pull())) return null;
      const width = utf8Width(this.pending[offset]!);
      while (offset + width > this.pending.length) if (!(await this.pull())) return null;
      offset += width;
    }
    return this.take(offset);
  }

  private take(byteCount: number): string {
    const text = new TextDecoder().decode(this.pending.subarray(0, byteCount));
    this.pending = this.pending.subarray(byteCount);
    return text;
  }

  private async pull(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.iterator.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    const chunk = typeof next.value === 'string' ? new TextEncoder().encode(next.value) : next.value;
    const joined = new Uint8Array(this.pending.length + chunk.length);
    joined.set(this.pending, 0);
    joined.set(chunk, this.pending.length);
    this.pending = joined;
    return true;
  }
}

/** Bytes in the UTF-8 sequence a lead byte starts; a stray byte counts as one (decoded as U+FFFD). */
function utf8Width(lead: number): number {
  if (lead < 0xc0) return 1;
  if (lead < 0xe0) return 2;
  if (lead < 0xf0) return 3;
  return lead < 0xf8 ? 4 : 1;
}

/**
 * What one of supd's own output streams decides (std-sink.ts does the fd I/O): when a batch may go
 * straight to the fd, what waits in the queue and what is dropped, when programs are held back and
 * let go, when a failed write is retried, and what is reported. Pure: no fds and no timers; time
 * comes from an injected clock, read only when a decision needs it (a clock read costs about as
 * much as the rest of a batch's bookkeeping), and what the sink must do leaves as effects.
 *
 * Three phases, each a union whose states carry only their own data:
 *
 *   writer    idle ──a batch queued──▶ writing ──the queue written──▶ idle
 *                                       │   ▲
 *               EAGAIN: retry in 10 ms; │   │ retry due, something queued
 *               other error: the batch  ▼   │
 *               is dropped, retry in 1 s  backing-off ──retry due, nothing queued──▶ idle
 *             A batch goes straight to the fd only while idle with nothing queued, so lines never
 *             overtake each other. Sync mode (a regular file or /dev/null, which cannot congest)
 *             queues nothing: a failed write puts the writer in backing-off for 1 s, during which
 *             batches are dropped untried, and the next write that succeeds makes it idle.
 *
 *   throttle  free ──half of maxQueuedBytes waits, and someone listens──▶ holding
 *             holding ──down to an eighth──▶ free
 *             holding ──maxThrottleMs passed──▶ spent ──down to an eighth──▶ free
 *             While holding, the daemon does not read the pipes of the programs whose lines come
 *             here, so they wait in their write(2); a reader of supd's stdout that stalls must not
 *             stall them longer than maxThrottleMs, so once spent they are read again and what
 *             does not fit is dropped.
 *
 *   error     writable ⇄ failing(code): reported once per code, and once when a write succeeds.
 *
 * In every phase, a batch that would take a non-empty queue past its limit is dropped whole (whole
 * lines, never part of one) and counted per program; drops and the time programs were held back
 * are reported once per dropNoticeIntervalMs.
 */
import type { Millis } from '../core/process-machine.js';
import { FifoRing } from './fifo-ring.js';
import type { LogNotice, OutputStream } from './log-settings.js';

export type WriterPhase =
  | { readonly name: 'idle' }
  /** A write of the first `buffers` of the queue is under way. */
  | { readonly name: 'writing'; readonly buffers: number }
  | { readonly name: 'backing-off'; readonly retryAt: Millis };

export type ThrottlePhase =
  | { readonly name: 'free' }
  | { readonly name: 'holding'; readonly since: Millis; readonly until: Millis }
  | { readonly name: 'spent' };

export type ErrorPhase = { readonly name: 'writable' } | { readonly name: 'failing'; readonly code: string };

export interface SinkPhases {
  readonly writer: WriterPhase;
  readonly throttle: ThrottlePhase;
  readonly error: ErrorPhase;
}

export type SinkTimer = 'retry' | 'throttle' | 'report';

export type SinkEffect =
  /** Write these (the head of the queue) with one writev, then call written() or writeFailed(). */
  | { readonly type: 'write'; readonly buffers: Buffer[] }
  /** Tell the throttle listeners to hold programs back (true) or let them go on (false). */
  | { readonly type: 'throttle'; readonly isThrottled: boolean }
  | { readonly type: 'notice'; readonly notice: LogNotice }
  /** Call the timer's due method at `at`, replacing that timer if it is set. */
  | { readonly type: 'wake'; readonly timer: SinkTimer; readonly at: Millis }
  | { readonly type: 'cancel'; readonly timer: SinkTimer }
  /** Everything queued so far is written or dropped. */
  | { readonly type: 'drained' };

export interface StdSinkLimits {
  readonly name: OutputStream;
  readonly maxQueuedBytes: number;
  readonly maxThrottleMs: Millis;
  readonly dropNoticeIntervalMs: Millis;
}

export interface StdSinkStats {
  readonly writtenBytes: number;
  readonly queuedBytes: number;
  readonly droppedLines: number;
  readonly droppedBytes: number;
  readonly droppedLinesByProgram: Readonly<Record<string, number>>;
  /** How long, in all, programs were held back (their pipes not read) for this sink. */
  readonly throttledMs: number;
}

const MAX_BUFFERS_PER_WRITE = 512;
const EAGAIN_RETRY_MS = 10;
const ERROR_RETRY_MS = 1000;
const NONE: readonly SinkEffect[] = Object.freeze([]);
const EMPTY = Buffer.alloc(0);
const IDLE: WriterPhase = { name: 'idle' };
const FREE: ThrottlePhase = { name: 'free' };
const SPENT: ThrottlePhase = { name: 'spent' };
const WRITABLE: ErrorPhase = { name: 'writable' };
const DRAINED: SinkEffect = { type: 'drained' };
const HOLD: SinkEffect = { type: 'throttle', isThrottled: true };
const LET_GO: SinkEffect = { type: 'throttle', isThrottled: false };

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

export class StdSinkPolicy {
  private writer: WriterPhase = IDLE;
  private throttle: ThrottlePhase = FREE;
  private error: ErrorPhase = WRITABLE;
  // The queue: one entry per batch kept, in three arrays so that a batch is one Buffer to writev.
  private readonly queue: Buffer[] = [];
  private readonly queueLines: number[] = [];
  private readonly queuePrograms: string[] = [];
  private queuedBytes = 0;
  private readonly ring: FifoRing;
  private writtenBytes = 0;
  private droppedLines = 0;
  private droppedBytes = 0;
  private readonly droppedLinesByProgram: Record<string, number> = {};
  private throttledMs = 0;
  // What the next report tells, and when it is due (null: none is).
  private windowDrops = new Map<string, number>();
  private windowThrottledMs = 0;
  private reportAt: Millis | null = null;

  constructor(
    private readonly limits: StdSinkLimits,
    private readonly clock: () => Millis,
  ) {
    this.ring = new FifoRing(limits.maxQueuedBytes);
  }

  phases(): SinkPhases {
    return { writer: this.writer, throttle: this.throttle, error: this.error };
  }

  get bytesQueued(): number {
    return this.queuedBytes;
  }

  /** Whether a batch may be written straight to the fd: nothing waits, no write is under way or due. */
  mayWriteDirect(): boolean {
    return this.writer.name === 'idle' && this.queuedBytes === 0;
  }

  /** Bytes the sink wrote straight to the fd while mayWriteDirect(). */
  wroteDirect(bytes: number): void {
    this.writtenBytes += bytes;
  }

  /**
   * A batch for the queue (or what a direct write left of it). `data` is lent for this call only:
   * what is kept is copied. `limit` is the queue size this kind of line may fill; `canHoldBack`,
   * whether anyone listens for the throttle.
   */
  offer(data: Buffer, lines: number, program: string, limit: number, canHoldBack: boolean): readonly SinkEffect[] {
    if (this.queuedBytes > 0 && this.queuedBytes + data.length > limit) return this.drop(lines, data.length, program);
    this.queue.push(this.keep(data));
    this.queueLines.push(lines);
    this.queuePrograms.push(program);
    this.queuedBytes += data.length;
    const isHolding = this.queuedBytes >= this.limits.maxQueuedBytes / 2 && this.throttle.name === 'free' && canHoldBack;
    if (!isHolding && this.writer.name !== 'idle') return NONE; // queued behind the write under way
    const effects: SinkEffect[] = [];
    if (isHolding) {
      // free -> holding
      const now = this.clock();
      const until = now + this.limits.maxThrottleMs;
      this.throttle = { name: 'holding', since: now, until };
      effects.push({ type: 'wake', timer: 'throttle', at: until }, HOLD);
    }
    if (this.writer.name === 'idle') effects.push(this.startWrite()); // idle -> writing
    return effects;
  }

  /** The write under way wrote `bytes` from the head of the queue. */
  written(bytes: number): readonly SinkEffect[] {
    this.expectWriting('written');
    const effects: SinkEffect[] = [];
    this.recover(effects);
    this.consume(bytes);
    this.ease(effects);
    if (this.queue.length > 0) {
      effects.push(this.startWrite()); // writing -> writing: the next batch
    } else {
      this.writer = IDLE; // writing -> idle
      effects.push(DRAINED);
    }
    return effects;
  }

  /** The write under way failed with errno `code`. */
  writeFailed(code: string, message: string): readonly SinkEffect[] {
    const buffers = this.expectWriting('writeFailed');
    const now = this.clock();
    const effects: SinkEffect[] = [];
    // A pipe that is full, where the blocking handle could not be had: try again soon.
    if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return this.backOff(now + EAGAIN_RETRY_MS, effects);
    // Anything else (EPIPE: the reader is gone) would fail again at once: the batch is dropped.
    for (let i = 0; i < buffers; i++) {
      const data = this.queue.shift()!;
      this.queuedBytes -= data.length;
      this.dropInto(effects, this.queueLines.shift()!, data.length, this.queuePrograms.shift()!);
    }
    this.fail(code, message, effects);
    this.ease(effects);
    if (this.queue.length === 0) effects.push(DRAINED);
    return this.backOff(now + ERROR_RETRY_MS, effects);
  }

  retryDue(): readonly SinkEffect[] {
    if (this.writer.name !== 'backing-off') return NONE;
    if (this.queue.length > 0) return [this.startWrite()]; // backing-off -> writing
    this.writer = IDLE; // backing-off -> idle
    return NONE;
  }

  /** maxThrottleMs passed while holding: let programs go on, and drop what does not fit from now on. */
  throttleDue(): readonly SinkEffect[] {
    if (this.throttle.name !== 'holding') return NONE;
    const since = this.throttle.since;
    this.throttle = SPENT; // holding -> spent
    const effects: SinkEffect[] = [
      {
        type: 'notice',
        notice: {
          level: 'warn',
          message: `supd ${this.limits.name} did not drain in ${(this.limits.maxThrottleMs / 1000).toFixed(1)} s: programs are no longer held back for it, and their lines are dropped until it does`,
        },
      },
    ];
    this.countHeld(since, effects);
    effects.push(LET_GO);
    return effects;
  }

  reportDue(): readonly SinkEffect[] {
    this.reportAt = null;
    const effects: SinkEffect[] = [];
    if (this.windowThrottledMs > 0) {
      const ms = Math.round(this.windowThrottledMs);
      this.windowThrottledMs = 0;
      effects.push({ type: 'notice', notice: { level: 'info', message: `supd ${this.limits.name} is slow to be read: programs were held back for ${ms} ms` } });
    }
    if (this.windowDrops.size === 0) return effects;
    const parts = [...this.windowDrops].map(([program, lines]) => `${lines} lines from ${program}`);
    this.windowDrops = new Map();
    effects.push({
      type: 'notice',
      notice: { level: 'warn', message: `supd ${this.limits.name} is congested (${mib(this.queuedBytes)} queued): dropped ${parts.join(', ')}` },
    });
    return effects;
  }

  /**
   * The sink is closed: held-back programs go on, what is due to be reported is reported, no retry
   * is left waiting. A write under way goes on; what comes later is still queued and written.
   */
  close(): readonly SinkEffect[] {
    const effects: SinkEffect[] = [];
    if (this.throttle.name === 'holding') this.letGo(this.throttle.since, effects); // holding -> free
    if (this.reportAt !== null) effects.push({ type: 'cancel', timer: 'report' }, ...this.reportDue());
    if (this.writer.name === 'backing-off') {
      this.writer = IDLE; // backing-off -> idle
      effects.push({ type: 'cancel', timer: 'retry' });
    }
    return effects;
  }

  /** Sync mode: whether to try the fd now, rather than drop the batch untried. */
  maySyncWrite(): boolean {
    return this.writer.name !== 'backing-off' || this.clock() >= this.writer.retryAt;
  }

  /** Sync mode: the whole batch was written. */
  syncWritten(bytes: number): readonly SinkEffect[] {
    this.writtenBytes += bytes;
    if (this.error.name === 'writable' && this.writer.name === 'idle') return NONE;
    this.writer = IDLE; // backing-off -> idle
    const effects: SinkEffect[] = [];
    this.recover(effects);
    return effects;
  }

  /** Sync mode: a write failed with errno `code` after `written` bytes; the batch's lines all count as dropped. */
  syncFailed(written: number, lines: number, bytesLeft: number, program: string, code: string, message: string): readonly SinkEffect[] {
    this.writtenBytes += written;
    this.writer = { name: 'backing-off', retryAt: this.clock() + ERROR_RETRY_MS }; // idle -> backing-off
    const effects: SinkEffect[] = [];
    this.dropInto(effects, lines, bytesLeft, program);
    this.fail(code, message, effects);
    return effects;
  }

  /** A batch dropped untried (sync mode while backing off). */
  drop(lines: number, bytes: number, program: string): readonly SinkEffect[] {
    const effects: SinkEffect[] = [];
    this.dropInto(effects, lines, bytes, program);
    return effects;
  }

  stats(): StdSinkStats {
    return {
      writtenBytes: this.writtenBytes,
      queuedBytes: this.queuedBytes,
      droppedLines: this.droppedLines,
      droppedBytes: this.droppedBytes,
      droppedLinesByProgram: { ...this.droppedLinesByProgram },
      throttledMs: this.throttledMs + (this.throttle.name === 'holding' ? this.clock() - this.throttle.since : 0),
    };
  }

  private startWrite(): SinkEffect {
    const buffers = this.queue.slice(0, MAX_BUFFERS_PER_WRITE);
    this.writer = { name: 'writing', buffers: buffers.length };
    return { type: 'write', buffers };
  }

  private expectWriting(event: string): number {
    if (this.writer.name !== 'writing') throw new Error(`std-sink: ${event} while ${this.writer.name}`);
    return this.writer.buffers;
  }

  private backOff(retryAt: Millis, effects: SinkEffect[]): SinkEffect[] {
    this.writer = { name: 'backing-off', retryAt }; // writing -> backing-off
    effects.push({ type: 'wake', timer: 'retry', at: retryAt });
    return effects;
  }

  /** Removes written bytes from the front of the queue; a partly written buffer keeps its rest. */
  private consume(written: number): void {
    this.writtenBytes += written;
    this.queuedBytes -= written;
    while (written > 0) {
      const head = this.queue[0]!;
      if (head.length <= written) {
        written -= head.length;
        this.queue.shift();
        this.queueLines.shift();
        this.queuePrograms.shift();
      } else {
        this.queue[0] = head.subarray(written);
        written = 0;
      }
    }
  }

  /** After a write: once the queue is down to an eighth, programs go on and may be held back again. */
  private ease(effects: SinkEffect[]): void {
    if (this.queuedBytes > this.limits.maxQueuedBytes / 8) return;
    if (this.throttle.name === 'holding') this.letGo(this.throttle.since, effects); // holding -> free
    else this.throttle = FREE; // spent -> free
  }

  private letGo(since: Millis, effects: SinkEffect[]): void {
    this.throttle = FREE;
    effects.push({ type: 'cancel', timer: 'throttle' });
    this.countHeld(since, effects);
    effects.push(LET_GO);
  }

  private countHeld(since: Millis, effects: SinkEffect[]): void {
    const now = this.clock();
    const ms = now - since;
    this.throttledMs += ms;
    this.windowThrottledMs += ms;
    this.scheduleReport(effects, now);
  }

  private recover(effects: SinkEffect[]): void {
    if (this.error.name === 'writable') return;
    effects.push({ type: 'notice', notice: { level: 'info', message: `supd ${this.limits.name} is writable again` } });
    this.error = WRITABLE; // failing -> writable
  }

  private fail(code: string, message: string, effects: SinkEffect[]): void {
    if (this.error.name === 'failing' && this.error.code === code) return;
    this.error = { name: 'failing', code }; // writable -> failing
    effects.push({
      type: 'notice',
      notice: {
        level: 'error',
        message: `cannot write to supd's ${this.limits.name}: ${message}; program output for it is dropped and counted until it can be written again`,
      },
    });
  }

  private dropInto(effects: SinkEffect[], lines: number, bytes: number, program: string): void {
    this.droppedLines += lines;
    this.droppedBytes += bytes;
    this.droppedLinesByProgram[program] = (this.droppedLinesByProgram[program] ?? 0) + lines;
    this.windowDrops.set(program, (this.windowDrops.get(program) ?? 0) + lines);
    this.scheduleReport(effects);
  }

  private scheduleReport(effects: SinkEffect[], now?: Millis): void {
    if (this.reportAt !== null) return;
    this.reportAt = (now ?? this.clock()) + this.limits.dropNoticeIntervalMs;
    effects.push({ type: 'wake', timer: 'report', at: this.reportAt });
  }

  /**
   * What waits is copied into the ring, because a fresh ~1 MiB Buffer per queued batch cost more
   * than everything else in the congested case (FastBuffer, i.e. faulting in new pages, was 54% of
   * supd's CPU in the profile of prefixed lines into a pipe). A batch larger than the ring, or one
   * that finds the ring's free space split at its end, gets a Buffer of its own.
   */
  private keep(data: Buffer): Buffer {
    const oldest = this.ring.owns(this.queue[0] ?? EMPTY) ? this.queue[0] : this.queue.find((b) => this.ring.owns(b));
    return this.ring.copyIn(data, oldest) ?? Buffer.from(data);
  }
}

/**
 * One of supd's own output streams (fd 1 or fd 2), shared by every program in container mode or
 * logging to /dev/stdout. Batches of whole lines are queued and written with fs.writev off the
 * event loop, so a slow reader of supd's stdout never stalls supd's reading of the children.
 *
 * When supd's stdout is a regular file or /dev/null, which cannot be congested, batches are
 * written at once with writeSync instead (no queue, no thread hop).
 *
 * For a pipe or terminal supd also opens its own non-blocking handle on it (/proc/self/fd/N),
 * so while the reader keeps up a batch is written at once, and only what would block is queued.
 * The queue is written through a third, blocking handle on the same pipe, so a writev in the
 * thread pool waits for the reader instead of failing with EAGAIN: fd 1 itself is often
 * non-blocking (Node sets O_NONBLOCK on a stdout pipe it writes to, and that flag is shared
 * with every holder of the pipe), and retrying on a timer drained a busy pipe at a fraction of
 * the reader's speed.
 *
 * Back-pressure policy (pipes, sockets, terminals): at most maxQueuedBytes (default 8 MiB) wait
 * to be written, copied into one ring of that size (fifo-ring.ts) that is allocated the first time
 * anything waits and reused after.
 *   - Slowing down: once half of that waits, the sink tells its throttle listeners (the daemon
 *     then stops reading the pipes of the programs whose lines come here, so a program writing
 *     faster than supd's stdout is read waits in its write(2), as it would writing to a pipe
 *     itself), and tells them to go on once the queue is down to an eighth. The time programs
 *     were held back is counted and reported once per dropNoticeIntervalMs.
 *   - Dropping: programs are held back at most maxThrottleMs (default 1 s) at a time, so a reader
 *     of supd's stdout that stalls cannot stall them: if the queue has not drained by then, the
 *     listeners are told to go on, and until it drains, a batch that would go past
 *     maxQueuedBytes is dropped whole (whole lines, never part of one) and counted per program;
 *     once per dropNoticeIntervalMs a notice says "dropped N lines from web". Without listeners
 *     (tests) the sink only drops.
 * EAGAIN is retried; other write errors (EPIPE...) drop the batch, report once, and retry after a
 * back-off.
 */
import { closeSync, constants, fstatSync, openSync, writeSync, writev } from 'node:fs';
import { isatty } from 'node:tty';
import type { NoticeHandler, OutputStream } from './log-settings.js';
import { FifoRing } from './fifo-ring.js';
import type { LineSink } from './line-assembler.js';

/** Writes some prefix of buffers; resolves with the bytes written. Injected by tests. */
export type WritevFn = (fd: number, buffers: Buffer[]) => Promise<number>;

export interface StdSinkOptions {
  readonly fd: number;
  readonly name: OutputStream;
  readonly onNotice: NoticeHandler;
  readonly maxQueuedBytes?: number;
  readonly dropNoticeIntervalMs?: number;
  readonly writev?: WritevFn;
  /** 'auto' (default): synchronous for regular files and /dev/null, queued otherwise. */
  readonly mode?: 'auto' | 'sync' | 'queued';
  /** The longest programs are held back at a time; if the queue has not drained by then, lines are dropped instead. */
  readonly maxThrottleMs?: number;
  /** Injected by tests. */
  readonly now?: () => number;
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

/** Told true when the programs whose lines come here should be held back, false when they may go on. */
export type ThrottleListener = (isThrottled: boolean) => void;

export const DEFAULT_MAX_QUEUED_BYTES = 8 * 1024 * 1024;
export const DEFAULT_MAX_THROTTLE_MS = 1000;
const OWN_LINES_ALLOWANCE_BYTES = 1024 * 1024;
const MAX_BUFFERS_PER_WRITE = 512;
const EMPTY = Buffer.alloc(0);

function nodeWritev(fd: number, buffers: Buffer[]): Promise<number> {
  return new Promise((resolve, reject) => {
    writev(fd, buffers, (error, written) => (error ? reject(error) : resolve(written)));
  });
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

export class StdSink implements LineSink {
  private readonly queue: Buffer[] = [];
  private readonly queueLines: number[] = [];
  private readonly queuePrograms: string[] = [];
  private queuedBytes = 0;
  private isWriting = false;
  private writtenBytes = 0;
  private droppedLines = 0;
  private droppedBytes = 0;
  private readonly droppedLinesByProgram: Record<string, number> = {};
  private windowDrops = new Map<string, number>();
  private noticeTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private errorCode: string | null = null;
  private drainWaiters: (() => void)[] = [];
  private readonly maxQueuedBytes: number;
  private readonly ring: FifoRing;
  private readonly write: WritevFn;
  private readonly isSync: boolean;
  private syncRetryAt = 0;
  /** A non-blocking handle on the same pipe or terminal, for writes that need not wait. */
  private fastFd: number | null = null;
  /** A blocking handle on the same pipe or terminal for the queue's writes (else options.fd). */
  private blockingFd: number | null = null;
  private readonly throttleListeners = new Set<ThrottleListener>();
  /** When programs began to be held back; null while they are not. */
  private throttledSince: number | null = null;
  private throttleTimer: NodeJS.Timeout | null = null;
  /** The queue did not drain within maxThrottleMs: drop, do not hold back, until it does. */
  private isThrottleSpent = false;
  private throttledMs = 0;
  private windowThrottledMs = 0;
  private readonly now: () => number;

  constructor(private readonly options: StdSinkOptions) {
    this.maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    this.ring = new FifoRing(this.maxQueuedBytes);
    this.write = options.writev ?? nodeWritev;
    this.now = options.now ?? Date.now;
    this.isSync = options.mode === 'sync' || (options.mode !== 'queued' && options.writev === undefined && isUncongestable(options.fd));
    if (!this.isSync && options.writev === undefined) {
      if (options.mode !== 'queued') this.fastFd = reopen(options.fd, constants.O_WRONLY | constants.O_NONBLOCK);
      this.blockingFd = reopen(options.fd, constants.O_WRONLY);
    }
  }

  writeLines(data: Buffer, lineCount: number, program: string): void {
    this.enqueue(data, lineCount, program, this.maxQueuedBytes);
  }

  /**
   * A line of supd's own log. It takes its turn with the programs' lines (written straight to the
   * fd, it could land inside one of theirs that a full pipe split), and a congested queue does not
   * drop it unless supd's own lines alone have filled OWN_LINES_ALLOWANCE_BYTES more.
   */
  writeOwnLine(line: Buffer): void {
    this.enqueue(line, 1, 'supd', this.maxQueuedBytes + OWN_LINES_ALLOWANCE_BYTES);
  }

  private enqueue(data: Buffer, lineCount: number, program: string, maxQueuedBytes: number): void {
    if (data.length === 0) return;
    if (this.isSync) {
      this.writeNow(data, lineCount, program);
      return;
    }
    if (this.fastFd !== null && this.queuedBytes === 0 && !this.isWriting && this.retryTimer === null) {
      let written = 0;
      try {
        written = writeSync(this.fastFd, data);
      } catch {
        // EAGAIN (pipe full) or a real error: the queue and its error handling take it from here.
      }
      this.writtenBytes += written;
      if (written === data.length) return;
      data = data.subarray(written);
    }
    if (this.queuedBytes > 0 && this.queuedBytes + data.length > maxQueuedBytes) {
      this.drop(lineCount, data.length, program);
      return;
    }
    this.queue.push(this.keep(data));
    this.queueLines.push(lineCount);
    this.queuePrograms.push(program);
    this.queuedBytes += data.length;
    if (this.queuedBytes >= this.maxQueuedBytes / 2) this.throttle();
    if (!this.isWriting && this.retryTimer === null) void this.pump();
  }

  /** Listens for when to hold programs back; returns the way to stop listening. */
  onThrottle(listener: ThrottleListener): () => void {
    this.throttleListeners.add(listener);
    return () => this.throttleListeners.delete(listener);
  }

  private throttle(): void {
    if (this.throttledSince !== null || this.isThrottleSpent || this.throttleListeners.size === 0) return;
    this.throttledSince = this.now();
    const maxMs = this.options.maxThrottleMs ?? DEFAULT_MAX_THROTTLE_MS;
    this.throttleTimer = setTimeout(() => {
      this.throttleTimer = null;
      this.isThrottleSpent = true;
      this.options.onNotice({
        level: 'warn',
        message: `supd ${this.options.name} did not drain in ${(maxMs / 1000).toFixed(1)} s: programs are no longer held back for it, and their lines are dropped until it does`,
      });
      this.endThrottle();
    }, maxMs);
    for (const listener of this.throttleListeners) listener(true);
  }

  /** After a write: enough has drained for programs to go on. */
  private easeThrottle(): void {
    if (this.queuedBytes > this.maxQueuedBytes / 8) return;
    this.isThrottleSpent = false;
    this.endThrottle();
  }

  private endThrottle(): void {
    if (this.throttledSince === null) return;
    const ms = this.now() - this.throttledSince;
    this.throttledSince = null;
    if (this.throttleTimer !== null) clearTimeout(this.throttleTimer);
    this.throttleTimer = null;
    this.throttledMs += ms;
    this.windowThrottledMs += ms;
    this.scheduleReport();
    for (const listener of this.throttleListeners) listener(false);
  }

  /**
   * data is lent for the writeLines call only (LineSink), so what waits is copied: into the ring,
   * because a fresh ~1 MiB Buffer per queued batch cost more than everything else in the
   * congested case (FastBuffer, i.e. faulting in new pages, was 54% of supd's CPU in the profile
   * of prefixed lines into a pipe). A batch larger than the ring, or one that finds the ring's
   * free space split at its end, gets a Buffer of its own.
   */
  private keep(data: Buffer): Buffer {
    const oldest = this.ring.owns(this.queue[0] ?? EMPTY) ? this.queue[0] : this.queue.find((b) => this.ring.owns(b));
    return this.ring.copyIn(data, oldest) ?? Buffer.from(data);
  }

  stats(): StdSinkStats {
    return {
      writtenBytes: this.writtenBytes,
      queuedBytes: this.queuedBytes,
      droppedLines: this.droppedLines,
      droppedBytes: this.droppedBytes,
      droppedLinesByProgram: { ...this.droppedLinesByProgram },
      throttledMs: this.throttledMs + (this.throttledSince === null ? 0 : this.now() - this.throttledSince),
    };
  }

  /** Resolves when everything queued so far is written (or dropped): for shutdown and tests. */
  flush(): Promise<void> {
    if (this.queuedBytes === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Lets held-back programs go on; stops timers; reports drops not yet reported. Queued lines still in flight finish. */
  close(): void {
    this.endThrottle();
    this.throttleListeners.clear();
    if (this.noticeTimer !== null) {
      clearTimeout(this.noticeTimer);
      this.reportDrops();
    }
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.fastFd !== null) closeSync(this.fastFd);
    this.fastFd = null;
    // Not under a write still in the thread pool: a file opened meanwhile could take the fd's
    // number. The sink is closed at exit, so that handle goes with the process.
    if (this.blockingFd !== null && !this.isWriting) closeSync(this.blockingFd);
    this.blockingFd = null;
  }

  private writeNow(data: Buffer, lineCount: number, program: string): void {
    if (this.errorCode !== null && Date.now() < this.syncRetryAt) {
      this.drop(lineCount, data.length, program);
      return;
    }
    let done = 0;
    try {
      while (done < data.length) done += writeSync(this.options.fd, data, done, data.length - done);
    } catch (error) {
      this.writtenBytes += done;
      this.syncRetryAt = Date.now() + 1000;
      const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
      // The lines already written in part count as written; the batch's lines are all counted dropped.
      this.drop(lineCount, data.length - done, program);
      this.reportError(code, error as Error);
      return;
    }
    this.writtenBytes += done;
    this.recovered();
  }

  private recovered(): void {
    if (this.errorCode === null) return;
    this.options.onNotice({ level: 'info', message: `supd ${this.options.name} is writable again` });
    this.errorCode = null;
  }

  private reportError(code: string, error: Error): void {
    if (this.errorCode === code) return;
    this.errorCode = code;
    this.options.onNotice({
      level: 'error',
      message: `cannot write to supd's ${this.options.name}: ${error.message}; program output for it is dropped and counted until it can be written again`,
    });
  }

  private async pump(): Promise<void> {
    this.isWriting = true;
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, MAX_BUFFERS_PER_WRITE);
      let written: number;
      try {
        written = await this.write(this.blockingFd ?? this.options.fd, batch);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') {
          this.retryIn(10);
        } else {
          this.failBatch(batch.length, code, error as Error);
          this.retryIn(1000);
        }
        this.isWriting = false;
        return;
      }
      this.recovered();
      this.consume(written);
      this.easeThrottle();
    }
    this.isWriting = false;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
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

  private failBatch(buffers: number, code: string, error: Error): void {
    for (let i = 0; i < buffers; i++) {
      const data = this.queue.shift()!;
      this.queuedBytes -= data.length;
      this.drop(this.queueLines.shift()!, data.length, this.queuePrograms.shift()!);
    }
    this.reportError(code, error);
    this.easeThrottle();
    if (this.queue.length === 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private retryIn(ms: number): void {
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.isWriting && this.queue.length > 0) void this.pump();
    }, ms);
  }

  private drop(lines: number, bytes: number, program: string): void {
    this.droppedLines += lines;
    this.droppedBytes += bytes;
    this.droppedLinesByProgram[program] = (this.droppedLinesByProgram[program] ?? 0) + lines;
    this.windowDrops.set(program, (this.windowDrops.get(program) ?? 0) + lines);
    this.scheduleReport();
  }

  private scheduleReport(): void {
    if (this.noticeTimer !== null) return;
    const interval = this.options.dropNoticeIntervalMs ?? 5000;
    this.noticeTimer = setTimeout(() => this.reportDrops(), interval);
    this.noticeTimer.unref();
  }

  private reportDrops(): void {
    this.noticeTimer = null;
    if (this.windowThrottledMs > 0) {
      const ms = Math.round(this.windowThrottledMs);
      this.windowThrottledMs = 0;
      this.options.onNotice({ level: 'info', message: `supd ${this.options.name} is slow to be read: programs were held back for ${ms} ms` });
    }
    if (this.windowDrops.size === 0) return;
    const parts = [...this.windowDrops].map(([program, lines]) => `${lines} lines from ${program}`);
    this.windowDrops = new Map();
    this.options.onNotice({
      level: 'warn',
      message: `supd ${this.options.name} is congested (${mib(this.queuedBytes)} queued): dropped ${parts.join(', ')}`,
    });
  }
}

/** A regular file or a character device other than a terminal (/dev/null) never makes a writer wait long. */
function isUncongestable(fd: number): boolean {
  try {
    const stat = fstatSync(fd);
    return stat.isFile() || (stat.isCharacterDevice() && !isatty(fd));
  } catch {
    return false;
  }
}

/**
 * A second open file description of a pipe or terminal fd, with flags of its own (O_NONBLOCK or
 * not); null where that cannot be had.
 */
function reopen(fd: number, flags: number): number | null {
  try {
    const stat = fstatSync(fd);
    if (!stat.isFIFO() && !stat.isCharacterDevice()) return null;
    return openSync(`/proc/self/fd/${fd}`, flags);
  } catch {
    return null;
  }
}

/** The pair the daemon creates once, on fds 1 and 2, and hands to every process output. */
export interface StdSinks {
  readonly stdout: StdSink;
  readonly stderr: StdSink;
}

export function createStdSinks(options: Omit<StdSinkOptions, 'fd' | 'name'>): StdSinks {
  return {
    stdout: new StdSink({ ...options, fd: 1, name: 'stdout' }),
    stderr: new StdSink({ ...options, fd: 2, name: 'stderr' }),
  };
}

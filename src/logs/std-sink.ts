/**
 * One of supd's own output streams (fd 1 or fd 2), shared by every program in container mode or
 * logging to /dev/stdout: the fd I/O and timers around std-sink-policy.ts, which decides what is
 * written, queued, dropped and reported, and when programs are held back. Batches of whole lines
 * are queued and written with fs.writev off the event loop, so a slow reader of supd's stdout
 * never stalls supd's reading of the children.
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
 */
import { closeSync, constants, fstatSync, openSync, writeSync, writev } from 'node:fs';
import { isatty } from 'node:tty';
import type { NoticeHandler, OutputStream } from './log-settings.js';
import type { LineSink } from './line-assembler.js';
import { StdSinkPolicy, type SinkEffect, type SinkTimer, type StdSinkStats } from './std-sink-policy.js';

export type { StdSinkStats } from './std-sink-policy.js';

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

/** Told true when the programs whose lines come here should be held back, false when they may go on. */
export type ThrottleListener = (isThrottled: boolean) => void;

export const DEFAULT_MAX_QUEUED_BYTES = 8 * 1024 * 1024;
export const DEFAULT_MAX_THROTTLE_MS = 1000;
const DEFAULT_DROP_NOTICE_INTERVAL_MS = 5000;
const OWN_LINES_ALLOWANCE_BYTES = 1024 * 1024;

function nodeWritev(fd: number, buffers: Buffer[]): Promise<number> {
  return new Promise((resolve, reject) => {
    writev(fd, buffers, (error, written) => (error ? reject(error) : resolve(written)));
  });
}

function errnoCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'EIO';
}

export class StdSink implements LineSink {
  private readonly policy: StdSinkPolicy;
  private readonly maxQueuedBytes: number;
  private readonly write: WritevFn;
  private readonly isSync: boolean;
  private readonly now: () => number;
  /** A non-blocking handle on the same pipe or terminal, for writes that need not wait. */
  private fastFd: number | null = null;
  /** A blocking handle on the same pipe or terminal for the queue's writes (else options.fd). */
  private blockingFd: number | null = null;
  private readonly throttleListeners = new Set<ThrottleListener>();
  private readonly timers: Record<SinkTimer, NodeJS.Timeout | null> = { retry: null, throttle: null, report: null };
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly options: StdSinkOptions) {
    this.maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    this.now = options.now ?? Date.now;
    this.policy = new StdSinkPolicy(
      {
        name: options.name,
        maxQueuedBytes: this.maxQueuedBytes,
        maxThrottleMs: options.maxThrottleMs ?? DEFAULT_MAX_THROTTLE_MS,
        dropNoticeIntervalMs: options.dropNoticeIntervalMs ?? DEFAULT_DROP_NOTICE_INTERVAL_MS,
      },
      this.now,
    );
    this.write = options.writev ?? nodeWritev;
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

  private enqueue(data: Buffer, lineCount: number, program: string, limit: number): void {
    if (data.length === 0) return;
    if (this.isSync) {
      this.writeNow(data, lineCount, program);
      return;
    }
    if (this.fastFd !== null && this.policy.mayWriteDirect()) {
      let written = 0;
      try {
        written = writeSync(this.fastFd, data);
      } catch {
        // EAGAIN (pipe full) or a real error: the queue and its error handling take it from here.
      }
      this.policy.wroteDirect(written);
      if (written === data.length) return;
      data = data.subarray(written);
    }
    this.apply(this.policy.offer(data, lineCount, program, limit, this.throttleListeners.size > 0));
  }

  /** Listens for when to hold programs back; returns the way to stop listening. */
  onThrottle(listener: ThrottleListener): () => void {
    this.throttleListeners.add(listener);
    return () => this.throttleListeners.delete(listener);
  }

  stats(): StdSinkStats {
    return this.policy.stats();
  }

  /** Resolves when everything queued so far is written (or dropped): for shutdown and tests. */
  flush(): Promise<void> {
    if (this.policy.bytesQueued === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Lets held-back programs go on; stops timers; reports drops not yet reported. Queued lines still in flight finish. */
  close(): void {
    this.apply(this.policy.close()); // held-back programs are told to go on, then forgotten
    this.throttleListeners.clear();
    if (this.fastFd !== null) closeSync(this.fastFd);
    this.fastFd = null;
    // Not under a write still in the thread pool: a file opened meanwhile could take the fd's
    // number. The sink is closed at exit, so that handle goes with the process.
    if (this.blockingFd !== null && this.policy.phases().writer.name !== 'writing') closeSync(this.blockingFd);
    this.blockingFd = null;
  }

  /** Sync mode: the whole batch with writeSync, or dropped while a failed write is backed off from. */
  private writeNow(data: Buffer, lineCount: number, program: string): void {
    if (!this.policy.maySyncWrite()) {
      this.apply(this.policy.drop(lineCount, data.length, program));
      return;
    }
    let done = 0;
    try {
      while (done < data.length) done += writeSync(this.options.fd, data, done, data.length - done);
    } catch (error) {
      this.apply(this.policy.syncFailed(done, lineCount, data.length - done, program, errnoCode(error), (error as Error).message));
      return;
    }
    // Every batch of a file or /dev/null comes here: effects only when it recovers from an error.
    const effects = this.policy.syncWritten(done);
    if (effects.length > 0) this.apply(effects);
  }

  /** One writev of the queue's head, in the thread pool; its outcome goes back to the policy. */
  private async writeBatch(buffers: Buffer[]): Promise<void> {
    let written: number;
    try {
      written = await this.write(this.blockingFd ?? this.options.fd, buffers);
    } catch (error) {
      this.apply(this.policy.writeFailed(errnoCode(error), (error as Error).message));
      return;
    }
    this.apply(this.policy.written(written));
  }

  private apply(effects: readonly SinkEffect[]): void {
    for (const effect of effects) {
      switch (effect.type) {
        case 'write':
          void this.writeBatch(effect.buffers);
          break;
        case 'throttle':
          for (const listener of this.throttleListeners) listener(effect.isThrottled);
          break;
        case 'notice':
          this.options.onNotice(effect.notice);
          break;
        case 'wake':
          this.arm(effect.timer, effect.at - this.now());
          break;
        case 'cancel':
          this.disarm(effect.timer);
          break;
        case 'drained': {
          const waiters = this.drainWaiters;
          this.drainWaiters = [];
          for (const resolve of waiters) resolve();
          break;
        }
        default:
          effect satisfies never;
      }
    }
  }

  private arm(timer: SinkTimer, delayMs: number): void {
    this.disarm(timer);
    const handle = setTimeout(() => {
      this.timers[timer] = null;
      this.apply(this.due(timer));
    }, delayMs);
    // A report alone is no reason to keep supd running; a held-back program or a queued line is.
    if (timer === 'report') handle.unref();
    this.timers[timer] = handle;
  }

  private due(timer: SinkTimer): readonly SinkEffect[] {
    switch (timer) {
      case 'retry':
        return this.policy.retryDue();
      case 'throttle':
        return this.policy.throttleDue();
      case 'report':
        return this.policy.reportDue();
    }
  }

  private disarm(timer: SinkTimer): void {
    const handle = this.timers[timer];
    if (handle !== null) clearTimeout(handle);
    this.timers[timer] = null;
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

/**
 * Gives back the memory a burst of work left behind. supd runs with --no-memory-reducer so that
 * an idle supd never wakes; but the memory reducer is also what returns the heap pages a burst
 * committed (starting or stopping 500 programs promotes tens of MiB of short-lived objects into
 * V8's old generation, and freed pages stay in V8's pool), so without it RSS stays at the
 * high-water mark of the largest burst. This does once what the reducer would do: after
 * activity, when supd has been quiet for a moment (or activity has gone on for a while), and
 * only if RSS grew by more than a bound since the last time, one full collection that also
 * releases pooled pages. No activity, no timer.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface HeapTrimOptions {
  readonly clock: () => number;
  /** Resident bytes now (process.memoryUsage.rss). */
  readonly residentBytes: () => number;
  /** A full collection that returns freed pages to the system. */
  readonly collect: () => void;
  readonly setTimer: (run: () => void, ms: number) => unknown;
  readonly clearTimer: (timer: unknown) => void;
  /** How long supd must be quiet before trimming. */
  readonly quietMs?: number;
  /** Trim at the latest this long after the first activity, even while activity goes on (a crash loop). */
  readonly maxDelayMs?: number;
  /** Growth of RSS since the last trim (or start) below which a collection is not worth it. */
  readonly minGrowthBytes?: number;
}

export class HeapTrim {
  private readonly quietMs: number;
  private readonly maxDelayMs: number;
  private readonly minGrowthBytes: number;
  private timer: unknown = null;
  private firstActivity = 0;
  private lastActivity = 0;
  private baseline: number;
  /** Collections run, for tests and the curious. */
  trims = 0;

  constructor(private readonly options: HeapTrimOptions) {
    this.quietMs = options.quietMs ?? 1_000;
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
    this.minGrowthBytes = options.minGrowthBytes ?? 8 * 1024 * 1024;
    this.baseline = options.residentBytes();
  }

  /** Something allocated (a process changed state): check once things are quiet. */
  activity(): void {
    const now = this.options.clock();
    this.lastActivity = now;
    if (this.timer !== null) return;
    this.firstActivity = now;
    this.timer = this.options.setTimer(() => this.check(), this.quietMs);
  }

  /** Cancels a pending check (shutdown). */
  dispose(): void {
    if (this.timer !== null) this.options.clearTimer(this.timer);
    this.timer = null;
  }

  private check(): void {
    const now = this.options.clock();
    const quietFor = now - this.lastActivity;
    if (quietFor < this.quietMs && now - this.firstActivity < this.maxDelayMs) {
      this.timer = this.options.setTimer(() => this.check(), this.quietMs - quietFor);
      return;
    }
    this.timer = null;
    if (this.options.residentBytes() - this.baseline < this.minGrowthBytes) return;
    this.options.collect();
    this.trims++;
    this.baseline = this.options.residentBytes();
  }
}

/**
 * V8's own "collect all available garbage": full collections until nothing more is freed, then
 * pooled pages unmapped (what a low-memory notification does). null when Node does not allow it.
 */
export function fullCollection(): (() => void) | null {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as (options?: { type?: string; execution?: string; flavor?: string }) => void;
    if (typeof gc !== 'function') return null;
    return () => gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  } catch {
    return null;
  }
}

/** A HeapTrim on the real clock, timers and V8, or null when no full collection is available. */
export function createHeapTrim(): HeapTrim | null {
  const collect = fullCollection();
  if (collect === null) return null;
  return new HeapTrim({
    clock: () => performance.now(),
    residentBytes: () => process.memoryUsage.rss(),
    collect,
    // unref: a pending check never keeps supd alive on its way out.
    setTimer: (run, ms) => setTimeout(run, ms).unref(),
    clearTimer: (timer) => clearTimeout(timer as NodeJS.Timeout),
  });
}

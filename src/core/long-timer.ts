/**
 * A one-shot timer of any length. setTimeout's longest delay is 2^31-1 ms (about 24.8 days): Node
 * fires a longer one after 1 ms with a TimeoutOverflowWarning, so a user's startsecs, health check
 * interval or shutdown_stuck_timeout of 30 days would fire at once (and re-armed, spin). The wait
 * is armed in steps of at most that limit and re-armed until the deadline, by the clock given.
 * Pure: the timers and the clock are passed in (the effect layers pass Node's).
 */

/** setTimeout's largest delay. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface TimerFunctions {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: never): void;
}

export interface LongTimeout {
  /** Stops it; the callback never runs. */
  cancel(): void;
  /** Lets the process exit while only this timer waits (Node's timer.unref), for every step. */
  unref(): LongTimeout;
}

/**
 * Runs `callback` once `clock()` reaches `at` (ms, the clock's unit), waiting in steps of at most
 * MAX_TIMER_MS. A step that fires early by the clock (libuv runs timers on its cached loop time)
 * is re-armed rather than run early. An `at` of Infinity never fires.
 */
export function setTimeoutAt(timers: TimerFunctions, clock: () => number, at: number, callback: () => void): LongTimeout {
  let handle: unknown = null;
  let unref = false;
  let cancelled = false;
  const schedule = (left: number): void => {
    handle = timers.setTimeout(step, Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(left))));
    if (unref) (handle as { unref?: () => void }).unref?.();
  };
  function step(): void {
    handle = null;
    if (cancelled) return;
    const left = at - clock();
    if (left > 0) schedule(left);
    else callback();
  }
  if (at !== Number.POSITIVE_INFINITY) schedule(at - clock());
  const timer: LongTimeout = {
    cancel() {
      cancelled = true;
      if (handle !== null) timers.clearTimeout(handle as never);
      handle = null;
    },
    unref() {
      unref = true;
      (handle as { unref?: () => void } | null)?.unref?.();
      return timer;
    },
  };
  return timer;
}

/** setTimeoutAt `delayMs` from now. */
export function setLongTimeout(timers: TimerFunctions, clock: () => number, delayMs: number, callback: () => void): LongTimeout {
  return setTimeoutAt(timers, clock, clock() + delayMs, callback);
}

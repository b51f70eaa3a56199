/**
 * TICK_5/60/3600 as supervisord 4.2.5 sends them (supervisord.py tick(), timeslice()): an event
 * when int(now) // period changes, carrying the start of the new period, and none at startup. The
 * pure part decides which ticks are due and when the next one is; TickScheduler turns that into
 * one timer through an injected clock, so supd wakes only when a tick is due.
 */
import { TICK_PERIODS, type SupdEvent, type TickEventName } from './payloads.js';

const TICK_NAMES = Object.keys(TICK_PERIODS) as TickEventName[];

/** The period each tick was last sent for (supervisord's self.ticks), by tick name. */
export type TickState = Readonly<Partial<Record<TickEventName, number>>>;

/** supervisord.py timeslice(period, when): the start of the period `when` falls in. */
export function timeslice(periodSeconds: number, whenSeconds: number): number {
  return Math.floor(whenSeconds / periodSeconds) * periodSeconds;
}

/** The first call of tick(): remember the current periods and send nothing. */
export function initialTicks(nowSeconds: number, names: readonly TickEventName[] = TICK_NAMES): TickState {
  const state: Partial<Record<TickEventName, number>> = {};
  for (const name of names) state[name] = timeslice(TICK_PERIODS[name], nowSeconds);
  return state;
}

/** tick(now): one event per period that rolled over (one only, however many were skipped). */
export function dueTicks(state: TickState, nowSeconds: number): { state: TickState; events: SupdEvent[] } {
  const next: Partial<Record<TickEventName, number>> = { ...state };
  const events: SupdEvent[] = [];
  for (const name of TICK_NAMES) {
    const last = state[name];
    if (last === undefined) continue;
    const thisTick = timeslice(TICK_PERIODS[name], nowSeconds);
    if (thisTick !== last) {
      next[name] = thisTick;
      events.push({ type: name, when: thisTick });
    }
  }
  return { state: next, events };
}

/** When the next tick of any tracked period is due, in Unix seconds; null when none is tracked. */
export function nextTickAt(state: TickState, nowSeconds: number): number | null {
  let soonest: number | null = null;
  for (const name of TICK_NAMES) {
    if (state[name] === undefined) continue;
    const period = TICK_PERIODS[name];
    const due = timeslice(period, nowSeconds) + period;
    if (soonest === null || due < soonest) soonest = due;
  }
  return soonest;
}

/** Wall-clock time and a timer, injected so tests drive TickScheduler with a fake clock. */
export interface TickClock {
  /** Milliseconds since the Unix epoch (Date.now). */
  now(): number;
  setTimer(callback: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

export const SYSTEM_TICK_CLOCK: TickClock = {
  now: () => Date.now(),
  setTimer: (callback, delayMs) => {
    const handle = setTimeout(callback, delayMs);
    handle.unref(); // ticks alone never keep supd alive
    return handle;
  },
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Sends the TICK events of the given periods through `onTick`, with a single timer set for the
 * next boundary. A timer that fires early (the wall clock lags the timer's clock) sets itself again.
 */
export class TickScheduler {
  private state: TickState = {};
  private handle: unknown = null;

  constructor(
    private readonly onTick: (event: SupdEvent) => void,
    private readonly clock: TickClock = SYSTEM_TICK_CLOCK,
  ) {}

  /** Start (or restart, e.g. after a reload) with the ticks some pool subscribes to. */
  start(names: readonly TickEventName[] = TICK_NAMES): void {
    this.stop();
    this.state = initialTicks(this.clock.now() / 1000, names);
    this.arm();
  }

  stop(): void {
    if (this.handle !== null) this.clock.clearTimer(this.handle);
    this.handle = null;
    this.state = {};
  }

  private arm(): void {
    const nowMs = this.clock.now();
    const due = nextTickAt(this.state, nowMs / 1000);
    if (due === null) return;
    this.handle = this.clock.setTimer(() => this.fire(), Math.max(1, due * 1000 - nowMs));
  }

  private fire(): void {
    this.handle = null;
    const { state, events } = dueTicks(this.state, this.clock.now() / 1000);
    this.state = state;
    this.arm(); // before onTick, so a throwing subscriber does not stop the ticks
    for (const event of events) this.onTick(event);
  }
}

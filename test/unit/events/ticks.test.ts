import { describe, expect, it } from 'vitest';
import { dueTicks, initialTicks, nextTickAt, TickScheduler, timeslice, type TickClock } from '../../../src/events/ticks.js';
import type { SupdEvent } from '../../../src/events/payloads.js';

/** A wall clock and a single-timer scheduler that only move when the test says so. */
function fakeClock(startMs: number) {
  let now = startMs;
  let timer: { at: number; callback: () => void } | null = null;
  const wakes: number[] = [];
  const clock: TickClock = {
    now: () => now,
    setTimer: (callback, delayMs) => {
      timer = { at: now + delayMs, callback };
      wakes.push(now + delayMs);
      return timer;
    },
    clearTimer: (handle) => {
      if (handle === timer) timer = null;
    },
  };
  return {
    clock,
    wakes,
    /** Advance to `toMs`, firing the timer whenever it is due on the way. */
    advance(toMs: number) {
      while (timer && timer.at <= toMs) {
        const due = timer;
        timer = null;
        now = due.at;
        due.callback();
      }
      now = toMs;
    },
  };
}

describe('TICK timing', () => {
  it('uses supervisord\'s timeslice: the start of the period the time falls in', () => {
    expect(timeslice(5, 1_700_000_004.9)).toBe(1_700_000_000);
    expect(timeslice(60, 1_700_000_040)).toBe(1_700_000_040);
    expect(timeslice(3600, 1_700_000_000)).toBe(1_699_999_200);
  });

  it('sends nothing at startup and one event per period that rolled over, carrying its start', () => {
    const state = initialTicks(1_700_000_003);
    expect(dueTicks(state, 1_700_000_004.99).events).toEqual([]);
    expect(dueTicks(state, 1_700_000_005).events).toEqual([{ type: 'TICK_5', when: 1_700_000_005 }]);
    // 1700000040 starts a minute too
    const later = dueTicks(dueTicks(state, 1_700_000_035).state, 1_700_000_041);
    expect(later.events).toEqual([
      { type: 'TICK_5', when: 1_700_000_040 },
      { type: 'TICK_60', when: 1_700_000_040 },
    ]);
  });

  it('sends a single event for a period after a long pause, not one per missed period', () => {
    const state = initialTicks(1_700_000_003);
    expect(dueTicks(state, 1_700_000_033).events).toEqual([{ type: 'TICK_5', when: 1_700_000_030 }]);
  });

  it('computes the next boundary of the tracked periods only', () => {
    expect(nextTickAt(initialTicks(1_700_000_003), 1_700_000_003)).toBe(1_700_000_005);
    expect(nextTickAt(initialTicks(1_700_000_003, ['TICK_60']), 1_700_000_003)).toBe(1_700_000_040);
    expect(nextTickAt(initialTicks(1_700_000_003, []), 1_700_000_003)).toBeNull();
  });
});

describe('the tick scheduler', () => {
  it('wakes only at period boundaries and publishes what is due there', () => {
    const fake = fakeClock(1_700_000_003_500);
    const seen: SupdEvent[] = [];
    const scheduler = new TickScheduler((e) => seen.push(e), fake.clock);
    scheduler.start();
    fake.advance(1_700_000_041_000);
    expect(fake.wakes).toEqual([
      1_700_000_005_000, 1_700_000_010_000, 1_700_000_015_000, 1_700_000_020_000, 1_700_000_025_000,
      1_700_000_030_000, 1_700_000_035_000, 1_700_000_040_000, 1_700_000_045_000,
    ]);
    expect(seen.filter((e) => e.type === 'TICK_60')).toEqual([{ type: 'TICK_60', when: 1_700_000_040 }]);
    expect(seen.filter((e) => e.type === 'TICK_5')).toHaveLength(8);
    scheduler.stop();
  });

  it('with only TICK_3600 wanted, sleeps until the hour', () => {
    const fake = fakeClock(1_700_000_003_000);
    const scheduler = new TickScheduler(() => {}, fake.clock);
    scheduler.start(['TICK_3600']);
    expect(fake.wakes).toEqual([1_700_002_800_000]);
    scheduler.stop();
  });

  it('sets its timer again when it fires before the wall clock reaches the boundary', () => {
    const fake = fakeClock(1_700_000_003_000);
    const seen: SupdEvent[] = [];
    let skewMs = 0;
    const clock: TickClock = { ...fake.clock, now: () => fake.clock.now() - skewMs };
    const scheduler = new TickScheduler((e) => seen.push(e), clock);
    scheduler.start(['TICK_5']);
    skewMs = 2; // the wall clock is stepped back 2 ms after the timer was set (an NTP slew)
    fake.advance(1_700_000_005_000);
    expect(seen).toEqual([]);
    fake.advance(1_700_000_005_010);
    expect(seen).toEqual([{ type: 'TICK_5', when: 1_700_000_005 }]);
    expect(fake.wakes).toEqual([1_700_000_005_000, 1_700_000_005_002, 1_700_000_010_002]);
    scheduler.stop();
  });

  it('stops waking once stopped', () => {
    const fake = fakeClock(1_700_000_003_000);
    const seen: SupdEvent[] = [];
    const scheduler = new TickScheduler((e) => seen.push(e), fake.clock);
    scheduler.start();
    scheduler.stop();
    fake.advance(1_700_000_100_000);
    expect(seen).toEqual([]);
  });
});

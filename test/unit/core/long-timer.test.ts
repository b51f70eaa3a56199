import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_MS, setLongTimeout, setTimeoutAt } from '../../../src/core/long-timer.js';

const DAY = 24 * 60 * 60 * 1000;

describe('timers longer than setTimeout allows', () => {
  const delays: number[] = [];
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.name);
  beforeEach(() => {
    vi.useFakeTimers();
    delays.length = 0;
    warnings.length = 0;
    process.on('warning', onWarning);
  });
  afterEach(() => {
    process.off('warning', onWarning);
    vi.useRealTimers();
  });
  const timers = {
    setTimeout: (fn: () => void, ms: number) => (delays.push(ms), setTimeout(fn, ms)),
    clearTimeout: (h: never) => clearTimeout(h),
  };

  it('fires a 30-day wait at 30 days, never before, armed in steps setTimeout accepts', () => {
    const fired: number[] = [];
    const start = Date.now();
    setLongTimeout(timers, Date.now, 30 * DAY, () => fired.push(Date.now() - start));
    vi.advanceTimersByTime(30 * DAY - 1);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([30 * DAY]);
    expect(Math.max(...delays)).toBeLessThanOrEqual(MAX_TIMER_MS);
    expect(delays).toEqual([MAX_TIMER_MS, 30 * DAY - MAX_TIMER_MS]);
    expect(warnings).toEqual([]);
  });

  it('runs a short wait as one setTimeout', () => {
    const fired: number[] = [];
    setLongTimeout(timers, Date.now, 1_500, () => fired.push(Date.now()));
    vi.advanceTimersByTime(1_500);
    expect({ fired: fired.length, delays }).toEqual({ fired: 1, delays: [1_500] });
  });

  it('re-arms a step that fires before the deadline by the clock', () => {
    let now = 0;
    const fired: number[] = [];
    setTimeoutAt(timers, () => now, 1_000, () => fired.push(now));
    now = 999.5; // the loop's cached time ran ahead of the clock
    vi.advanceTimersByTime(1_000);
    expect(fired).toEqual([]);
    now = 1_000;
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([1_000]);
  });

  it('never fires once cancelled, even between steps; Infinity never fires', () => {
    const fired: string[] = [];
    const t = setLongTimeout(timers, Date.now, 40 * DAY, () => fired.push('long'));
    vi.advanceTimersByTime(MAX_TIMER_MS + 10);
    t.cancel();
    setLongTimeout(timers, Date.now, Number.POSITIVE_INFINITY, () => fired.push('never'));
    vi.advanceTimersByTime(60 * DAY);
    expect(fired).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('fires a past deadline on the next turn, not synchronously', () => {
    const fired: string[] = [];
    setTimeoutAt(timers, Date.now, Date.now() - 5_000, () => fired.push('late'));
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(0);
    expect(fired).toEqual(['late']);
  });
});

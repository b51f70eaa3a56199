import { describe, expect, it } from 'vitest';
import { decodeExit } from '../../../src/core/exit-status.js';
import { initialMachine, step, type Effect, type Machine, type Millis, type ProcessEvent } from '../../../src/core/process-machine.js';
import { describePendingRestart } from '../../../src/core/process-report.js';
import { baseDelay, hasStayedUp, restartDelay } from '../../../src/core/restart-backoff.js';
import { processConfig } from '../../support/process-config.js';

const exponential = processConfig({ backoffDelayMs: 500, backoffFactor: 2, backoffLimitMs: 4_000, startSecs: 1, startRetries: Infinity });

describe('the restart delay', () => {
  it('grows by the factor from backoff_delay and stops at backoff_limit', () => {
    expect([1, 2, 3, 4, 5, 6, 40].map((n) => baseDelay(exponential, n))).toEqual([500, 1_000, 2_000, 4_000, 4_000, 4_000, 4_000]);
  });

  it("is supervisord's n x backoff_delay without a factor", () => {
    const linear = processConfig({ backoffDelayMs: 1_000, backoffFactor: null });
    expect([1, 2, 3].map((n) => restartDelay(linear, n, 0.99))).toEqual([1_000, 2_000, 3_000]);
  });

  it('adds 0-10 % jitter on top of the capped delay', () => {
    expect(restartDelay(exponential, 5, 0)).toBe(4_000);
    expect(restartDelay(exponential, 5, 0.5)).toBe(4_200);
    expect(restartDelay(exponential, 5, 0.999_999)).toBe(4_400);
  });

  it('is reset by a run that stayed up for backoff_limit', () => {
    expect(hasStayedUp(exponential, 3_999)).toEqual(false);
    expect(hasStayedUp(exponential, 4_000)).toEqual(true);
  });
});

const exit = (code: number): ProcessEvent => ({ type: 'exited', status: decodeExit(code, null) });

/** Drives one machine with an injected clock and jitter; returns each wake-up delay asked for after an exit. */
function crashLoop(config = exponential, runFor: Millis = 2_000, cycles = 7, random = () => 0) {
  let m: Machine = initialMachine();
  let now = 0;
  const go = (event: ProcessEvent): readonly Effect[] => {
    const s = step(m, event, now, config, true, random);
    m = s.machine;
    return s.effects;
  };
  const delays: Millis[] = [];
  const states: string[] = [];
  const descriptions: (string | null)[] = [];
  go({ type: 'start' });
  for (let i = 0; i < cycles; i++) {
    go({ type: 'spawned', pid: 100 + i });
    now += runFor;
    go({ type: 'tick' }); // STARTING -> RUNNING when runFor > startsecs
    const effects = go(exit(1));
    states.push(m.state.name);
    descriptions.push(describePendingRestart(m, config, now));
    const wake = effects.find((e) => e.type === 'wake');
    if (wake?.type !== 'wake') throw new Error(`no wake after exit ${i}: ${JSON.stringify(effects)}`);
    delays.push(wake.at - now);
    now = wake.at;
    go({ type: 'tick' }); // -> STARTING
  }
  return { delays, states, descriptions, machine: m };
}

describe('a crash-looping program with backoff_factor', () => {
  it('waits delay x factor^n between restarts after RUNNING, capped at backoff_limit', () => {
    expect(crashLoop().delays).toEqual([500, 1_000, 2_000, 4_000, 4_000, 4_000, 4_000]);
  });

  it('waits the same way between failed starts, in BACKOFF, and never goes FATAL with startretries=infinite', () => {
    const { delays, states } = crashLoop(exponential, 200, 40);
    expect(delays.slice(0, 5)).toEqual([500, 1_000, 2_000, 4_000, 4_000]);
    expect(new Set(states)).toEqual(new Set(['BACKOFF']));
  });

  it('starts from backoff_delay again after a run that stayed RUNNING for backoff_limit', () => {
    const { machine } = crashLoop();
    // The 8th run lasts 1 s startsecs + 4 s: long enough to reset.
    let m = step(machine, { type: 'spawned', pid: 999 }, 100_000, exponential).machine;
    m = step(m, { type: 'tick' }, 101_001, exponential).machine;
    const after = step(m, exit(1), 105_001, exponential, true, () => 0);
    expect(after.effects).toContainEqual({ type: 'wake', at: 105_501 });
    expect(after.machine.restarts).toBe(1);
  });

  it('says in its description what is pending', () => {
    expect(crashLoop(exponential, 2_000, 6).descriptions).toEqual([
      'restarting in 0.5 s (attempt 1, exit status 1)',
      'restarting in 1.0 s (attempt 2, exit status 1)',
      'restarting in 2.0 s (attempt 3, exit status 1)',
      'restarting in 4.0 s (attempt 4, exit status 1)',
      'restarting in 4.0 s (attempt 5, exit status 1)',
      'restarting in 4.0 s (attempt 6, exit status 1)',
    ]);
  });

  it("keeps supervisord's description and immediate restart without a factor", () => {
    const linear = processConfig({ startSecs: 1 });
    let m = step(initialMachine(), { type: 'start' }, 0, linear).machine;
    m = step(m, { type: 'spawned', pid: 5 }, 0, linear).machine;
    m = step(m, { type: 'tick' }, 2_000, linear).machine;
    const after = step(m, exit(1), 2_000, linear);
    expect(after.effects.filter((e) => e.type !== 'log')).toEqual([{ type: 'spawn' }]);
    expect(describePendingRestart(after.machine, linear, 2_000)).toBeNull();
  });
});

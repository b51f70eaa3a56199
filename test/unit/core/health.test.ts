import { describe, expect, it } from 'vitest';
import type { HealthCheckConfig } from '../../../src/config/types.js';
import { describeFailures, healthOnRunning, recordCheck, type CheckResult, type HealthRecord } from '../../../src/core/health.js';

const cfg: HealthCheckConfig = {
  probe: { kind: 'tcp', host: '127.0.0.1', port: 1 },
  intervalMs: 1_000,
  timeoutMs: 300,
  retries: 3,
  startPeriodMs: 0,
  action: 'restart',
};
const PASS: CheckResult = { ok: true };
const FAIL: CheckResult = { ok: false, error: 'connect ECONNREFUSED 127.0.0.1:1' };

/** Runs checks one interval apart (each taking 10 ms) from RUNNING at t=0; the steps in order. */
function run(results: CheckResult[], c: HealthCheckConfig = cfg) {
  let h: HealthRecord = healthOnRunning(0);
  return results.map((result) => {
    const startedAt = h.nextAt;
    const step = recordCheck(h, result, startedAt, startedAt + 10, c);
    h = step.health;
    return step;
  });
}

describe('a health check', () => {
  it('is first due the moment the process is RUNNING, then one interval after each check began', () => {
    const steps = run([PASS, PASS]);
    expect(healthOnRunning(5_000).nextAt).toBe(5_000);
    expect(steps.map((s) => s.health.nextAt)).toEqual([1_000, 2_000]);
  });

  it('is starting until the first success, which makes it healthy', () => {
    const steps = run([FAIL, PASS]);
    expect(steps.map((s) => [s.health.status, s.change])).toEqual([
      ['starting', null],
      ['healthy', 'healthy'],
    ]);
  });

  it('turns unhealthy after retries consecutive failures and asks for a restart once', () => {
    const steps = run([PASS, FAIL, FAIL, FAIL, FAIL]);
    expect(steps.map((s) => [s.health.status, s.change, s.restart])).toEqual([
      ['healthy', 'healthy', false],
      ['healthy', null, false],
      ['healthy', null, false],
      ['unhealthy', 'unhealthy', true],
      ['unhealthy', null, false],
    ]);
    expect(describeFailures(steps[3]!.health)).toBe('3 failures: connect ECONNREFUSED 127.0.0.1:1');
  });

  it('counts only consecutive failures: a success in between starts the count again', () => {
    const steps = run([FAIL, FAIL, PASS, FAIL, FAIL]);
    expect(steps.map((s) => s.health.failures)).toEqual([1, 2, 0, 1, 2]);
    expect(steps.every((s) => s.change !== 'unhealthy')).toEqual(true);
  });

  it('does not count failures inside the start period, and the first success ends it', () => {
    const slow = { ...cfg, startPeriodMs: 2_500 };
    // Checks begin at 0, 1000, 2000 (inside the start period), 3000, 4000, 5000.
    const steps = run([FAIL, FAIL, FAIL, FAIL, FAIL, FAIL], slow);
    expect(steps.map((s) => s.health.failures)).toEqual([0, 0, 0, 1, 2, 3]);
    expect(steps.map((s) => s.change)).toEqual([null, null, null, null, null, 'unhealthy']);
    const ended = run([PASS, FAIL, FAIL, FAIL], { ...cfg, startPeriodMs: 60_000 });
    expect(ended.map((s) => s.health.status)).toEqual(['healthy', 'healthy', 'healthy', 'unhealthy']);
  });

  it('with healthcheck_action=none turns unhealthy without a restart, and healthy again on a success', () => {
    const steps = run([FAIL, FAIL, FAIL, PASS], { ...cfg, action: 'none' });
    expect(steps.map((s) => [s.change, s.restart])).toEqual([
      [null, false],
      [null, false],
      ['unhealthy', false],
      ['healthy', false],
    ]);
  });
});

/**
 * Waits a user sets beyond setTimeout's limit (2^31-1 ms, about 24.8 days), with fake timers: a
 * health check every 30 days runs 30 days apart, with no TimeoutOverflowWarning.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HealthRunner, type HealthRunnerDeps } from '../../../src/daemon/health-runner.js';
import { processConfig } from '../../support/process-config.js';

const DAY = 24 * 60 * 60 * 1000;
const warnings: string[] = [];
const onWarning = (w: Error): void => void warnings.push(w.name);

beforeEach(() => {
  vi.useFakeTimers();
  warnings.length = 0;
  process.on('warning', onWarning);
});
afterEach(() => {
  process.off('warning', onWarning);
  vi.useRealTimers();
});

describe('a 30-day healthcheck_interval', () => {
  it('checks at RUNNING, then 30 days later to the millisecond, not before', async () => {
    const config = processConfig({
      name: 'web',
      healthcheck: { probe: { kind: 'tcp', host: '127.0.0.1', port: 1 }, intervalMs: 30 * DAY, timeoutMs: 1_000, retries: 3, startPeriodMs: 0, action: 'none' },
    });
    const entry = { key: 'web:web', config };
    let onTransition: ((t: { process: typeof entry; transition: { from: string; to: string } }) => void) | undefined;
    const checks: number[] = [];
    const start = Date.now();
    const deps = {
      supervisor: () => ({ get: () => entry, isShuttingDown: false, healthChanged: () => [] }),
      runtime: { onTransition: (fn: typeof onTransition) => void (onTransition = fn), carryOut: () => undefined },
      clock: () => Date.now(),
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined },
      restarts: {},
      probe: async () => (checks.push(Date.now() - start), { ok: true }),
    } as unknown as HealthRunnerDeps;
    new HealthRunner(deps);
    onTransition!({ process: entry, transition: { from: 'STARTING', to: 'RUNNING' } });
    await vi.advanceTimersByTimeAsync(0);
    expect(checks).toEqual([0]);
    await vi.advanceTimersByTimeAsync(30 * DAY - 1);
    expect(checks).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect({ checks, warnings }).toEqual({ checks: [0, 30 * DAY], warnings: [] });
  });
});

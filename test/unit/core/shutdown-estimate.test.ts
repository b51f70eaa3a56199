import { describe, expect, it } from 'vitest';
import { estimateShutdown, formatShutdownEstimate } from '../../../src/core/shutdown-estimate.js';
import { processConfig } from '../../support/process-config.js';

const p = (name: string, priority: number, stopWaitMs: number, dependsOn?: string[]) =>
  processConfig({ name, programName: name, groupName: name, priority, stopWaitMs, ...(dependsOn ? { dependsOn: dependsOn.map((n) => ({ name: n, conditions: ['running' as const] })) } : {}) });

describe('worst-case shutdown', () => {
  it('adds the levels one after another, each taking its slowest process', () => {
    const e = estimateShutdown([p('db', 10, 30_000), p('api', 500, 10_000), p('worker', 500, 20_000), p('proxy', 900, 5_000)], (c) => c.priority);
    expect(e.worstMs).toBe(55_000);
    expect(formatShutdownEstimate(e, null).lines).toEqual([
      'worst-case shutdown: 55 s over 3 priority levels; priority 900: 5 s (proxy), priority 500: 20 s (worker), priority 10: 30 s (db)',
    ]);
  });

  it('adds a depends_on chain inside a level: the dependent stops first', () => {
    const e = estimateShutdown([p('db', 10, 30_000), p('web', 10, 10_000, ['db'])], (c) => c.priority);
    expect(e).toMatchObject({ worstMs: 40_000, levels: [{ priority: 10, chain: ['web', 'db'] }] });
  });

  it('warns when it exceeds the grace period, and not otherwise', () => {
    const e = estimateShutdown([p('db', 10, 30_000)], (c) => c.priority);
    expect(formatShutdownEstimate(e, 30).warning).toBeNull();
    expect(formatShutdownEstimate(e, 29).warning).toMatch(/^worst-case shutdown 30 s exceeds --grace 29 s/);
  });
});

/**
 * startsecs and stopwaitsecs beyond setTimeout's limit (2^31-1 ms, about 24.8 days): Node fires
 * such a timer after 1 ms with a TimeoutOverflowWarning, which made supd re-arm it in a loop. The
 * wait must be clamped and re-armed: no warning, and supd's CPU stays near zero.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startSupd, type RunningSupd } from '../support/supd-harness.js';

let supd: RunningSupd | undefined;
afterEach(async () => {
  await supd?.stop();
  supd = undefined;
});

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

describe('waits longer than 24.8 days', () => {
  it('keeps a program STARTING for a 30-day startsecs, and one STOPPING for a 30-day stopwaitsecs, without spinning', async () => {
    supd = await startSupd((dir) =>
      `[unix_http_server]\nfile=${dir}/supd.sock\n` +
        `[program:slowstart]\ncommand=sleep 1000\nstartsecs=2592000\n` +
        `[program:slowstop]\ncommand=sh -c 'trap "" TERM; : > ${dir}/trap-set; while :; do sleep 1; done'\nstartsecs=0\nstopwaitsecs=2592000\n`,
    );
    await supd.waitForState('slowstop', 'RUNNING');
    // RUNNING comes at spawn (startsecs=0); a SIGTERM before the shell ignores it would end it.
    const dir = supd.dir;
    await vi.waitFor(() => expect(readdirSync(dir)).toContain('trap-set'), { timeout: 10_000, interval: 50 });
    await supd.rpc('supervisor.stopProcess', 'slowstop', false);
    await supd.waitForState('slowstop', 'STOPPING');
    const before = cpuSeconds(supd.pid);
    const started = Date.now();
    await vi.waitFor(() => expect(Date.now() - started).toBeGreaterThan(1_500), { timeout: 5_000, interval: 100 });
    expect({
      cpu: cpuSeconds(supd.pid) - before < 0.3,
      warnings: supd.stderr().match(/TimeoutOverflowWarning/g) ?? [],
      slowstart: ((await supd.rpc('supervisor.getProcessInfo', 'slowstart')) as { statename: string }).statename,
    }).toEqual({ cpu: true, warnings: [], slowstart: 'STARTING' });
    await supd.rpc('supervisor.signalProcess', 'slowstop', 'KILL'); // so that supd's own stop is quick
    await supd.waitForState('slowstop', 'STOPPED');
  }, 30_000);
});

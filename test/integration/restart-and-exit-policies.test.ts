/**
 * backoff_* and shutdown_on with real processes: the delays supd waits between restarts, measured
 * from its own log times, and supd's exit code when a program's end is the container's end.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { liveness, puppetProgram, startSupd, type RunningSupd } from '../support/supd-harness.js';

let supd: RunningSupd | undefined;
afterEach(async () => {
  await supd?.stop();
  supd = undefined;
});

/** Milliseconds from each `exited: name` log line to the next `spawned: 'name'` line. */
function restartDelays(s: RunningSupd, name: string): number[] {
  const delays: number[] = [];
  let exitedAt: number | null = null;
  for (const r of s.records) {
    if (r.msg.startsWith(`exited: ${name} `)) exitedAt = Number(r.time);
    else if (r.msg.startsWith(`spawned: '${name}'`) && exitedAt !== null) {
      delays.push(Number(r.time) - exitedAt);
      exitedAt = null;
    }
  }
  return delays;
}

describe('restart backoff with backoff_factor', () => {
  it('waits delay x factor^n between restarts of a crashing program, growing until backoff_limit caps it', async () => {
    supd = await startSupd((dir) =>
      `[unix_http_server]\nfile=${dir}/supd.sock\n` +
      puppetProgram(
        'crash',
        '--exit-after-ms=50 --code=1',
        'startsecs=0\nautorestart=true\nbackoff_delay=0.2\nbackoff_factor=2\nbackoff_limit=1.6\nstartretries=infinite',
      ),
    );
    await vi_waitForDelays(supd, 'crash', 6);
    const delays = restartDelays(supd, 'crash').slice(0, 6);
    const expected = [200, 400, 800, 1_600, 1_600, 1_600];
    // Never sooner than its delay, and sooner than twice it (where an uncapped next step would be):
    // growing, then capped. How close to the delay it lands is the bench's measure (drift), not a
    // test's, which must hold on a loaded machine.
    const verdicts = delays.map((d, i) => {
      const base = expected[i]!;
      return d < base ? `${d} ms < ${base}` : d >= base * 2 ? `${d} ms >= ${base * 2}` : 'ok';
    });
    expect(verdicts).toEqual(expected.map(() => 'ok'));
    const info = (await supd.rpc('supervisor.getProcessInfo', 'crash')) as { description: string; statename: string };
    if (info.statename === 'EXITED') expect(info.description).toMatch(/^restarting in \d+\.\d s \(attempt \d+, exit status 1\)$/);
  }, 30_000);
});

async function vi_waitForDelays(s: RunningSupd, name: string, count: number): Promise<void> {
  const { vi } = await import('vitest');
  await vi.waitFor(
    () => {
      if (restartDelays(s, name).length < count) throw new Error(`only ${restartDelays(s, name).join(', ')} ms so far`);
    },
    { timeout: 20_000, interval: 50 },
  );
}

describe('shutdown_on', () => {
  it('=exit: the program exit code becomes supd\'s, after every other program is stopped', async () => {
    supd = await startSupd(
        puppetProgram('main', '--exit-after-ms=1500 --code=7', 'startsecs=0\nshutdown_on=exit') +
        puppetProgram('sidecar', '', 'startsecs=0'),
    );
    const sidecar = Number((await supd.waitForLog(/^spawned: 'sidecar' with pid (\d+)$/))[1]);
    expect(await supd.exited).toBe(7);
    expect(supd.records.map((r) => r.msg)).toContain('stopped: sidecar (exit status 0)');
    expect(supd.records.at(-1)?.msg).toMatch(/^all processes stopped; supd exiting with code 7: main exited \(exit status 7; not expected\) \(shutdown_on\)$/);
    expect(liveness(sidecar)).toMatchObject({ alive: false });
  }, 20_000);

  it('=exit: a death by signal N exits supd with 128+N', async () => {
    supd = await startSupd(puppetProgram('main', '', 'startsecs=0\nshutdown_on=exit'));
    const pid = Number((await supd.waitForLog(/^spawned: 'main' with pid (\d+)$/))[1]);
    await supd.waitForLog(/^success: main entered RUNNING/);
    process.kill(pid, 'SIGKILL');
    expect(await supd.exited).toBe(137);
  }, 20_000);

  it('a plain SIGTERM still exits 0', async () => {
    supd = await startSupd(puppetProgram('main', '', 'startsecs=0\nshutdown_on=exit'));
    await supd.waitForLog(/^success: main entered RUNNING/);
    supd.signal('SIGTERM');
    expect(await supd.exited).toBe(0);
  }, 20_000);
});

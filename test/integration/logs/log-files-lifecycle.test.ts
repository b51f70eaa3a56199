import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeTempDir, puppetProgram, startSupd, type RunningSupd } from '../../support/supd-harness.js';

let supd: RunningSupd | undefined;
afterEach(async () => {
  await supd?.stop();
  supd = undefined;
});

/** The files under `dir` that supd holds open. */
function openFilesUnder(pid: number, dir: string): string[] {
  return readdirSync(`/proc/${pid}/fd`)
    .flatMap((fd) => {
      try {
        return [readlinkSync(`/proc/${pid}/fd/${fd}`)];
      } catch {
        return [];
      }
    })
    .filter((target) => target.startsWith(`${dir}/logs/`))
    .sort();
}

describe("a program's log files across its runs", () => {
  it('are closed while the program is stopped and opened again when it starts', async () => {
    const dir = makeTempDir();
    mkdirSync(join(dir, 'logs'));
    const programs = ['a', 'b', 'c'].map((name) => puppetProgram(name, '', 'startsecs=0')).join('');
    supd = await startSupd(
      `[supervisord]\nlogfile=${dir}/supd.log\nchildlogdir=${dir}/logs\n[unix_http_server]\nfile=${dir}/supd.sock\n${programs}`,
      { dir },
    );
    for (const name of ['a', 'b', 'c']) await supd.waitForState(name, 'RUNNING');
    expect(openFilesUnder(supd.pid, dir)).toHaveLength(6); // stdout and stderr AUTO logs of each
    await vi.waitFor(async () => expect(await supd!.rpc('supervisor.readProcessStdoutLog', 'a', 0, 0)).toContain('ready'), { timeout: 10_000 });
    await supd.rpc('supervisor.stopAllProcesses', true);
    await vi.waitFor(() => expect(openFilesUnder(supd!.pid, dir)).toEqual([]), { timeout: 10_000, interval: 50 });
    await supd.rpc('supervisor.startProcess', 'a', true);
    await vi.waitFor(() => expect(openFilesUnder(supd!.pid, dir)).toHaveLength(2), { timeout: 10_000, interval: 50 });
    // Both runs wrote to the same AUTO file.
    await vi.waitFor(async () => {
      const [log] = (await supd!.rpc('supervisor.tailProcessStdoutLog', 'a', 0, 10_000)) as [string];
      expect(log).toMatch(/^ready \d+\n(.|\n)*ready \d+\n/);
    }, { timeout: 10_000, interval: 50 });
  });

  it('come back at the next spawn when deleted, without SIGUSR2, as supervisord opens them at each spawn', async () => {
    const dir = makeTempDir();
    const log = join(dir, 'web.log');
    supd = await startSupd(puppetProgram('web', '', `startsecs=0\nstdout_logfile=${log}`) + `[unix_http_server]\nfile=${dir}/supd.sock\n`, { dir });
    const first = await supd.waitForState('web', 'RUNNING');
    await vi.waitFor(() => expect(readFileSync(log, 'utf8')).toContain(`ready ${first.pid}`), { timeout: 10_000 });
    unlinkSync(log);
    await supd.rpc('supervisor.stopProcess', 'web', true);
    await supd.rpc('supervisor.startProcess', 'web', true);
    const second = await supd.waitForState('web', 'RUNNING', { otherThanPid: first.pid });
    await vi.waitFor(() => expect(existsSync(log) ? readFileSync(log, 'utf8') : 'no file').toBe(`ready ${second.pid}\n`), { timeout: 10_000 });
  });
});

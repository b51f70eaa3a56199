import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeTempDir, NODE, puppetProgram, REPO, startSupd, type RunningSupd } from '../support/supd-harness.js';

let supd: RunningSupd | undefined;
afterEach(async () => {
  await supd?.stop();
  supd = undefined;
});

describe('reading a program that logs only to the container', () => {
  it('readProcessStdoutLog and tailProcessStdoutLog answer from the in-memory tail where supervisord has no file', async () => {
    const dir = makeTempDir();
    supd = await startSupd(
      puppetProgram('stream', '--stdout-lines=3', 'stdout_logfile=/dev/stdout\nstdout_logfile_maxbytes=0\nstartsecs=0') +
        `[unix_http_server]\nfile=${dir}/supd.sock\n`,
      { dir },
    );
    await supd.waitForState('stream', 'RUNNING');
    await vi.waitFor(
      async () => expect(await supd!.rpc('supervisor.readProcessStdoutLog', 'stream', 0, 0)).toContain('stdout line 3'),
      { timeout: 10_000, interval: 50 },
    );
    const [tail, offset, overflow] = (await supd.rpc('supervisor.tailProcessStdoutLog', 'stream', 0, 1000)) as [string, number, boolean];
    expect(tail).toMatch(/ready \d+\nstdout line 1\nstdout line 2\nstdout line 3\n$/);
    expect({ offset, overflow }).toEqual({ offset: Buffer.byteLength(tail), overflow: false });
  });
});

describe('tail -f of a program that logs only to the container', () => {
  const SUPCTL = join(REPO, 'dist/cli/supctl.js');
  const hasSupervisorctl = existsSync('/usr/bin/supervisorctl');
  const followers: ChildProcess[] = [];
  afterEach(() => {
    for (const child of followers.splice(0)) child.kill('SIGKILL');
  });

  async function startStreaming(): Promise<RunningSupd> {
    const dir = makeTempDir();
    return startSupd(
      puppetProgram('stream', '--stdout-lines=2 --print-signals', 'stdout_logfile=/dev/stdout\nstdout_logfile_maxbytes=0\nstartsecs=0') +
        `[unix_http_server]\nfile=${dir}/supd.sock\n[supervisorctl]\nserverurl=unix://${dir}/supd.sock\n` +
        '[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n',
      { dir },
    );
  }

  /** Runs a `tail -f` client; resolves once its output matches `pattern`, with all it printed. */
  async function followUntil(argv: string[], pattern: RegExp, poke: () => void): Promise<string> {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    followers.push(child);
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    // The history first (what was written before the client came), then what comes after.
    await vi.waitFor(() => expect(out).toContain('stdout line 2'), { timeout: 10_000, interval: 50 });
    poke();
    await vi.waitFor(() => expect(out).toMatch(pattern), { timeout: 10_000, interval: 50 });
    return out;
  }

  it('supctl tail -f sends the in-memory history, then each new line', async () => {
    supd = await startStreaming();
    const { pid } = await supd.waitForState('stream', 'RUNNING');
    const out = await followUntil([NODE, SUPCTL, '-c', supd.configPath, 'tail', '-f', 'stream'], /got SIGUSR1/, () => process.kill(pid, 'SIGUSR1'));
    expect(out).toMatch(/stdout line 1\nstdout line 2\n(.|\n)*got SIGUSR1\n/);
  });

  it.skipIf(!hasSupervisorctl)('the real supervisorctl tail -f follows it too', async () => {
    supd = await startStreaming();
    const { pid } = await supd.waitForState('stream', 'RUNNING');
    const out = await followUntil(['/usr/bin/supervisorctl', '-c', supd.configPath, 'tail', '-f', 'stream'], /got SIGUSR1/, () =>
      process.kill(pid, 'SIGUSR1'),
    );
    expect(out).toMatch(/stdout line 2\n(.|\n)*got SIGUSR1\n/);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/supctl/main.js';

// supctl speaks only the public API, so it must drive the real supervisord 4.2.5 the same way.
const SUPERVISORD = '/usr/bin/supervisord';
const hasSupervisord = existsSync(SUPERVISORD);

let dir: string;
let conf: string;
let supervisord: ChildProcess | undefined;

async function supctl(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['-c', conf, ...argv], {
    env: {},
    cwd: dir,
    isTTY: false,
    io: { out: (l) => out.push(l), write: (t) => out.push(t), err: (l) => err.push(l) },
  });
  return { code, out, err };
}

describe.skipIf(!hasSupervisord)('supctl against the real supervisord', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'supctl-supervisord-'));
    conf = join(dir, 'supervisord.conf');
    // Flush-left on purpose: an indented line continues the previous value in this dialect.
    writeFileSync(
      conf,
      `[supervisord]
logfile=${dir}/supervisord.log
pidfile=${dir}/supervisord.pid
childlogdir=${dir}

[unix_http_server]
file=${dir}/supervisor.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://${dir}/supervisor.sock

[program:sleeper]
command=sleep 1000
startsecs=0

[program:idle]
command=sleep 1000
autostart=false
startsecs=0

[program:quick]
command=sh -c 'exit 3'
autostart=false
startsecs=1
startretries=0
`,
    );
    supervisord = spawn(SUPERVISORD, ['-n', '-c', conf], { stdio: 'ignore' });
    await vi.waitFor(async () => expect((await supctl('status', 'sleeper')).out).toEqual([expect.stringMatching(/^sleeper +RUNNING +pid \d+/)]), {
      timeout: 15_000,
      interval: 100,
    });
  });

  afterAll(async () => {
    const child = supervisord;
    if (child?.pid !== undefined && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(child.pid, 'SIGTERM'); // supervisord stops its programs, then exits
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints status in supervisorctl’s columns and exits 3 for stopped programs', async () => {
    const { code, out } = await supctl('status');
    expect(out).toEqual([
      `${'idle'.padEnd(33)}${'STOPPED'.padEnd(10)}Not started`,
      `${'quick'.padEnd(33)}${'STOPPED'.padEnd(10)}Not started`,
      expect.stringMatching(/^sleeper {26}RUNNING {3}pid \d+, uptime \d:\d\d:\d\d$/),
    ]);
    expect(code).toBe(3);
  });

  it('starts and stops a program', async () => {
    expect(await supctl('start', 'idle')).toEqual({ code: 0, out: ['idle: started'], err: [] });
    expect((await supctl('status', 'idle')).code).toBe(0);
    expect(await supctl('stop', 'idle')).toEqual({ code: 0, out: ['idle: stopped'], err: [] });
    expect((await supctl('status', 'idle')).code).toBe(3);
  });

  it('exits 7 when a start ends in a spawn error', async () => {
    expect(await supctl('start', 'quick')).toEqual({ code: 7, out: ['quick: ERROR (spawn error)'], err: [] });
  });

  it('exits 4 for an unknown name in status and 1 for an unknown name in stop', async () => {
    expect(await supctl('status', 'nosuch')).toEqual({ code: 4, out: ['nosuch: ERROR (no such process)'], err: [] });
    expect(await supctl('stop', 'nosuch')).toEqual({ code: 1, out: ['nosuch: ERROR (no such process)'], err: [] });
  });

  it('restarts a running program under a new pid', async () => {
    const before = Number((await supctl('pid', 'sleeper')).out[0]);
    expect(await supctl('restart', 'sleeper')).toEqual({ code: 0, out: ['sleeper: stopped', 'sleeper: started'], err: [] });
    const after = Number((await supctl('pid', 'sleeper')).out[0]);
    expect(after).toBeGreaterThan(0);
    expect(after).not.toBe(before);
  });

  it('reports the server version and its config', async () => {
    expect(await supctl('version')).toEqual({ code: 0, out: ['4.2.5'], err: [] });
    expect((await supctl('avail')).out).toEqual([
      `${'idle'.padEnd(32)} ${'in use'.padEnd(9)} ${'manual'.padEnd(9)} 999:999`,
      `${'quick'.padEnd(32)} ${'in use'.padEnd(9)} ${'manual'.padEnd(9)} 999:999`,
      `${'sleeper'.padEnd(32)} ${'in use'.padEnd(9)} ${'auto'.padEnd(9)} 999:999`,
    ]);
  });
});

describe('supctl without a server', () => {
  it('says it cannot connect, in one line, and exits 4 from status', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'supctl-none-'));
    try {
      const err: string[] = [];
      const code = await main(['-s', `unix://${empty}/x.sock`, 'status'], {
        env: {}, cwd: empty, isTTY: false, io: { out: () => undefined, write: () => undefined, err: (l) => err.push(l) },
      });
      expect({ code, err }).toEqual({
        code: 4,
        err: [`cannot connect to unix://${empty}/x.sock: no such socket file (is supd running?); the address is from -s`],
      });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

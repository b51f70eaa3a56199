/**
 * Health checks and depends_on end to end, with real processes and real probes: a program waiting
 * for db:healthy starts within one interval of db's HTTP check passing, /readyz turns 200 at that
 * moment, and a program whose check keeps failing is restarted after healthcheck_retries failures.
 */
import { request } from 'node:http';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { freePort, isAlive, NODE, PUPPET, startSupd, statusServerPort, type ProcessInfo, type RunningSupd } from '../../support/supd-harness.js';

let supd: RunningSupd | undefined;
afterEach(async () => {
  await supd?.stop();
  supd = undefined;
});

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('depends_on db:healthy with an HTTP health check', () => {
  it('holds the dependent until the check passes, then starts it within one interval; /readyz goes 503 -> 200', async () => {
    const dbPort = await freePort();
    supd = await startSupd(
      (dir) => `
[unix_http_server]
file=${dir}/supd.sock
[status_http_server]
port=127.0.0.1:0
[program:db]
command=${NODE} ${PUPPET} --http-port=${dbPort} --http-after-ms=2500
startsecs=0
healthcheck_http=http://127.0.0.1:${dbPort}/healthz
healthcheck_interval=0.5
healthcheck_timeout=0.4
healthcheck_start_period=10
[program:web]
command=${NODE} ${PUPPET}
startsecs=0
depends_on=db:healthy
`,
    );
    const statusPort = await statusServerPort(supd);
    await supd.waitForState('db', 'RUNNING');
    const waiting = (await supd.rpc('supervisor.getProcessInfo', 'web')) as unknown as ProcessInfo & { waiting_for: string };
    expect(waiting).toMatchObject({ statename: 'STOPPED', description: 'waiting for db (healthy)', waiting_for: 'db (healthy)' });
    expect(await get(statusPort, '/readyz')).toMatchObject({
      status: 503,
      body: expect.stringContaining('web: STOPPED, waiting for db (healthy)'),
    });

    const healthyAt = await supd.waitForLog(/^health: db is healthy$/, { timeout: 10_000 });
    expect(healthyAt).toBeTruthy();
    const healthyRecord = supd.records.find((r) => r.msg === 'health: db is healthy')!;
    const webSpawn = await supd.waitForLog(/^spawned: 'web' with pid \d+$/);
    const webRecord = supd.records.find((r) => r.msg === webSpawn[0])!;
    // "starts the moment its conditions hold": no polling between the check and the spawn.
    expect(Number(webRecord.time) - Number(healthyRecord.time)).toBeLessThan(500);
    // The listener came up at 2.5 s; the check that saw it ran within one interval (0.5 s) of it.
    const dbInfo = (await supd.rpc('supervisor.getProcessInfo', 'db')) as unknown as ProcessInfo;
    expect(dbInfo.description).toMatch(/^pid \d+, uptime \d+:\d\d:\d\d, healthy$/);
    await vi.waitFor(async () => expect(await get(statusPort, '/readyz')).toEqual({ status: 200, body: 'ready\n' }), { timeout: 5_000, interval: 50 });
  });
});

describe('an unhealthy program', () => {
  it('is restarted after healthcheck_retries consecutive failures, with the reason in the log', async () => {
    supd = await startSupd(
      (dir) => {
        writeFileSync(join(dir, 'ok'), '');
        return `
[unix_http_server]
file=${dir}/supd.sock
[program:app]
command=${NODE} ${PUPPET}
startsecs=0
healthcheck_command=test -f ${dir}/ok
healthcheck_interval=0.3
healthcheck_timeout=0.25
healthcheck_retries=2
`;
      },
    );
    const first = await supd.waitForState('app', 'RUNNING');
    await supd.waitForLog(/^health: app is healthy$/);
    rmSync(join(supd.dir, 'ok'));
    const unhealthy = await supd.waitForLog(/^health: app is unhealthy \((.*)\)$/, { timeout: 10_000 });
    expect(unhealthy[1]).toBe('2 failures: exit status 1');
    await supd.waitForLog(/^health: restarting app after 2 failed checks$/);
    writeFileSync(join(supd.dir, 'ok'), '');
    const second = await supd.waitForState('app', 'RUNNING', { otherThanPid: first.pid });
    expect(second.pid).not.toBe(first.pid);
  });

  it('with healthcheck_action=none is left running, shown unhealthy in its description', async () => {
    supd = await startSupd(
      (dir) => `
[unix_http_server]
file=${dir}/supd.sock
[program:app]
command=${NODE} ${PUPPET}
startsecs=0
healthcheck_tcp=127.0.0.1:1
healthcheck_interval=0.2
healthcheck_timeout=0.1
healthcheck_retries=2
healthcheck_action=none
`,
    );
    const first = await supd.waitForState('app', 'RUNNING');
    await supd.waitForLog(/^health: app is unhealthy/, { timeout: 10_000 });
    const info = (await supd.rpc('supervisor.getProcessInfo', 'app')) as unknown as ProcessInfo & { health: string };
    expect(info).toMatchObject({ pid: first.pid, health: 'unhealthy' });
    expect(info.description).toMatch(/^pid \d+, uptime \d+:\d\d:\d\d, unhealthy \(\d+ failures: connect ECONNREFUSED 127\.0\.0\.1:1\)$/);
  });
});

describe('a check command that hangs', () => {
  it('is killed at the timeout with its process group, and counts as a failure', async () => {
    supd = await startSupd(
      (dir) => `
[unix_http_server]
file=${dir}/supd.sock
[program:app]
command=${NODE} ${PUPPET}
startsecs=0
healthcheck_command=sh -c 'sleep 30 & echo $! > ${dir}/bg.pid; sleep 30'
healthcheck_interval=1
healthcheck_timeout=0.3
healthcheck_retries=1
healthcheck_action=none
`,
    );
    const m = await supd.waitForLog(/^health: app is unhealthy \((.*)\)$/, { timeout: 10_000 });
    expect(m[1]).toBe('1 failure: timed out after 0.3 s (killed)');
    // The background sleep the check started went with its process group.
    const bg = Number(readFileSync(join(supd.dir, 'bg.pid'), 'utf8'));
    await vi.waitFor(() => expect({ bg, alive: isAlive(bg) }).toEqual({ bg, alive: false }), { timeout: 3_000, interval: 50 });
  });
});

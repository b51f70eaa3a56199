import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { freePort, makeTempDir, puppetProgram, startSupd, type RunningSupd } from '../../support/supd-harness.js';

const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';

let supd: RunningSupd | undefined;
let prometheus: ChildProcess | undefined;
let promDir: string | undefined;
afterEach(async () => {
  if (prometheus?.pid !== undefined) {
    try {
      process.kill(-prometheus.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  prometheus = undefined;
  if (promDir !== undefined) rmSync(promDir, { recursive: true, force: true });
  promDir = undefined;
  await supd?.stop();
  supd = undefined;
});

async function startWithInet(port: number): Promise<RunningSupd> {
  return startSupd(
    (dir) => `
[supervisord]
logfile=${join(dir, 'supd.log')}
childlogdir=${dir}
[unix_http_server]
file=${join(dir, 'supd.sock')}
[inet_http_server]
port=127.0.0.1:${port}
${puppetProgram('web', '--ready', 'startsecs=0')}
`,
  );
}

/** One instant-vector value through Prometheus' HTTP query API, or null when it has no sample yet. */
async function query(promPort: number, expr: string): Promise<number | null> {
  const response = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await response.json()) as { status: string; data: { result: { value: [number, string] }[] } };
  const first = body.data.result[0];
  return first === undefined ? null : Number(first.value[1]);
}

describe('GET /metrics', () => {
  it('passes promtool check metrics', async (ctx) => {
    ctx.skip(!existsSync(PROMTOOL), 'needs promtool (Debian package prometheus)');
    supd = await startWithInet(await freePort());
    await supd.waitForState('web', 'RUNNING');
    const port = Number(/port=127\.0\.0\.1:(\d+)/.exec(readFileSync(supd.configPath, 'utf8'))![1]);
    await supd.rpc('supervisor.getState');
    await supd.rpc('supervisor.getProcessInfo', 'nosuch').catch(() => undefined);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(text).toContain('supd_process_restarts_total{group="web",name="web",reason="crash"} 0');
    expect(text).toContain('supd_rpc_requests_total{method="supervisor.getProcessInfo",fault="BAD_NAME"} 1');
    const check = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: check.status, output: check.stdout + check.stderr }).toEqual({ status: 0, output: '' });
  });

  it('lets a real Prometheus see the restart counter rise after kill -9', async (ctx) => {
    ctx.skip(!existsSync(PROMETHEUS), 'needs prometheus (Debian package prometheus)');
    const supdPort = await freePort();
    supd = await startWithInet(supdPort);
    const first = await supd.waitForState('web', 'RUNNING');
    const dir = (promDir = makeTempDir('supd-prometheus-'));
    const promPort = await freePort();
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: supd\n    static_configs:\n      - targets: ['127.0.0.1:${supdPort}']\n`,
    );
    prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      { detached: true, stdio: 'ignore' },
    );
    const series = 'supd_process_restarts_total{job="supd",name="web",reason="crash"}';
    // Scraped at least once before the kill: the counter starts at 0.
    await vi.waitFor(async () => expect(await query(promPort, series).catch(() => null)).toBe(0), { timeout: 30_000, interval: 250 });
    process.kill(first.pid, 'SIGKILL');
    await supd.waitForState('web', 'RUNNING', { otherThanPid: first.pid });
    await vi.waitFor(async () => expect(await query(promPort, series)).toBe(1), { timeout: 30_000, interval: 250 });
    expect(await query(promPort, `increase(${series}[1m]) > 0`)).not.toBeNull();
  });
});

/**
 * /metrics on the read-only [status_http_server] (no auth, no control), with a health check's
 * verdict as supd_process_health, and the health check's last result in supctl status -v.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NODE, PUPPET, startSupd, statusServerPort, type RunningSupd } from '../../support/supd-harness.js';

let supd: RunningSupd | undefined;
afterEach(async () => {
  await supd?.stop();
  supd = undefined;
});

describe('/metrics on [status_http_server]', () => {
  it('serves the same metrics as the control server, health verdict included', async () => {
    supd = await startSupd(
      (dir) => `
[unix_http_server]
file=${dir}/supd.sock
[status_http_server]
port=127.0.0.1:0
[program:web]
command=${NODE} ${PUPPET}
startsecs=0
healthcheck_command=true
healthcheck_interval=0.5
healthcheck_timeout=0.4
[program:plain]
command=${NODE} ${PUPPET}
startsecs=0
`,
    );
    const port = await statusServerPort(supd);
    let text = '';
    await vi.waitFor(
      async () => {
        const response = await fetch(`http://127.0.0.1:${port}/metrics`);
        expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
        text = await response.text();
        expect(text).toContain('supd_process_health{group="web",name="web",health="healthy"} 1\n');
      },
      { timeout: 15_000, interval: 200 },
    );
    expect(text).toContain('supd_process_state{group="plain",name="plain",state="RUNNING"} 1\n');
    expect(text).not.toContain('supd_process_health{group="plain"');
    const report = (await supd.rpc('supd.processStatus', 'web', 3)) as { health?: { state: string; last?: string } };
    expect(report.health).toMatchObject({ state: 'healthy', last: 'passed' });
    expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status).toBe(405);
  });
});

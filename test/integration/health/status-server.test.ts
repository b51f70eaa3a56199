/**
 * [status_http_server] end to end: a real supd, probed over HTTP as a kubelet or a load balancer
 * would, on a port the kernel picks (port=127.0.0.1:0, read back from supd's log).
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import { PUPPET, NODE, startSupd, statusServerPort, waitForFileMatching, type RunningSupd } from '../../support/supd-harness.js';

let supd: RunningSupd | undefined;
afterEach(async () => {
  await supd?.stop();
  supd = undefined;
});

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

function probe(port: number, path: string, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    req.end(method === 'POST' ? 'x' : undefined);
  });
}

describe('[status_http_server]', () => {
  it('answers /healthz 200 and /readyz 503 -> 200 once every program is RUNNING', async () => {
    supd = await startSupd(`
[status_http_server]
port=127.0.0.1:0
[program:slow]
command=${NODE} ${PUPPET}
startsecs=2
[program:idle]
command=${NODE} ${PUPPET}
autostart=false
`);
    const port = await statusServerPort(supd);
    expect(await probe(port, '/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
    const early = await probe(port, '/readyz');
    expect(early).toMatchObject({ status: 503, body: 'slow: STARTING\n' });
    await vi.waitFor(async () => expect(await probe(port, '/readyz')).toMatchObject({ status: 200, body: 'ready\n' }), {
      timeout: 10_000,
      interval: 50,
    });
  });

  it('is read-only: HEAD has no body, other methods get 405, unknown paths 404', async () => {
    supd = await startSupd(`
[status_http_server]
port=127.0.0.1:0
`);
    const port = await statusServerPort(supd);
    expect(await probe(port, '/healthz', 'HEAD')).toMatchObject({ status: 200, body: '', headers: { 'content-length': '3' } });
    expect(await probe(port, '/readyz', 'POST')).toMatchObject({ status: 405, headers: { allow: 'GET, HEAD' } });
    expect(await probe(port, '/RPC2', 'POST')).toMatchObject({ status: 405 });
    expect(await probe(port, '/nothing')).toMatchObject({ status: 404 });
  });

  it('answers /healthz 503 while supd shuts down', async () => {
    supd = await startSupd(
      (dir) => `
[status_http_server]
port=127.0.0.1:0
[program:stubborn]
command=${NODE} ${PUPPET} --ignore=TERM
stdout_logfile=${dir}/stubborn.log
startsecs=0
stopwaitsecs=5
`,
    );
    const port = await statusServerPort(supd);
    // Its TERM handler is in place once it has said ready.
    await waitForFileMatching(join(supd.dir, 'stubborn.log'), /^ready \d+/m);
    supd.signal('SIGTERM');
    await vi.waitFor(async () => expect(await probe(port, '/healthz')).toMatchObject({ status: 503, body: 'shutting down\n' }), {
      timeout: 5_000,
      interval: 50,
    });
    expect(await probe(port, '/readyz')).toMatchObject({ status: 503 });
  });
});

import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startRpcServers, type RpcServers } from '../../../src/rpc/http-server.js';
import { FakePort, snapshot } from '../../unit/rpc/fake-port.js';

let dir: string;
let port: FakePort;
let servers: RpcServers | undefined;
const open: { destroy(): void }[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'supd-logtail-'));
  port = new FakePort();
});

afterEach(async () => {
  for (const req of open.splice(0)) req.destroy();
  await servers?.close();
  servers = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function serve(): Promise<string> {
  const file = join(dir, 'supd.sock');
  servers = await startRpcServers({ port, unix: { file, chmod: 0o700, username: null, password: null } });
  return file;
}

/** GETs path and resolves with the response as soon as its headers arrive; the body is collected into `body`. */
function get(file: string, path: string): Promise<{ res: IncomingMessage; body: () => string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: file, path }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      resolve({ res, body: () => text });
    });
    open.push(req);
    req.on('error', reject);
    req.end();
  });
}

describe('/logtail', () => {
  it('sends its headers at once, before the log has a byte (supervisorctl fg waits for them)', async () => {
    const log = join(dir, 'web.out');
    writeFileSync(log, '');
    port.addGroup('web', [snapshot('web', { state: 'RUNNING', pid: 321, stdoutLogfile: log })], 1);
    const file = await serve();
    const headers = await Promise.race([
      get(file, '/logtail/web').then(({ res }) => res.statusCode),
      new Promise((resolve) => setTimeout(() => resolve('no headers within 3 s'), 3000)),
    ]);
    expect(headers).toBe(200);
  });

  it('sends what a program appends to an empty log after the headers', async () => {
    const log = join(dir, 'web.out');
    writeFileSync(log, '');
    port.addGroup('web', [snapshot('web', { state: 'RUNNING', pid: 321, stdoutLogfile: log })], 1);
    const file = await serve();
    const { body } = await get(file, '/logtail/web');
    appendFileSync(log, 'first line\n');
    await vi.waitFor(() => expect(body()).toBe('first line\n'), { timeout: 5000 });
  });
});

import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/supctl/main.js';
import { startRpcServers, type RpcServers } from '../../../src/rpc/http-server.js';
import { FakePort, snapshot } from '../../unit/rpc/fake-port.js';

let dir: string;
let port: FakePort;
let server: RpcServers;
let conf: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'supctl-supd-'));
  writeFileSync(join(dir, 'web.out'), 'history\n');
  port = new FakePort();
  port.addGroup('web', [snapshot('web', { state: 'RUNNING', pid: 77, laststart: Date.now() / 1000, stdoutLogfile: join(dir, 'web.out') })]);
  port.addGroup('idle', [snapshot('idle')]);
  // supctl finds the socket and credentials in [unix_http_server] when [supervisorctl] has no serverurl.
  conf = join(dir, 'supd.conf');
  writeFileSync(conf, `[unix_http_server]\nfile=%(here)s/supd.sock\nusername=admin\npassword=secret\n`);
  server = await startRpcServers({ port, unix: { file: join(dir, 'supd.sock'), chmod: 0o700, username: 'admin', password: 'secret' } });
});

afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function supctl(argv: string[], signal?: AbortSignal): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { env: {}, cwd: dir, isTTY: false, signal, io: { out: (l) => out.push(l), write: (t) => out.push(t), err: (l) => err.push(l) } });
  return { code, out, err };
}

describe('supctl against supd’s own server', () => {
  it('finds the server through the config file in the working directory and shows status', async () => {
    const { code, out } = await supctl(['status']);
    expect(out).toEqual([`${'idle'.padEnd(33)}${'STOPPED'.padEnd(10)}Not started`, expect.stringMatching(/^web +RUNNING +pid 77, uptime 0:00:0\d$/)]);
    expect(code).toBe(3);
  });

  it('starts a process and waits for it to run', async () => {
    expect(await supctl(['start', 'idle'])).toEqual({ code: 0, out: ['idle: started'], err: [] });
    expect(port.get('idle', 'idle').state).toBe('RUNNING');
  });

  it('says the server wants authentication when the password is wrong, and exits 1', async () => {
    expect(await supctl(['-p', 'wrong', 'status'])).toEqual({ code: 1, out: [], err: ['Server requires authentication'] });
  });

  it('follows a log with tail -f until interrupted', async () => {
    const controller = new AbortController();
    const out: string[] = [];
    const done = main(['tail', '-f', 'web'], {
      env: {}, cwd: dir, isTTY: false, signal: controller.signal,
      io: { out: (l) => out.push(l), write: (t) => out.push(t), err: () => undefined },
    });
    await vi.waitFor(() => expect(out.join('')).toContain('history\n'));
    appendFileSync(join(dir, 'web.out'), 'more\n');
    await vi.waitFor(() => expect(out.join('')).toContain('history\nmore\n'));
    controller.abort();
    expect(await done).toBe(0);
  });

  it('prints JSON for --json', async () => {
    const { code, out } = await supctl(['--json', 'status', 'web']);
    expect(code).toBe(0);
    expect(JSON.parse(out.join('\n'))).toEqual([expect.objectContaining({ name: 'web', group: 'web', statename: 'RUNNING', pid: 77 })]);
  });
});

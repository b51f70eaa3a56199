import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createConnection, createServer as createNetServer, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRpcClient, RpcHttpError, type RpcClient } from '../../../src/rpc/client.js';
import { Fault } from '../../../src/rpc/faults.js';
import { RpcServerError, startRpcServers, type RpcServers } from '../../../src/rpc/http-server.js';
import { FakePort, snapshot } from '../../unit/rpc/fake-port.js';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const hasSupervisor = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import supervisor.xmlrpc'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const hasSupervisorctl = hasSupervisor && existsSync('/usr/bin/supervisorctl');

let dir: string;
let port: FakePort;
let servers: RpcServers[];
let clients: RpcClient[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'supd-rpc-'));
  port = new FakePort();
  writeFileSync(join(dir, 'web.out'), 'x'.repeat(2000) + 'END-OF-HISTORY\n');
  writeFileSync(join(dir, 'supd.log'), 'main log line\n');
  port.mainLog = join(dir, 'supd.log');
  port.addGroup('web', [snapshot('web', { state: 'RUNNING', pid: 321, laststart: Date.now() / 1000 - 65, stdoutLogfile: join(dir, 'web.out') })], 1);
  port.addGroup('workers', [snapshot('w0'), snapshot('w1', { state: 'FATAL', spawnerr: "can't find command 'nope'" })], 2);
  servers = [];
  clients = [];
});

afterEach(async () => {
  for (const c of clients) c.close();
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function serveUnix(extra: { username?: string; password?: string; maxRequestBytes?: number; maxAnswerBytes?: number } = {}): Promise<string> {
  const file = join(dir, 'supd.sock');
  servers.push(
    await startRpcServers({
      port,
      unix: { file, chmod: 0o700, username: extra.username ?? null, password: extra.password ?? null },
      maxRequestBytes: extra.maxRequestBytes,
      maxAnswerBytes: extra.maxAnswerBytes,
    }),
  );
  return file;
}

function client(serverUrl: string, username?: string, password?: string): RpcClient {
  const c = createRpcClient({ serverUrl, username, password });
  clients.push(c);
  return c;
}

/** A raw HTTP exchange over the unix socket, for requests a well-behaved client never sends. */
function raw(file: string, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: file, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the unix socket server', () => {
  it('answers XML-RPC on the socket file with the configured mode', async () => {
    const file = await serveUnix();
    expect(statSync(file).mode & 0o777).toBe(0o700);
    expect(await client(`unix://${file}`).call('supervisor.getState')).toEqual({ statecode: 1, statename: 'RUNNING' });
  });

  it('replaces a stale socket file left by a crashed server', async () => {
    const file = join(dir, 'supd.sock');
    // A socket bound by a process that then exited without unlinking it: connect is refused.
    execFileSync(PYTHON, ['-c', `import socket; s = socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(file)})`]);
    expect(readdirSync(dir)).toContain('supd.sock');
    await serveUnix();
    expect(await client(`unix://${file}`).call('supervisor.getPID')).toBe(4242);
  });

  it('refuses to take over a socket another live server holds, leaving that server working', async () => {
    const file = join(dir, 'supd.sock');
    const other: NetServer = createNetServer((s) => s.end());
    await new Promise<void>((resolve) => other.listen(file, resolve));
    try {
      await expect(startRpcServers({ port, unix: { file, chmod: 0o700, username: null, password: null } })).rejects.toThrow(
        new RpcServerError(`[unix_http_server] file=${file} is in use by a running server (another supd?); not taking it over`),
      );
      expect(readdirSync(dir).filter((name) => name.startsWith('supd.sock'))).toEqual(['supd.sock']); // no supd.sock.<pid> left beside it
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('removes its socket file when closed', async () => {
    const file = await serveUnix();
    await servers.pop()?.close();
    expect(readdirSync(dirname(file))).not.toContain(basename(file));
  });
});

describe('authentication', () => {
  it('refuses a request without credentials or with wrong ones with 401', async () => {
    const file = await serveUnix({ username: 'admin', password: 'secret' });
    const noAuth = await raw(file, 'POST', '/RPC2', '<methodCall><methodName>supervisor.getPID</methodName></methodCall>');
    expect(noAuth.status).toBe(401);
    const wrong = client(`unix://${file}`, 'admin', 'guess');
    await expect(wrong.call('supervisor.getPID')).rejects.toMatchObject({ name: 'RpcHttpError', status: 401 });
    expect(await client(`unix://${file}`, 'admin', 'secret').call('supervisor.getPID')).toBe(4242);
  });

  it('accepts the {SHA} password form as supervisord does', async () => {
    const sha = createHash('sha1').update('secret').digest('hex');
    const file = await serveUnix({ username: 'admin', password: `{SHA}${sha}` });
    expect(await client(`unix://${file}`, 'admin', 'secret').call('supervisor.getPID')).toBe(4242);
    await expect(client(`unix://${file}`, 'admin', `{SHA}${sha}`).call('supervisor.getPID')).rejects.toBeInstanceOf(RpcHttpError);
  });

  it('answers malformed Basic credentials with 400', async () => {
    const file = await serveUnix({ username: 'admin', password: 'secret' });
    expect((await raw(file, 'GET', '/RPC2', undefined, { Authorization: 'Basic !!!' })).status).toBe(400);
  });
});

/**
 * Sends a request's head, then its body only once the server has answered or 300 ms passed, as
 * a client whose body goes out in a second write (Python's http.client) can be seen to do. The
 * server must read the body before it answers, or the body's write meets a closed socket.
 */
function headThenBody(file: string, head: string, body: string): Promise<{ response: string; writeError: string | null }> {
  return new Promise((resolve) => {
    const socket = createConnection(file);
    let response = '';
    let writeError: string | null = null;
    let sentBody = false;
    const sendBody = (): void => {
      if (sentBody) return;
      sentBody = true;
      socket.write(body, (error) => {
        if (error) writeError = (error as NodeJS.ErrnoException).code ?? error.message;
      });
    };
    socket.on('connect', () => {
      socket.write(head);
      setTimeout(sendBody, 300);
    });
    socket.on('data', (chunk: Buffer) => {
      response += chunk.toString('latin1');
      setImmediate(sendBody);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => (writeError ??= error.code ?? error.message));
    socket.on('close', () => resolve({ response, writeError }));
    socket.on('end', () => socket.end());
  });
}

describe('early answers (401, 404, 400, 413) read the request body first', () => {
  const body = '<methodCall><methodName>supervisor.getPID</methodName></methodCall>';
  const head = (path: string, extra = ''): string =>
    `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\nContent-Length: ${body.length}\r\nConnection: close\r\n${extra}\r\n`;

  it('answers a wrong password with 401 only after the body arrived', async () => {
    const file = await serveUnix({ username: 'u', password: 'p' });
    const wrong = `Authorization: Basic ${Buffer.from('u:wrong').toString('base64')}\r\n`;
    const { response, writeError } = await headThenBody(file, head('/RPC2', wrong), body);
    expect({ status: response.split('\r\n')[0], writeError }).toEqual({ status: 'HTTP/1.1 401 Unauthorized', writeError: null });
  });

  it('answers an unknown path with 404 only after the body arrived', async () => {
    const file = await serveUnix();
    const { response, writeError } = await headThenBody(file, head('/nothing'), body);
    expect({ status: response.split('\r\n')[0], writeError }).toEqual({ status: 'HTTP/1.1 404 Not Found', writeError: null });
  });

  it('answers a body over the cap with 413 after reading it (bounded)', async () => {
    const file = await serveUnix({ maxRequestBytes: 20 });
    const { response, writeError } = await headThenBody(file, head('/RPC2'), body);
    expect({ status: response.split('\r\n')[0], writeError }).toEqual({ status: 'HTTP/1.1 413 Payload Too Large', writeError: null });
  });
});

describe('bad requests', () => {
  it('answers malformed XML with 400 and keeps serving', async () => {
    const file = await serveUnix();
    expect((await raw(file, 'POST', '/RPC2', '<methodCall><methodName>x')).status).toBe(400);
    expect((await raw(file, 'POST', '/RPC2', '<!DOCTYPE x [<!ENTITY a "b">]><methodCall><methodName>&a;</methodName></methodCall>')).status).toBe(400);
    expect((await raw(file, 'POST', '/RPC2', '<methodCall></methodCall>')).status).toBe(400);
    expect(await client(`unix://${file}`).call('supervisor.getPID')).toBe(4242);
  });

  it('answers a GET on /RPC2 with 400 and an unknown path with 404', async () => {
    const file = await serveUnix();
    expect((await raw(file, 'GET', '/RPC2')).status).toBe(400);
    expect((await raw(file, 'GET', '/nothing')).status).toBe(404);
  });

  it('refuses a POST a browser sends from another origin with 403, and takes one from the same origin', async () => {
    const file = await serveUnix();
    const call = '<methodCall><methodName>supervisor.getPID</methodName><params/></methodCall>';
    const from = (headers: Record<string, string>) => raw(file, 'POST', '/RPC2', call, { Host: 'supd.local:9001', ...headers });
    expect((await from({ Origin: 'http://evil.example' })).status).toBe(403);
    expect((await from({ Origin: 'null' })).status).toBe(403);
    expect((await from({ 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect((await from({ Origin: 'http://supd.local:9001', 'Sec-Fetch-Site': 'same-origin' })).status).toBe(200);
    expect((await from({})).status).toBe(200); // supervisorctl sends neither header
  });

  it('refuses a request larger than the cap with 413', async () => {
    const file = await serveUnix({ maxRequestBytes: 1000 });
    const big = `<methodCall><methodName>supervisor.sendProcessStdin</methodName><params><param><value>web</value></param><param><value>${'a'.repeat(5000)}</value></param></params></methodCall>`;
    expect((await raw(file, 'POST', '/RPC2', big)).status).toBe(413);
    expect(await client(`unix://${file}`).call('supervisor.getPID')).toBe(4242);
  });

  it('answers a multicall whose answer is over the cap with a FAILED fault, and keeps serving', async () => {
    const file = await serveUnix({ maxAnswerBytes: 100_000 });
    const calls = Array.from({ length: 500 }, () => ({ methodName: 'system.methodHelp', params: ['supervisor.startProcess'] }));
    await expect(client(`unix://${file}`).call('system.multicall', [calls])).rejects.toMatchObject({
      faultCode: 30,
      faultString: expect.stringMatching(/^FAILED: the answer of (more than )?\d+ bytes is over supd's limit of 100000 bytes/),
    });
    expect(await client(`unix://${file}`).call('system.multicall', [calls.slice(0, 10)])).toHaveLength(10);
  });

  it('answers an unknown method with the UNKNOWN_METHOD fault', async () => {
    const file = await serveUnix();
    await expect(client(`unix://${file}`).call('supervisor.nope')).rejects.toEqual(new Fault(1, 'UNKNOWN_METHOD'));
  });
});

describe('the inet server', () => {
  it('refuses to listen beyond loopback without a password', async () => {
    await expect(startRpcServers({ port, inet: { host: '', port: 0, username: null, password: null } })).rejects.toThrow(
      '[inet_http_server] port=*:0 listens beyond loopback without a password: set username and password, or listen on 127.0.0.1:0',
    );
    await expect(startRpcServers({ port, inet: { host: '0.0.0.0', port: 0, username: 'u', password: null } })).rejects.toBeInstanceOf(RpcServerError);
  });

  it('serves on loopback without a password, and beyond it with one', async () => {
    const local = await startRpcServers({ port, inet: { host: '127.0.0.1', port: 0, username: null, password: null } });
    servers.push(local);
    expect(await client(`http://127.0.0.1:${local.inetAddress?.port}`).call('supervisor.getAPIVersion')).toBe('3.0');
    const open = await startRpcServers({ port, inet: { host: '*', port: 0, username: 'u', password: 'p' } });
    servers.push(open);
    expect(await client(`http://127.0.0.1:${open.inetAddress?.port}`, 'u', 'p').call('supervisor.getAPIVersion')).toBe('3.0');
  });
});

describe('every method over the socket', () => {
  it('answers each supervisord method with its value or its fault', async () => {
    const file = await serveUnix();
    const rpc = client(`unix://${file}`);
    const outcome = (method: string, ...params: Parameters<RpcClient['call']>[1] & unknown[]): Promise<unknown> =>
      rpc.call(method, params).catch((e: unknown) => (e instanceof Fault ? `fault ${e.faultString}` : Promise.reject(e)));
    expect(await outcome('supervisor.getAPIVersion')).toBe('3.0');
    expect(await outcome('supervisor.getSupervisorVersion')).toBe('4.2.5');
    expect(await outcome('supervisor.getIdentification')).toBe('supervisor');
    expect(await outcome('supervisor.getState')).toEqual({ statecode: 1, statename: 'RUNNING' });
    expect(await outcome('supervisor.getPID')).toBe(4242);
    expect(await outcome('supervisor.readLog', 0, 0)).toBe('main log line\n');
    expect(await outcome('supervisor.getProcessInfo', 'web')).toMatchObject({ pid: 321, description: 'pid 321, uptime 0:01:05' });
    expect(await outcome('supervisor.getAllProcessInfo')).toHaveLength(3);
    expect(await outcome('supervisor.getAllConfigInfo')).toEqual([]);
    expect(await outcome('supervisor.startProcess', 'workers:w0')).toBe(true);
    expect(await outcome('supervisor.startProcess', 'workers:w0')).toBe('fault ALREADY_STARTED: workers:w0');
    expect(await outcome('supervisor.stopProcess', 'workers:w0')).toBe(true);
    expect(await outcome('supervisor.startProcessGroup', 'workers', false)).toEqual(
      expect.arrayContaining([{ name: 'w0', group: 'workers', status: 80, description: 'OK' }]),
    );
    expect(await outcome('supervisor.stopProcessGroup', 'workers')).toHaveLength(2);
    expect(await outcome('supervisor.signalProcess', 'web', 'HUP')).toBe(true);
    expect(await outcome('supervisor.signalProcessGroup', 'web', 'USR1')).toEqual([{ name: 'web', group: 'web', status: 80, description: 'OK' }]);
    expect(await outcome('supervisor.signalAllProcesses', 'BAD')).toEqual([{ name: 'web', group: 'web', status: 11, description: 'BAD_SIGNAL: BAD' }]);
    expect(await outcome('supervisor.readProcessStdoutLog', 'web', -15, 0)).toBe('END-OF-HISTORY\n');
    expect(await outcome('supervisor.readProcessStderrLog', 'web', 0, 0)).toBe('fault NO_FILE');
    expect(await outcome('supervisor.tailProcessStdoutLog', 'web', 0, 15)).toEqual(['END-OF-HISTORY\n', 2015, true]);
    expect(await outcome('supervisor.tailProcessStderrLog', 'web', 0, 15)).toEqual(['', 0, false]);
    expect(await outcome('supervisor.clearProcessLogs', 'web')).toBe(true);
    expect(await outcome('supervisor.clearAllProcessLogs')).toHaveLength(3);
    expect(await outcome('supervisor.sendProcessStdin', 'web', 'hi\n')).toBe(true);
    expect(await outcome('supervisor.sendRemoteCommEvent', 't', 'd')).toBe(true);
    expect(await outcome('supervisor.reloadConfig')).toEqual([[[], [], []]]);
    expect(await outcome('supervisor.addProcessGroup', 'web')).toBe('fault ALREADY_ADDED: web');
    expect(await outcome('supervisor.removeProcessGroup', 'web')).toBe('fault STILL_RUNNING: web');
    expect(await outcome('supervisor.clearLog')).toBe(true);
    expect(await outcome('system.listMethods')).toHaveLength(41);
    expect(await outcome('system.methodHelp', 'supervisor.shutdown')).toContain('Shut down the supervisor process');
    expect(await outcome('system.methodSignature', 'supervisor.readLog')).toEqual(['string', 'int', 'int']);
    expect(await outcome('system.multicall', [{ methodName: 'supervisor.getPID', params: [] }])).toEqual([4242]);
    expect(await outcome('supervisor.stopAllProcesses')).toEqual([{ name: 'web', group: 'web', status: 80, description: 'OK' }]);
    expect(await outcome('supervisor.startAllProcesses')).toHaveLength(3);
    expect(await outcome('supervisor.restart')).toBe(true);
    expect(await outcome('supervisor.shutdown')).toBe('fault SHUTDOWN_STATE');
  });
});

describe('log streaming', () => {
  function stream(file: string, path: string, until: (text: string) => boolean): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: file, path }, (res) => {
        let text = '';
        if (res.statusCode !== 200) {
          res.resume();
          return resolve({ status: res.statusCode ?? 0, text });
        }
        res.on('data', (c: Buffer) => {
          text += c.toString();
          if (until(text)) {
            req.destroy();
            resolve({ status: 200, text });
          }
        });
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('sends the last 1024 bytes of a process log, then what is appended', async () => {
    const file = await serveUnix();
    const log = join(dir, 'web.out');
    let appended = false;
    const { status, text } = await stream(file, '/logtail/web', (t) => {
      // Append only once the history arrived, so the two are told apart.
      if (!appended && t.includes('END-OF-HISTORY')) {
        appended = true;
        appendFileSync(log, 'appended\n');
      }
      return t.includes('appended');
    });
    expect(status).toBe(200);
    expect(text).toBe('x'.repeat(1024 - 'END-OF-HISTORY\n'.length) + 'END-OF-HISTORY\nappended\n');
  });

  it('answers 404 for an unknown process or a log that is not on disk', async () => {
    const file = await serveUnix();
    expect((await stream(file, '/logtail/nosuch', () => true)).status).toBe(404);
    expect((await stream(file, '/logtail/web/stderr', () => true)).status).toBe(404);
    expect((await stream(file, '/logtail/workers:w0', () => true)).status).toBe(404);
  });

  it('streams the main log on /mainlogtail', async () => {
    const file = await serveUnix();
    const { text } = await stream(file, '/mainlogtail', (t) => t.includes('main log line'));
    expect(text).toBe('main log line\n');
  });
});

describe.skipIf(!hasSupervisor)("supervisor's own Python client", () => {
  it('calls getAllProcessInfo through supervisor.xmlrpc.SupervisorTransport with auth', async () => {
    const file = await serveUnix({ username: 'admin', password: 'secret' });
    const script = [
      'import sys, json, xmlrpc.client',
      'from supervisor.xmlrpc import SupervisorTransport',
      `t = SupervisorTransport('admin', 'secret', 'unix://${file}')`,
      "p = xmlrpc.client.ServerProxy('http://127.0.0.1', transport=t)",
      'infos = p.supervisor.getAllProcessInfo()',
      'try:',
      "    p.supervisor.getProcessInfo('nosuch')",
      'except xmlrpc.client.Fault as f:',
      '    fault = [f.faultCode, f.faultString]',
      "print(json.dumps({'infos': infos, 'fault': fault}))",
    ].join('\n');
    const { stdout } = await run(PYTHON, ['-c', script]);
    const result = JSON.parse(stdout) as { infos: { name: string; statename: string }[]; fault: unknown };
    expect(result.infos.map((i) => `${i.name} ${i.statename}`)).toEqual(['web RUNNING', 'w0 STOPPED', 'w1 FATAL']);
    expect(result.fault).toEqual([10, 'BAD_NAME: nosuch']);
  });
});

describe.skipIf(!hasSupervisorctl)('the real supervisorctl', () => {
  it('shows status, starts and stops through supd’s server', async () => {
    const file = await serveUnix();
    const ctl = (...args: string[]): Promise<{ stdout: string; code: number }> =>
      run('/usr/bin/supervisorctl', ['-s', `unix://${file}`, ...args]).then(
        ({ stdout }) => ({ stdout, code: 0 }),
        (e: { stdout: string; code: number }) => ({ stdout: e.stdout, code: e.code }),
      );
    const status = await ctl('status');
    expect(status.stdout).toMatch(/^web\s+RUNNING\s+pid 321, uptime 0:01:0\d$/m);
    expect(status.stdout).toMatch(/^workers:w1\s+FATAL\s+can't find command 'nope'$/m);
    expect(status.code).toBe(3);
    expect(await ctl('start', 'workers:w0')).toEqual({ stdout: 'workers:w0: started\n', code: 0 });
    expect(await ctl('stop', 'workers:w0')).toEqual({ stdout: 'workers:w0: stopped\n', code: 0 });
    expect(await ctl('stop', 'nosuch')).toEqual({ stdout: 'nosuch: ERROR (no such process)\n', code: 1 });
    expect((await ctl('tail', 'web')).stdout).toContain('END-OF-HISTORY');
  });

  it('says the server requires authentication for a wrong password, every time (no broken pipe)', async () => {
    const file = await serveUnix({ username: 'u', password: 'p' });
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () =>
        run('/usr/bin/supervisorctl', ['-s', `unix://${file}`, '-u', 'u', '-p', 'wrong', 'status']).then(
          ({ stdout }) => stdout,
          (e: { stdout: string }) => e.stdout,
        ),
      ),
    );
    // supervisord 4.2.5 prints both lines (its onecmd catches the 401, then main() reports it).
    const expected = 'Server requires authentication\nerror: <class \'xmlrpc.client.ProtocolError\'>, <ProtocolError for 127.0.0.1/RPC2: 401 Unauthorized>: file: /usr/lib/python3/dist-packages/supervisor/xmlrpc.py line: 539\n';
    expect(outcomes).toEqual(Array.from({ length: 8 }, () => expected));
  });

  it('follows a log with tail -f through /logtail', async () => {
    const file = await serveUnix({ username: 'u', password: 'p' });
    const child = spawn('/usr/bin/supervisorctl', ['-s', `unix://${file}`, '-u', 'u', '-p', 'p', 'tail', '-f', 'web'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    try {
      await vi.waitFor(() => expect(output).toContain('END-OF-HISTORY'), { timeout: 10_000 });
      appendFileSync(join(dir, 'web.out'), 'live line\n');
      await vi.waitFor(() => expect(output).toContain('END-OF-HISTORY\nlive line\n'), { timeout: 10_000 });
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      await exited;
    }
  });
});

import { beforeEach, describe, expect, it } from 'vitest';
import { runCommand, type CtlRpc } from '../../../src/cli/supctl/commands.js';
import type { ProcEntry } from '../../../src/os/proc-tree.js';
import { RpcConnectionError } from '../../../src/rpc/client.js';
import { createRpcMethods } from '../../../src/rpc/methods.js';
import { FakePort, processConfig, snapshot } from '../rpc/fake-port.js';

const NOW = 1_700_000_000;

let port: FakePort;
let out: string[];
let err: string[];
let rpc: CtlRpc;

beforeEach(() => {
  port = new FakePort();
  port.addGroup('web', [snapshot('web', { state: 'RUNNING', pid: 123, laststart: NOW - 5, stdoutLogfile: '/log/web.out' })], 1);
  port.addGroup('workers', [snapshot('w0'), snapshot('w1', { state: 'STARTING', pid: 124, laststart: NOW })], 2);
  const methods = createRpcMethods(port, {
    now: () => NOW,
    files: {
      size: async (p) => (p === '/log/web.out' ? 11 : null),
      read: async (_p, position, length) => new TextEncoder().encode('hello world'.slice(position, position + length)),
    },
  });
  rpc = { call: (method, params = []) => methods.call(method, params), follow: async () => undefined };
  out = [];
  err = [];
});

function ctl(command: string, ...args: string[]): Promise<number> {
  return runCommand(
    { rpc, io: { out: (l) => out.push(l), write: (t) => out.push(t), err: (l) => err.push(l) }, serverUrl: 'unix:///x.sock', json: false, color: false },
    command,
    args,
  );
}

describe('supctl status', () => {
  it('prints supervisorctl’s columns and exits 3 because a listed process is STOPPED', async () => {
    expect(await ctl('status')).toBe(3);
    expect(out).toEqual([
      `${'web'.padEnd(33)}${'RUNNING'.padEnd(10)}pid 123, uptime 0:00:05`,
      `${'workers:w0'.padEnd(33)}${'STOPPED'.padEnd(10)}Not started`,
      `${'workers:w1'.padEnd(33)}${'STARTING'.padEnd(10)}`,
    ]);
  });

  it('exits 0 when every listed process is RUNNING or STARTING', async () => {
    expect(await ctl('status', 'web', 'workers:w1')).toBe(0);
    expect(out).toHaveLength(2);
  });

  it('widens the name column for names longer than 30 characters', async () => {
    const long = 'a-very-long-program-name-for-the-column';
    port.addGroup(long, [snapshot(long)]);
    await ctl('status', long);
    expect(out).toEqual([`${long.padEnd(long.length + 3)}${'STOPPED'.padEnd(10)}Not started`]);
  });

  it('reports unknown names and groups and exits 4', async () => {
    expect(await ctl('status', 'web', 'nosuch', 'nogroup:*')).toBe(4);
    expect(out).toEqual(['nosuch: ERROR (no such process)', 'nogroup: ERROR (no such group)', expect.stringMatching(/^web +RUNNING/)]);
  });

  it('exits 4 with one line when the server is not running', async () => {
    rpc = { ...rpc, call: () => Promise.reject(new RpcConnectionError('unix:///x.sock', 'ENOENT')) };
    expect(await ctl('status')).toBe(4);
    expect(err).toEqual(['cannot connect to unix:///x.sock: no such socket file (is supd running?)']);
    expect(out).toEqual([]);
  });

  it('prints JSON with --json', async () => {
    const code = await runCommand(
      { rpc, io: { out: (l) => out.push(l), write: () => undefined, err: (l) => err.push(l) }, serverUrl: 'x', json: true, color: false },
      'status',
      ['web'],
    );
    expect(code).toBe(0);
    expect(JSON.parse(out.join('\n'))).toEqual([expect.objectContaining({ name: 'web', statename: 'RUNNING', pid: 123 })]);
  });

  it('colours the state word only when asked, keeping the columns aligned', async () => {
    await runCommand({ rpc, io: { out: (l) => out.push(l), write: () => undefined, err: () => undefined }, serverUrl: 'x', json: false, color: true }, 'status', ['web']);
    expect(out).toEqual([`${'web'.padEnd(33)}\x1b[32m${'RUNNING'.padEnd(10)}\x1b[0mpid 123, uptime 0:00:05`]);
  });
});

describe('supctl start, stop and restart', () => {
  it('starts a process and says so', async () => {
    expect(await ctl('start', 'workers:w0')).toBe(0);
    expect(out).toEqual(['workers:w0: started']);
  });

  it('exits 2 without a name', async () => {
    expect(await ctl('start')).toBe(2);
    expect(err).toEqual(['Error: start requires a process name']);
  });

  it('treats an already started process as success', async () => {
    expect(await ctl('start', 'web')).toBe(0);
    expect(out).toEqual(['web: ERROR (already started)']);
  });

  it('exits 7 when the start ends in a spawn error', async () => {
    port.startScripts.set('w0', 'exits-too-quickly');
    expect(await ctl('start', 'workers:w0')).toBe(7);
    expect(out).toEqual(['workers:w0: ERROR (spawn error)']);
  });

  it('exits 1 for an unknown process and 2 for an unknown group', async () => {
    expect(await ctl('start', 'nosuch')).toBe(1);
    expect(out).toEqual(['nosuch: ERROR (no such process)']);
    out.length = 0;
    expect(await ctl('start', 'nogroup:*')).toBe(2);
    expect(out).toEqual(['nogroup: ERROR (no such group)']);
  });

  it('starts every stopped process with start all', async () => {
    expect(await ctl('start', 'all')).toBe(0);
    expect(out).toEqual(['workers:w0: started']);
  });

  it('treats stopping a stopped process as success, and stops a group', async () => {
    expect(await ctl('stop', 'workers:w0')).toBe(0);
    expect(out).toEqual(['workers:w0: ERROR (not running)']);
    out.length = 0;
    expect(await ctl('stop', 'workers:*')).toBe(0);
    expect(out).toEqual(['workers:w1: stopped']);
  });

  it('exits 1 for stop without a name, as supervisorctl does', async () => {
    expect(await ctl('stop')).toBe(1);
  });

  it('restarts by stopping then starting', async () => {
    expect(await ctl('restart', 'web')).toBe(0);
    expect(out).toEqual(['web: stopped', 'web: started']);
    expect(port.calls).toEqual(['stop web:web', 'start web:web']);
  });

  it('exits 7 when the server has no socket file (supervisorctl’s ENOENT)', async () => {
    rpc = { ...rpc, call: () => Promise.reject(new RpcConnectionError('unix:///x.sock', 'ENOENT')) };
    expect(await ctl('start', 'web')).toBe(7);
    rpc = { ...rpc, call: () => Promise.reject(new RpcConnectionError('unix:///x.sock', 'ECONNREFUSED')) };
    expect(await ctl('stop', 'web')).toBe(4);
    expect(err).toEqual([
      'cannot connect to unix:///x.sock: no such socket file (is supd running?)',
      'cannot connect to unix:///x.sock: connection refused (the socket file is there but nothing listens: has supd stopped?)',
    ]);
  });
});

describe('supctl signal and pid', () => {
  it('signals a process and reports a bad signal name with exit 1', async () => {
    expect(await ctl('signal', 'HUP', 'web')).toBe(0);
    expect(await ctl('signal', 'BOGUS', 'web')).toBe(1);
    expect(out).toEqual(['web: signalled', 'web: ERROR (bad signal name)']);
  });

  it('exits 7 when signalling a process that is not running', async () => {
    expect(await ctl('signal', 'HUP', 'workers:w0')).toBe(7);
    expect(out).toEqual(['workers:w0: ERROR (not running)']);
  });

  it('prints pids: of supd, of one process, of all; 7 for a stopped one; 1 for an unknown one', async () => {
    expect(await ctl('pid')).toBe(0);
    expect(await ctl('pid', 'all')).toBe(0);
    expect(await ctl('pid', 'workers:w0')).toBe(7);
    expect(await ctl('pid', 'nosuch')).toBe(1);
    expect(out).toEqual(['4242', '123', '0', '124', '0', 'No such process nosuch']);
  });
});

describe('supctl logs', () => {
  it('tails the last bytes of a process log', async () => {
    expect(await ctl('tail', '-5', 'web')).toBe(0);
    expect(out).toEqual(['world']);
  });

  it('says when a process has no log file, with exit 1', async () => {
    expect(await ctl('tail', 'web', 'stderr')).toBe(1);
    expect(out).toEqual(['web: ERROR (no log file)']);
  });

  it('refuses a bad channel and a bad modifier', async () => {
    expect(await ctl('tail', 'web', 'stdin')).toBe(1);
    expect(await ctl('tail', '-x', 'web')).toBe(1);
    expect(err).toEqual(["Error: bad channel 'stdin'", 'Error: bad argument -x']);
  });

  it('follows /logtail/NAME/CHANNEL for tail -f', async () => {
    const paths: string[] = [];
    rpc = { ...rpc, follow: async (path, onChunk) => (paths.push(path), onChunk(Buffer.from('live\n'))) };
    expect(await ctl('tail', '-f', 'web', 'stderr')).toBe(0);
    expect(paths).toEqual(['/logtail/web/stderr']);
    expect(out).toEqual(['==> Press Ctrl-C to exit <==', 'live\n']);
  });

  it('clears logs', async () => {
    expect(await ctl('clear', 'web')).toBe(0);
    expect(await ctl('clear')).toBe(1);
    expect(out).toEqual(['web: cleared']);
  });
});

describe('supctl config commands', () => {
  it('lists config with avail in supervisorctl’s columns', async () => {
    port.configInfos = [{ config: processConfig('web'), groupPriority: 999, inuse: true, uid: null, stdoutLogfile: null, stderrLogfile: null }];
    expect(await ctl('avail')).toBe(0);
    expect(out).toEqual([`${'web'.padEnd(32)} ${'in use'.padEnd(9)} ${'auto'.padEnd(9)} 999:999`]);
  });

  it('prints reread’s changes, or that there are none', async () => {
    expect(await ctl('reread')).toBe(0);
    port.reread = { ok: true, added: ['new'], changed: ['web'], removed: ['old'] };
    expect(await ctl('reread')).toBe(0);
    expect(out).toEqual(['No config updates to processes', 'new: available', 'old: disappeared', 'web: changed']);
  });

  it('applies a reread with update: stops and re-adds changed groups, adds new ones', async () => {
    port.reread = { ok: true, added: ['new'], changed: ['web'], removed: [] };
    port.available.set('new', { name: 'new', priority: 5, processes: [snapshot('new')] });
    expect(await ctl('update')).toBe(0);
    expect(out).toEqual(['web: stopped', 'web: updated process group', 'new: added process group']);
  });

  it('reports an unknown group given to update', async () => {
    expect(await ctl('update', 'nosuch')).toBe(1);
    expect(out).toEqual(['ERROR: no such group: nosuch']);
  });

  it('adds and removes groups with supervisorctl’s messages', async () => {
    expect(await ctl('remove', 'web')).toBe(1);
    expect(await ctl('remove', 'nosuch')).toBe(1);
    expect(await ctl('add', 'web')).toBe(0); // supervisorctl leaves the exit status alone here
    expect(out).toEqual(['ERROR: process/group still running: web', 'ERROR: no such process/group: nosuch', 'ERROR: process group already active']);
  });

  it('reloads, shuts down and prints the version', async () => {
    expect(await ctl('version')).toBe(0);
    expect(await ctl('reload')).toBe(0);
    expect(await ctl('shutdown')).toBe(0);
    expect(out).toEqual(['4.2.5', 'Restarted supervisord', 'ERROR: already shutting down']);
  });

  it('refuses an unknown action with exit 2', async () => {
    expect(await ctl('frobnicate')).toBe(2);
    expect(err).toEqual(["supctl: unknown action 'frobnicate' (try supctl --help)"]);
  });
});

describe('supctl tree', () => {
  const entry = (pid: number, ppid: number, comm: string, patch: Partial<ProcEntry> = {}): [number, ProcEntry] => [
    pid,
    { pid, ppid, comm, state: 'S', cmdline: comm, startedAt: NOW - 10, cpuSeconds: 1, rssBytes: 10 * 1024 * 1024, ...patch },
  ];
  const SUPD_PID = 4242; // the fake port's getPID

  it('draws each program’s children and grandchildren from /proc', async () => {
    const table = new Map([
      entry(SUPD_PID, 1, 'node'),
      entry(123, SUPD_PID, 'node', { cmdline: 'node server.js' }),
      entry(200, 123, 'worker'),
      entry(201, 123, 'worker'),
      entry(300, 200, 'sh'),
      entry(400, 300, 'sleep'),
      entry(124, SUPD_PID, 'py', { startedAt: NOW - 100, cpuSeconds: 50 }),
    ]);
    const code = await runCommand(
      { rpc, io: { out: (l) => out.push(l), write: () => undefined, err: (l) => err.push(l) }, serverUrl: 'x', json: false, color: false, readProcTable: () => table, now: () => NOW },
      'tree',
      [],
    );
    expect(code).toBe(0);
    expect(out.map((l) => l.replace(/ +/g, ' '))).toEqual([
      'NAME PID STATE UPTIME RSS CPU% COMMAND',
      'web 123 RUNNING 0:00:10 10.0M 10.0 node server.js',
      '├─ worker 200 S 0:00:10 10.0M 10.0 worker',
      '│ └─ sh 300 S 0:00:10 10.0M 10.0 sh (+1 more)',
      '└─ worker 201 S 0:00:10 10.0M 10.0 worker',
      'workers:w0 - STOPPED - - - ',
      'workers:w1 124 STARTING 0:01:40 10.0M 50.0 py',
    ].map((l) => l.trimEnd()));
  });

  it('says so, and shows nothing, when run outside the server’s PID namespace', async () => {
    // On the host: 123 and 124 are someone else's processes, and 4242 is not there at all.
    const table = new Map([entry(1, 0, 'systemd'), entry(123, 1, 'bash'), entry(124, 99, 'python3')]);
    const code = await runCommand(
      { rpc, io: { out: (l) => out.push(l), write: () => undefined, err: (l) => err.push(l) }, serverUrl: 'x', json: false, color: false, readProcTable: () => table, now: () => NOW },
      'tree',
      [],
    );
    expect({ code, out, err }).toEqual({
      code: 1,
      out: [],
      err: [
        'supctl: tree: the server (pid 4242 in its own PID namespace) runs in another PID namespace than supctl, ' +
          "so its programs' pids mean other processes here; run supctl tree inside its container (docker exec CONTAINER supctl tree)",
      ],
    });
  });
});

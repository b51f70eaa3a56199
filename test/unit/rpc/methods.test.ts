import { beforeEach, describe, expect, it } from 'vitest';
import { Fault } from '../../../src/rpc/faults.js';
import type { LogFiles } from '../../../src/rpc/log-files.js';
import { createRpcMethods, type RpcDispatcher } from '../../../src/rpc/methods.js';
import { decodeMethodResponse, EncodedValue, encodeMethodResponse, type XmlRpcValue } from '../../../src/rpc/xmlrpc-codec.js';
import { FakePort, processConfig, snapshot } from './fake-port.js';

const NOW = 1_700_000_000;

function memoryFiles(contents: Record<string, string>): LogFiles {
  const bytes = new Map(Object.entries(contents).map(([k, v]) => [k, new TextEncoder().encode(v)]));
  return {
    async size(path) {
      return bytes.get(path)?.length ?? null;
    },
    async read(path, position, length) {
      const data = bytes.get(path);
      if (data === undefined) throw new Error('ENOENT');
      return data.subarray(position, position + length);
    },
  };
}

async function faultOf(promise: Promise<unknown>): Promise<{ code: number; text: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Fault) return { code: error.faultCode, text: error.faultString };
    throw error;
  }
  throw new Error('expected a fault');
}

let port: FakePort;
let rpc: RpcDispatcher;
/** Calls a method and gives its value as a client would see it (multicall results come encoded). */
const call = async (method: string, ...params: XmlRpcValue[]): Promise<XmlRpcValue> => {
  const response = decodeMethodResponse(encodeMethodResponse(await rpc.call(method, params)));
  if (response.isFault) throw new Error('a value never encodes as a fault');
  return response.value;
};

beforeEach(() => {
  port = new FakePort();
  port.addGroup('web', [snapshot('web', { state: 'RUNNING', pid: 123, laststart: NOW - 5, stdoutLogfile: '/log/web.out' })], 10);
  port.addGroup('workers', [snapshot('w1'), snapshot('w0')], 20);
  port.mainLog = '/log/supd.log';
  rpc = createRpcMethods(port, {
    now: () => NOW,
    files: memoryFiles({ '/log/web.out': '0123456789', '/log/supd.log': 'main log\n' }),
  });
});

describe('getProcessInfo', () => {
  it('returns supervisord’s struct, with pid and uptime in the description of a RUNNING process', async () => {
    expect(await call('supervisor.getProcessInfo', 'web')).toEqual({
      name: 'web', group: 'web', start: NOW - 5, stop: 0, now: NOW, state: 20, statename: 'RUNNING',
      spawnerr: '', exitstatus: 0, logfile: '/log/web.out', stdout_logfile: '/log/web.out',
      stderr_logfile: '', pid: 123, description: 'pid 123, uptime 0:00:05',
    });
  });

  it('lists the members in supervisord’s order', async () => {
    const info = (await call('supervisor.getProcessInfo', 'web')) as Record<string, unknown>;
    expect(Object.keys(info)).toEqual([
      'name', 'group', 'start', 'stop', 'now', 'state', 'statename', 'spawnerr', 'exitstatus',
      'logfile', 'stdout_logfile', 'stderr_logfile', 'pid', 'description',
    ]);
  });

  it('accepts group:name and a bare name meaning group == name', async () => {
    expect(await call('supervisor.getProcessInfo', 'workers:w0')).toMatchObject({ name: 'w0', group: 'workers' });
    expect(await call('supervisor.getProcessInfo', 'web:web')).toMatchObject({ name: 'web' });
  });

  it.each([['nosuch'], ['workers'], ['workers:*'], ['web:nosuch']])('faults BAD_NAME for %s', async (name) => {
    expect(await faultOf(call('supervisor.getProcessInfo', name))).toEqual({ code: 10, text: `BAD_NAME: ${name}` });
  });

  it('describes a process never started as Not started', async () => {
    expect(await call('supervisor.getProcessInfo', 'workers:w0')).toMatchObject({ description: 'Not started', statename: 'STOPPED', state: 0 });
  });

  it('describes a stopped process by its stop time, as strftime("%b %d %I:%M %p") of local time', async () => {
    const stop = new Date(2024, 0, 2, 15, 4, 0).getTime() / 1000;
    port.set('workers', 'w0', { state: 'EXITED', laststart: stop - 60, laststop: stop, exitstatus: 3 });
    expect(await call('supervisor.getProcessInfo', 'workers:w0')).toMatchObject({ description: 'Jan 02 03:04 PM', exitstatus: 3, state: 100 });
  });

  it('describes FATAL and BACKOFF by the spawn error, or tells the user to tail', async () => {
    port.set('workers', 'w0', { state: 'FATAL', spawnerr: "can't find command 'x'" });
    port.set('workers', 'w1', { state: 'BACKOFF' });
    expect(await call('supervisor.getProcessInfo', 'workers:w0')).toMatchObject({ description: "can't find command 'x'" });
    expect(await call('supervisor.getProcessInfo', 'workers:w1')).toMatchObject({ description: 'unknown error (try "tail w1")' });
  });

  it('counts days in the uptime as Python’s timedelta does', async () => {
    port.set('web', 'web', { laststart: NOW - (2 * 86_400 + 3 * 3600 + 7) });
    expect(await call('supervisor.getProcessInfo', 'web')).toMatchObject({ description: 'pid 123, uptime 2 days, 3:00:07' });
  });
});

describe('getAllProcessInfo', () => {
  it('lists every process sorted by group, then name', async () => {
    const infos = (await call('supervisor.getAllProcessInfo')) as { group: string; name: string }[];
    expect(infos.map((i) => `${i.group}:${i.name}`)).toEqual(['web:web', 'workers:w0', 'workers:w1']);
  });
});

describe('startProcess', () => {
  it('with wait=true resolves only once the process is RUNNING', async () => {
    port.startScripts.set('w0', 'manual');
    let answer: unknown = 'no answer yet';
    const started = call('supervisor.startProcess', 'workers:w0').then((v) => ((answer = v), v));
    await new Promise((r) => setImmediate(r));
    expect(port.get('workers', 'w0').state).toBe('STARTING');
    expect(answer).toBe('no answer yet');
    port.set('workers', 'w0', { state: 'RUNNING' });
    expect(await started).toBe(true);
    expect(port.subscriberCount).toBe(0);
  });

  it('with wait=false returns true while the process is still STARTING', async () => {
    port.startScripts.set('w0', 'manual');
    expect(await call('supervisor.startProcess', 'workers:w0', false)).toBe(true);
    expect(port.get('workers', 'w0').state).toBe('STARTING');
    expect(port.subscriberCount).toBe(0);
  });

  it('faults SPAWN_ERROR when the process exits too quickly', async () => {
    port.startScripts.set('w0', 'exits-too-quickly');
    expect(await faultOf(call('supervisor.startProcess', 'workers:w0'))).toEqual({ code: 50, text: 'SPAWN_ERROR: workers:w0' });
  });

  it('faults ABNORMAL_TERMINATION when the process leaves STARTING without a spawn error', async () => {
    port.startScripts.set('w0', 'manual');
    const started = call('supervisor.startProcess', 'workers:w0');
    await new Promise((r) => setImmediate(r));
    port.set('workers', 'w0', { state: 'STOPPED' });
    expect(await faultOf(started)).toEqual({ code: 40, text: 'ABNORMAL_TERMINATION: workers:w0' });
  });

  it('faults ALREADY_STARTED for a running process without asking the daemon', async () => {
    expect(await faultOf(call('supervisor.startProcess', 'web'))).toEqual({ code: 60, text: 'ALREADY_STARTED: web' });
    expect(port.calls).toEqual([]);
  });

  it('passes on the daemon’s refusal with its detail', async () => {
    port.refusals.set('start workers:w0', { fault: 'NO_FILE', detail: "can't find command '/bin/w0'" });
    expect(await faultOf(call('supervisor.startProcess', 'workers:w0'))).toEqual({ code: 20, text: "NO_FILE: can't find command '/bin/w0'" });
  });

  it('faults FAILED for a process in UNKNOWN state', async () => {
    port.set('workers', 'w0', { state: 'UNKNOWN' });
    expect(await faultOf(call('supervisor.startProcess', 'workers:w0'))).toEqual({ code: 30, text: 'FAILED: workers:w0 is in an unknown process state' });
  });

  it('starts a whole group for group:* and returns one result per process', async () => {
    port.startScripts.set('w1', 'exits-too-quickly');
    const results = await call('supervisor.startProcess', 'workers:*');
    expect(results).toEqual(expect.arrayContaining([
      { name: 'w0', group: 'workers', status: 80, description: 'OK' },
      { name: 'w1', group: 'workers', status: 50, description: 'SPAWN_ERROR: workers:w1' },
    ]));
    expect(results).toHaveLength(2);
  });

  it('refuses a wrong number of arguments with INCORRECT_PARAMETERS', async () => {
    expect(await faultOf(call('supervisor.startProcess'))).toEqual({ code: 2, text: 'INCORRECT_PARAMETERS' });
    expect(await faultOf(call('supervisor.startProcess', 'a', true, 3))).toEqual({ code: 2, text: 'INCORRECT_PARAMETERS' });
  });
});

describe('startAllProcesses and startProcessGroup', () => {
  it('start only processes that are not running, listing immediate results first', async () => {
    port.startScripts.set('w1', 'manual');
    const all = call('supervisor.startAllProcesses', true);
    await new Promise((r) => setImmediate(r));
    port.set('workers', 'w1', { state: 'RUNNING' });
    const results = await all;
    expect(results).toHaveLength(2);
    expect(results).toEqual(expect.arrayContaining([
      { name: 'w1', group: 'workers', status: 80, description: 'OK' },
      { name: 'w0', group: 'workers', status: 80, description: 'OK' },
    ]));
    expect(port.calls).toEqual(['start workers:w1', 'start workers:w0']);
  });

  it('list a refusal at once, before deferred starts complete', async () => {
    port.startScripts.set('w1', 'manual');
    port.refusals.set('start workers:w0', { fault: 'NOT_EXECUTABLE', detail: 'file is not executable' });
    const group = call('supervisor.startProcessGroup', 'workers');
    await new Promise((r) => setImmediate(r));
    port.set('workers', 'w1', { state: 'RUNNING' });
    expect(await group).toEqual([
      { name: 'w0', group: 'workers', status: 21, description: 'NOT_EXECUTABLE: file is not executable' },
      { name: 'w1', group: 'workers', status: 80, description: 'OK' },
    ]);
  });

  it('list deferred results in process order, whichever process finished first', async () => {
    port.startScripts.set('w1', 'manual');
    port.startScripts.set('w0', 'manual');
    const group = call('supervisor.startProcessGroup', 'workers');
    await new Promise((r) => setImmediate(r));
    port.set('workers', 'w0', { state: 'RUNNING' }); // w1 comes first in the group, w0 runs first
    await new Promise((r) => setImmediate(r));
    port.set('workers', 'w1', { state: 'RUNNING' });
    expect(await group).toEqual([
      { name: 'w1', group: 'workers', status: 80, description: 'OK' },
      { name: 'w0', group: 'workers', status: 80, description: 'OK' },
    ]);
  });

  it('fault BAD_NAME for an unknown group', async () => {
    expect(await faultOf(call('supervisor.startProcessGroup', 'nosuch'))).toEqual({ code: 10, text: 'BAD_NAME: nosuch' });
  });
});

describe('stopAllProcesses and startAllProcesses with many processes', () => {
  it('build a few snapshots per process, through one subscription, and leave none behind', async () => {
    const many = new FakePort();
    const n = 200;
    many.addGroup('big', Array.from({ length: n }, (_, i) => snapshot(`p${i}`, { state: 'RUNNING', pid: 100 + i })));
    const bigRpc = createRpcMethods(many, { now: () => NOW, files: memoryFiles({}) });
    const cycles = 3;
    for (let i = 0; i < cycles; i++) {
      expect(await bigRpc.call('supervisor.stopAllProcesses', [true])).toHaveLength(n);
      expect(await bigRpc.call('supervisor.startAllProcesses', [true])).toHaveLength(n);
    }
    // Each call lists every process once and follows each one's few transitions; snapshots of
    // every process per process made 500 programs' stop and start allocate ~1 GB.
    expect({ snapshotsPerProcessPerCall: Math.round(many.snapshotsMade / (n * cycles * 2)), maxSubscribers: many.maxSubscribers, subscribersLeft: many.subscriberCount })
      .toEqual({ snapshotsPerProcessPerCall: expect.any(Number), maxSubscribers: 1, subscribersLeft: 0 });
    expect(many.snapshotsMade / (n * cycles * 2)).toBeLessThanOrEqual(8);
  });
});

describe('stopProcess', () => {
  it('with wait=true resolves once the process reached a stopped state', async () => {
    port.stopScripts.set('web', 'manual');
    let answer: unknown = 'no answer yet';
    const stopped = call('supervisor.stopProcess', 'web').then((v) => ((answer = v), v));
    await new Promise((r) => setImmediate(r));
    expect(port.get('web', 'web').state).toBe('STOPPING');
    expect(answer).toBe('no answer yet');
    port.set('web', 'web', { state: 'STOPPED', pid: 0 });
    expect(await stopped).toBe(true);
  });

  it('faults NOT_RUNNING for a stopped process', async () => {
    expect(await faultOf(call('supervisor.stopProcess', 'workers:w0'))).toEqual({ code: 70, text: 'NOT_RUNNING: workers:w0' });
  });

  it('stops every running process of stopAllProcesses and skips the rest', async () => {
    expect(await call('supervisor.stopAllProcesses')).toEqual([{ name: 'web', group: 'web', status: 80, description: 'OK' }]);
    expect(port.get('web', 'web').state).toBe('STOPPED');
  });

  it('reports a kill failure as FAILED with the daemon’s message', async () => {
    port.refusals.set('stop web:web', { fault: 'FAILED', detail: 'Failed to send stop signal: EPERM' });
    expect(await faultOf(call('supervisor.stopProcess', 'web'))).toEqual({ code: 30, text: 'FAILED: Failed to send stop signal: EPERM' });
  });
});

describe('signalProcess', () => {
  it.each([['HUP'], ['hup'], ['SIGHUP'], ['1'], [1]])('accepts the signal %s and sends HUP', async (signal) => {
    expect(await call('supervisor.signalProcess', 'web', signal)).toBe(true);
    expect(port.calls).toEqual(['signal 1 web:web']);
  });

  it.each([
    ['SIGRTMIN', 34], ['rtmin', 34], ['SIGRTMAX', 64], ['64', 64], [64, 64], ['34', 34], ['CLD', 17], ['SIGCLD', 17],
    ['0', 0], [0, 0], ['SIG_DFL', 0], ['_IGN', 1], ['IOT', 6], ['POLL', 29], [1.5, 1], [true, 1], [' 15 ', 15],
  ])('accepts %j as supervisord’s signal_number does, sending signal %i', async (signal, number) => {
    expect(await call('supervisor.signalProcess', 'web', signal)).toBe(true);
    expect(port.calls).toEqual([`signal ${number} web:web`]);
  });

  it.each([['RTMIN+1'], ['35'], [35], ['32'], ['33'], ['65'], ['-1'], ['99'], [''], ['1.5'], ['SIGSIGHUP']])(
    'refuses %j as supervisord’s signal_number does',
    async (signal) => {
      expect(await faultOf(call('supervisor.signalProcess', 'web', signal))).toEqual({ code: 11, text: `BAD_SIGNAL: ${signal}` });
      expect(port.calls).toEqual([]);
    },
  );

  it('faults BAD_SIGNAL for a name that is no signal', async () => {
    expect(await faultOf(call('supervisor.signalProcess', 'web', 'BOGUS'))).toEqual({ code: 11, text: 'BAD_SIGNAL: BOGUS' });
  });

  it('faults NOT_RUNNING for a process that cannot be signalled', async () => {
    expect(await faultOf(call('supervisor.signalProcess', 'workers:w0', 'HUP'))).toEqual({ code: 70, text: 'NOT_RUNNING: workers:w0' });
  });

  it('signals only signallable processes of signalAllProcesses, reporting a bad signal per process', async () => {
    expect(await call('supervisor.signalAllProcesses', 'USR1')).toEqual([{ name: 'web', group: 'web', status: 80, description: 'OK' }]);
    expect(await call('supervisor.signalAllProcesses', 'NOPE')).toEqual([{ name: 'web', group: 'web', status: 11, description: 'BAD_SIGNAL: NOPE' }]);
  });
});

describe('type leniency, as supervisord’s Python has it', () => {
  it('takes any two values for sendRemoteCommEvent, as str() of each', async () => {
    expect(await call('supervisor.sendRemoteCommEvent', 1, 2)).toBe(true);
    expect(await call('supervisor.sendRemoteCommEvent', [1, 'a'], { k: true })).toBe(true);
    expect(port.commEvents).toEqual([{ type: '1', data: '2' }, { type: "[1, 'a']", data: "{'k': True}" }]);
  });

  it('answers SIGNATURE_UNSUPPORTED for methodHelp/methodSignature of a non-string', async () => {
    for (const method of ['system.methodHelp', 'system.methodSignature']) {
      expect(await faultOf(call(method, 123))).toEqual({ code: 4, text: 'SIGNATURE_UNSUPPORTED' });
      expect(await faultOf(call(method, [1]))).toEqual({ code: 4, text: 'SIGNATURE_UNSUPPORTED' });
    }
  });

  it('knows no method named after Object.prototype members', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'supervisor.constructor']) {
      expect(await faultOf(call('system.methodHelp', name))).toEqual({ code: 4, text: 'SIGNATURE_UNSUPPORTED' });
      expect(await faultOf(call('system.methodSignature', name))).toEqual({ code: 4, text: 'SIGNATURE_UNSUPPORTED' });
    }
    expect(await faultOf(call('supervisor.constructor'))).toEqual({ code: 1, text: 'UNKNOWN_METHOD' });
    expect(await faultOf(call('system.toString'))).toEqual({ code: 1, text: 'UNKNOWN_METHOD' });
  });

  it('faults INCORRECT_PARAMETERS with Python’s str() of a stdin that is not text', async () => {
    expect(await faultOf(call('supervisor.sendProcessStdin', 'web', { k: 1 }))).toEqual({ code: 2, text: "INCORRECT_PARAMETERS: {'k': 1}" });
    expect(await faultOf(call('supervisor.sendProcessStdin', 'web', [1, 'x']))).toEqual({ code: 2, text: "INCORRECT_PARAMETERS: [1, 'x']" });
    expect(await faultOf(call('supervisor.sendProcessStdin', 'web', true))).toEqual({ code: 2, text: 'INCORRECT_PARAMETERS: True' });
    expect(await faultOf(call('supervisor.sendProcessStdin', 'web', 1.5))).toEqual({ code: 2, text: 'INCORRECT_PARAMETERS: 1.5' });
  });

  it('answers BAD_NAME for a group named by a number', async () => {
    expect(await faultOf(call('supervisor.stopProcessGroup', 5))).toEqual({ code: 10, text: 'BAD_NAME: 5' });
    expect(await faultOf(call('supervisor.addProcessGroup', 5))).toEqual({ code: 10, text: 'BAD_NAME: 5' });
    expect(await faultOf(call('supervisor.removeProcessGroup', 5))).toEqual({ code: 10, text: 'BAD_NAME: 5' });
  });

  it('takes offsets as Python’s int() does', async () => {
    expect(await call('supervisor.readProcessStdoutLog', 'web', 1.5, '3')).toBe('123');
    expect(await call('supervisor.readProcessStdoutLog', 'web', true, 2)).toBe('12');
  });

  it('reports a multicall methodName that is not a string as supervisord’s AttributeError', async () => {
    expect(await call('system.multicall', [{ methodName: 5 }, { methodName: 'supervisor.getPID', params: {} }])).toEqual([
      { faultCode: 30, faultString: "FAILED: <class 'AttributeError'>:'int' object has no attribute 'split'" },
      4242,
    ]);
  });
});

describe('logs', () => {
  it('reads a byte range of a process log as supervisord readFile does', async () => {
    expect(await call('supervisor.readProcessStdoutLog', 'web', 2, 3)).toBe('234');
    expect(await call('supervisor.readProcessStdoutLog', 'web', -4, 0)).toBe('6789');
    expect(await call('supervisor.readProcessStdoutLog', 'web', 5, 0)).toBe('56789');
    expect(await call('supervisor.readProcessLog', 'web', -100, 0)).toBe('0123456789');
  });

  it('faults BAD_ARGUMENTS for a negative offset with a length', async () => {
    expect(await faultOf(call('supervisor.readProcessStdoutLog', 'web', -4, 2))).toEqual({ code: 3, text: 'BAD_ARGUMENTS' });
  });

  it('faults NO_FILE with the path when the log does not exist, and bare NO_FILE without a path', async () => {
    port.set('web', 'web', { stderrLogfile: '/log/missing' });
    expect(await faultOf(call('supervisor.readProcessStderrLog', 'web', 0, 0))).toEqual({ code: 20, text: 'NO_FILE: /log/missing' });
    expect(await faultOf(call('supervisor.readProcessStderrLog', 'workers:w0', 0, 0))).toEqual({ code: 20, text: 'NO_FILE' });
  });

  it('tails with overflow as supervisord tailFile does', async () => {
    expect(await call('supervisor.tailProcessStdoutLog', 'web', 0, 4)).toEqual(['6789', 10, true]);
    expect(await call('supervisor.tailProcessStdoutLog', 'web', 8, 4)).toEqual(['6789', 10, false]);
    expect(await call('supervisor.tailProcessStdoutLog', 'web', 10, 4)).toEqual(['', 10, false]);
    expect(await call('supervisor.tailProcessStderrLog', 'web', 0, 4)).toEqual(['', 0, false]);
  });

  it('reads the main log and faults NO_FILE when there is none', async () => {
    expect(await call('supervisor.readLog', -5, 0)).toBe(' log\n');
    port.mainLog = null;
    expect(await faultOf(call('supervisor.readLog', 0, 0))).toEqual({ code: 20, text: 'NO_FILE' });
  });

  it('clears every process log and reports a failure as FAILED: name', async () => {
    port.refusals.set('clear workers:w1', { fault: 'FAILED' });
    expect(await call('supervisor.clearAllProcessLogs')).toEqual([
      { name: 'web', group: 'web', status: 80, description: 'OK' },
      { name: 'w1', group: 'workers', status: 30, description: 'FAILED: workers:w1' },
      { name: 'w0', group: 'workers', status: 80, description: 'OK' },
    ]);
  });
});

describe('groups and config', () => {
  it('returns reloadConfig’s diff as [[added, changed, removed]]', async () => {
    port.reread = { ok: true, added: ['new'], changed: ['web'], removed: [] };
    expect(await call('supervisor.reloadConfig')).toEqual([[['new'], ['web'], []]]);
  });

  it('faults CANT_REREAD with the config error', async () => {
    port.reread = { ok: false, error: '/etc/supd.conf:3: [program:x] startsecs=abc: expected an integer' };
    expect(await faultOf(call('supervisor.reloadConfig'))).toEqual({
      code: 92, text: 'CANT_REREAD: /etc/supd.conf:3: [program:x] startsecs=abc: expected an integer',
    });
  });

  it('adds and removes groups with supervisord’s faults', async () => {
    expect(await faultOf(call('supervisor.addProcessGroup', 'web'))).toEqual({ code: 90, text: 'ALREADY_ADDED: web' });
    expect(await faultOf(call('supervisor.addProcessGroup', 'nosuch'))).toEqual({ code: 10, text: 'BAD_NAME: nosuch' });
    expect(await faultOf(call('supervisor.removeProcessGroup', 'web'))).toEqual({ code: 91, text: 'STILL_RUNNING: web' });
    expect(await faultOf(call('supervisor.removeProcessGroup', 'nosuch'))).toEqual({ code: 10, text: 'BAD_NAME: nosuch' });
    expect(await call('supervisor.removeProcessGroup', 'workers')).toBe(true);
    expect(await call('supervisor.addProcessGroup', 'workers')).toBe(true);
  });

  it('reports config info with supervisord’s keys, none/auto words and sorted by name', async () => {
    port.configInfos = [
      { config: processConfig('zed', { stopSignal: 'KILL', stopWaitMs: 5000 }), groupPriority: 5, inuse: false, uid: null, stdoutLogfile: 'AUTO', stderrLogfile: null },
      { config: processConfig('api', { directory: '/srv' }), groupPriority: 999, inuse: true, uid: 1000, stdoutLogfile: '/log/api.out', stderrLogfile: '/log/api.err' },
    ];
    const rows = (await call('supervisor.getAllConfigInfo')) as Record<string, XmlRpcValue>[];
    expect(rows.map((r) => r.name)).toEqual(['api', 'zed']);
    expect(rows[1]).toMatchObject({ stopsignal: 9, stopwaitsecs: 5, uid: 'none', directory: 'none', stdout_logfile: 'auto', stderr_logfile: 'none', inuse: false, group_prio: 5, serverurl: 'none' });
    expect(rows[0]).toMatchObject({ uid: 1000, directory: '/srv', stdout_logfile: '/log/api.out', exitcodes: [0], stopsignal: 15, autostart: true, killasgroup: false });
    expect(Object.keys(rows[0] as object)).toHaveLength(29);
  });
});

describe('supervisor state', () => {
  it('answers the identity methods', async () => {
    expect(await call('supervisor.getAPIVersion')).toBe('3.0');
    expect(await call('supervisor.getVersion')).toBe('3.0');
    expect(await call('supervisor.getSupervisorVersion')).toBe('4.2.5');
    expect(await call('supervisor.getIdentification')).toBe('supervisor');
    expect(await call('supervisor.getPID')).toBe(4242);
    expect(await call('supervisor.getState')).toEqual({ statecode: 1, statename: 'RUNNING' });
  });

  it('faults SHUTDOWN_STATE on supervisor.* once shutdown began, while system.* still answers', async () => {
    expect(await call('supervisor.shutdown')).toBe(true);
    expect(port.calls).toEqual(['shutdown']);
    expect(await faultOf(call('supervisor.getState'))).toEqual({ code: 6, text: 'SHUTDOWN_STATE' });
    expect(await faultOf(call('supervisor.restart'))).toEqual({ code: 6, text: 'SHUTDOWN_STATE' });
    expect(await call('system.listMethods')).toContain('supervisor.getState');
  });

  it('sends stdin as UTF-8 bytes and refuses a non-string', async () => {
    expect(await call('supervisor.sendProcessStdin', 'web', 'héllo\n')).toBe(true);
    expect(port.stdin).toEqual([{ group: 'web', name: 'web', data: 'héllo\n' }]);
    expect(await faultOf(call('supervisor.sendProcessStdin', 'web', 5))).toEqual({ code: 2, text: 'INCORRECT_PARAMETERS: 5' });
  });

  it('passes remote communication events on', async () => {
    expect(await call('supervisor.sendRemoteCommEvent', 'type', 'data')).toBe(true);
    expect(port.commEvents).toEqual([{ type: 'type', data: 'data' }]);
  });
});

describe('system methods and dispatch', () => {
  it('lists the 41 methods supervisord 4.2.5 publishes, aliases included', async () => {
    const methods = (await call('system.listMethods')) as string[];
    expect(methods).toHaveLength(41);
    expect(methods).toEqual([...methods].sort());
    expect(methods).toEqual(expect.arrayContaining(['supervisor.getVersion', 'supervisor.readMainLog', 'supervisor.clearProcessLog', 'system.multicall']));
  });

  it('can call every method it lists', async () => {
    for (const method of (await call('system.listMethods')) as string[]) {
      const fault = await rpc.call(method, []).then(() => null, (e: unknown) => e);
      if (fault !== null) expect(fault, method).toBeInstanceOf(Fault);
      if (fault instanceof Fault) expect(fault.faultCode, method).not.toBe(1);
    }
  });

  it('answers methodSignature and methodHelp from supervisord’s docstrings', async () => {
    expect(await call('system.methodSignature', 'supervisor.startProcess')).toEqual(['boolean', 'string', 'boolean']);
    expect(await call('system.methodHelp', 'supervisor.getPID')).toContain('@return int PID');
    expect(await faultOf(call('system.methodHelp', 'nope'))).toEqual({ code: 4, text: 'SIGNATURE_UNSUPPORTED' });
  });

  it.each([['supervisor.nope'], ['nope.getState'], ['supervisor._private'], ['supervisor'], ['system.multicall.__init__'], ['supervisor.constructor'], ['supervisor.__proto__']])(
    'faults UNKNOWN_METHOD for %s',
    async (method) => {
      expect(await faultOf(call(method))).toEqual({ code: 1, text: 'UNKNOWN_METHOD' });
    },
  );

  it('faults a multicall whose results pass maxAnswerBytes, after running every call, holding no result past it', async () => {
    const small = createRpcMethods(port, { files: memoryFiles({}), maxAnswerBytes: 2_000 });
    const calls = Array.from({ length: 100 }, () => ({ methodName: 'supervisor.getPID', params: [] }));
    await expect(small.call('system.multicall', [calls])).rejects.toMatchObject({
      faultCode: 30,
      faultString: expect.stringMatching(/^FAILED: the answer of more than 3\d{3} bytes is over supd's limit of 2000 bytes; ask for less at a time$/),
    });
    expect(await small.call('system.multicall', [calls.slice(0, 10)])).toEqual(Array.from({ length: 10 }, () => new EncodedValue('<value><int>4242</int></value>\n')));
  });

  it('runs multicall in order, giving values as they are and faults as structs', async () => {
    expect(
      await call('system.multicall', [
        { methodName: 'supervisor.getAPIVersion', params: [] },
        { methodName: 'supervisor.getProcessInfo', params: ['nosuch'] },
        { methodName: 'system.multicall', params: [[]] },
        { params: [] },
        'junk',
      ]),
    ).toEqual([
      '3.0',
      { faultCode: 10, faultString: 'BAD_NAME: nosuch' },
      { faultCode: 2, faultString: 'INCORRECT_PARAMETERS: Recursive system.multicall forbidden' },
      { faultCode: 2, faultString: 'INCORRECT_PARAMETERS: No methodName' },
      { faultCode: 30, faultString: 'FAILED: a call must be a struct' },
    ]);
  });
});

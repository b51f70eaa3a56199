/**
 * The same XML-RPC calls, through Python's own xmlrpc.client, against the real supervisord 4.2.5
 * and against supd on the same config: every fault (code and string) and every accepted call must
 * be the same, since clients match fault strings. Only what supervisord answers with an HTTP 500
 * (a Python exception inside the method) is allowed to differ, as documented in docs/rpc.md.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSupd, type RunningSupd } from '../../support/supd-harness.js';
import { hasSupervisor, startSupervisord, supervisordSections, SYSTEM_PYTHON, type RunningSupervisord } from './real-supervisord.js';

const run = promisify(execFile);

const CONFIG = (dir: string): string => `${supervisordSections(dir)}
[program:a]
command=sleep 1000
startsecs=0
stdout_logfile=${dir}/a.out

[program:stopped]
command=sleep 1000
autostart=false
stdout_logfile=${dir}/stopped.out
`;

/** [method, ...params] in Python literal syntax, run in this order on both servers. */
const CALLS: readonly string[] = [
  // 11.5: fault strings of the log readers
  "'supervisor.readProcessStdoutLog', 'a', -5, 3",
  "'supervisor.readProcessStdoutLog', 'a', 0, -3",
  "'supervisor.readProcessStderrLog', 'a', 0, 3",
  "'supervisor.readProcessStdoutLog', 'nosuch', 0, 3",
  "'supervisor.readProcessStdoutLog', 'a', 'x', 3",
  "'supervisor.tailProcessStdoutLog', 'a', -1, 5",
  "'supervisor.tailProcessStdoutLog', 'nosuch', 0, 5",
  "'supervisor.readLog', -5, 3",
  "'supervisor.readLog', 0, -1",
  "'supervisor.readMainLog', '0', '5'",
  // 11.6: type leniency
  "'supervisor.sendRemoteCommEvent', 1, 2",
  "'supervisor.sendRemoteCommEvent', 'type', 'data'",
  "'system.methodHelp', 123",
  "'system.methodSignature', 123",
  "'system.methodHelp', 'supervisor.nosuch'",
  "'system.methodSignature', 'nosuch'",
  // 12.13: names from Object.prototype are no methods
  "'system.methodHelp', 'constructor'",
  "'system.methodSignature', 'constructor'",
  "'system.methodHelp', 'supervisor.constructor'",
  "'system.methodSignature', '__proto__'",
  "'supervisor.constructor'",
  "'supervisor.hasOwnProperty', 'x'",
  "'system.toString'",
  "'supervisor.sendProcessStdin', 'a', {'k': 1}",
  "'supervisor.sendProcessStdin', 'a', 5",
  "'supervisor.sendProcessStdin', 'stopped', 'x'",
  "'supervisor.sendProcessStdin', 'nosuch', 'x'",
  // 11.4: signal names, checked before the state, so a stopped process shows what is accepted
  ...['SIGRTMIN', 'SIGRTMAX', 'RTMIN', 'rtmax', '64', '34', 'CLD', 'SIGCLD', '0', 'hup', 'SIGIOT', 'POLL', 'SIG_DFL', '_IGN',
    'RTMIN+1', '35', '33', '32', '65', '-1', '99', 'BOGUS', ''].map((s) => `'supervisor.signalProcess', 'stopped', '${s}'`),
  "'supervisor.signalProcess', 'stopped', 15",
  "'supervisor.signalProcess', 'stopped', 64",
  "'supervisor.signalProcess', 'stopped', 35",
  "'supervisor.signalProcessGroup', 'nosuch', 'HUP'",
  "'supervisor.signalProcessGroup', 'stopped', 'BOGUS'",
  "'supervisor.signalAllProcesses', 'BOGUS'",
  // names and states
  "'supervisor.startProcess', 'a'",
  "'supervisor.startProcess', 'nosuch'",
  "'supervisor.startProcess', 'a:nosuch'",
  "'supervisor.stopProcess', 'stopped'",
  "'supervisor.startProcessGroup', 'nosuch'",
  "'supervisor.stopProcessGroup', 'nosuch'",
  "'supervisor.getProcessInfo', 'nosuch'",
  "'supervisor.addProcessGroup', 'a'",
  "'supervisor.addProcessGroup', 'nosuch'",
  "'supervisor.removeProcessGroup', 'a'",
  "'supervisor.removeProcessGroup', 'nosuch'",
  "'supervisor.clearProcessLogs', 'nosuch'",
  // leniency: Python's int(), str() and truth of arguments
  "'supervisor.readLog', 1.5, 2",
  "'supervisor.readProcessStdoutLog', 'a', 0.5, 3",
  "'supervisor.readProcessStdoutLog', 'a', '1', '3'",
  "'supervisor.stopProcessGroup', 5",
  "'supervisor.addProcessGroup', 5",
  "'supervisor.removeProcessGroup', 5",
  "'supervisor.startProcessGroup', 'a', []",
  "'supervisor.signalProcess', 'stopped', 1.5",
  "'supervisor.signalProcess', 'stopped', True",
  "'supervisor.signalAllProcesses', 0",
  "'supervisor.sendRemoteCommEvent', [1], {'a': 2}",
  "'supervisor.sendRemoteCommEvent', 1.5, True",
  "'supervisor.sendProcessStdin', 'a', [1]",
  "'supervisor.sendProcessStdin', 'a', True",
  "'supervisor.sendProcessStdin', 'a', 1.5",
  "'supervisor.sendProcessStdin', 'a', ''",
  "'system.methodHelp', [1]",
  "'system.methodSignature', 1.5",
  "'supervisor.tailProcessStdoutLog', 'a', 0, -5",
  "'supervisor.getProcessInfo', 'a:'",
  "'supervisor.getProcessInfo', ':a'",
  "'supervisor.getProcessInfo', 'a:a:a'",
  "'supervisor.getProcessInfo', 'a:*'",
  "'supervisor.signalProcess', 'a:*', 'BOGUS'",
  "'supervisor.signalProcessGroup', 'a', 'BOGUS'",
  "'system.multicall', [{'methodName': 5}]",
  "'system.multicall', [{'methodName': 'supervisor.getPID', 'params': 'x'}]",
  "'system.multicall', [{'methodName': 'supervisor.getState', 'params': {}}]",
  "'system.multicall', [{'methodName': 'supervisor.readLog', 'params': [-5, 3]}]",
  // dispatch
  "'supervisor.getState', 1",
  "'supervisor.nosuch'",
  "'supervisor._update', 'x'",
  "'nosuch.getPID'",
  "'system.multicall', [{'methodName': 'supervisor.nosuch'}, {'methodName': 'system.multicall', 'params': []}, {}, {'methodName': 'supervisor.getState', 'params': [1]}]",
];

const SCRIPT = String.raw`
import json, sys
from xmlrpc.client import Fault, ProtocolError, ServerProxy
from supervisor.xmlrpc import SupervisorTransport
url, calls = sys.argv[1], json.loads(sys.argv[2])
proxy = ServerProxy('http://127.0.0.1', transport=SupervisorTransport(None, None, url))
out = []
for text in calls:
    method, *params = eval('[' + text + ']')
    try:
        value = getattr(proxy, method)(*params)
        # A value's type, and the whole value where it is made of faults and fixed strings.
        keep = method == 'system.multicall' or (isinstance(value, list) and value and isinstance(value[0], dict) and 'status' in value[0])
        out.append(['ok', type(value).__name__] + ([value] if keep else []))
    except Fault as f:
        out.append([f.faultCode, f.faultString])
    except ProtocolError as e:
        out.append(['http', e.errcode])
print(json.dumps(out))
`;

async function answers(serverUrl: string, dir: string): Promise<Record<string, unknown>> {
  const { stdout } = await run(SYSTEM_PYTHON, ['-c', SCRIPT, serverUrl, JSON.stringify(CALLS)]);
  const results = JSON.parse(stdout.split(dir).join('DIR')) as unknown[];
  return Object.fromEntries(CALLS.map((call, i) => [call, results[i]]));
}

let supervisord: RunningSupervisord | undefined;
let supd: RunningSupd | undefined;

describe.skipIf(!hasSupervisor)('faults against the real supervisord', () => {
  beforeAll(async () => {
    [supervisord, supd] = await Promise.all([startSupervisord(CONFIG, 'a'), startSupd(CONFIG)]);
    await supd.waitForState('a', 'RUNNING');
  }, 30_000);

  afterAll(async () => {
    await Promise.all([supervisord?.stop(), supd?.stop()]);
  });

  it('answers every call with supervisord’s fault code and string, or accepts it as supervisord does', async () => {
    const reference = await answers(`unix://${join(supervisord!.dir, 'rpc.sock')}`, supervisord!.dir);
    const ours = await answers(supd!.serverUrl!, supd!.dir);
    // An HTTP 500 from supervisord is a Python exception, not an answer to copy: supd faults instead.
    const comparable = (table: Record<string, unknown>, from: Record<string, unknown>): Record<string, unknown> =>
      Object.fromEntries(Object.entries(table).filter(([call]) => JSON.stringify(from[call]) !== '["http",500]'));
    expect(comparable(ours, reference)).toEqual(comparable(reference, reference));
  }, 60_000);
});

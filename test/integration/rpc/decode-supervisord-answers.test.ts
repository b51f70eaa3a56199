/**
 * supd's XML-RPC decoder against the real supervisord 4.2.5's answers: Python's http.client posts
 * each call to supervisord's socket and hands back the raw answer and what Python's own
 * xmlrpc.client.loads made of it; supd's decoder must read the same raw bytes into the same
 * values (programs whose output holds markup characters and non-ASCII text included).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMethodResponse, type XmlRpcValue } from '../../../src/rpc/xmlrpc-codec.js';
import { hasSupervisor, startSupervisord, supervisordSections, SYSTEM_PYTHON, type RunningSupervisord } from './real-supervisord.js';

const run = promisify(execFile);

const CONFIG = (dir: string): string => `${supervisordSections(dir)}
[program:markup]
command=sh -c 'printf "a<b>&c \\"q\\" '"'"'s'"'"' ]]> \\303\\251 \\342\\230\\203\\n"; exec sleep 1000'
startsecs=0
stdout_logfile=${dir}/markup.out

${Array.from({ length: 20 }, (_, i) => `[program:p${i}]\ncommand=sleep 1000\nstartsecs=0\n`).join('\n')}
[program:stopped]
command=sleep 1000
autostart=false
`;

/** [method, ...params] in Python literal syntax. */
const CALLS: readonly string[] = [
  "'supervisor.getAllProcessInfo'",
  "'supervisor.getProcessInfo', 'stopped'",
  "'supervisor.getState'",
  "'supervisor.getSupervisorVersion'",
  "'supervisor.getAPIVersion'",
  "'supervisor.getPID'",
  "'system.listMethods'",
  "'system.methodHelp', 'supervisor.getState'",
  "'system.methodSignature', 'supervisor.readProcessStdoutLog'",
  "'supervisor.readProcessStdoutLog', 'markup', 0, 1000",
  "'supervisor.tailProcessStdoutLog', 'markup', 0, 1000",
  "'supervisor.readLog', 0, 2000",
  "'supervisor.getProcessInfo', 'nosuch'",
  "'supervisor.startProcess', 'p1'",
  "'supervisor.stopProcess', 'stopped'",
  "'system.multicall', [{'methodName': 'supervisor.getState'}, {'methodName': 'supervisor.getProcessInfo', 'params': ['nosuch']}, {'methodName': 'supervisor.getAllConfigInfo'}]",
  "'supervisor.getAllConfigInfo'",
];

/** Posts each call over the unix socket; prints per call {raw, py}: the answer as sent and as Python decoded it (JSON, faults as {fault: [code, string]}). */
const PROBE = String.raw`
import http.client, json, socket, sys, xmlrpc.client
sock_path = sys.argv[1]
class UnixConnection(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(sock_path)
def plain(v):
    if isinstance(v, dict): return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list): return [plain(x) for x in v]
    if isinstance(v, xmlrpc.client.Binary): return {'base64': list(v.data)}
    if isinstance(v, xmlrpc.client.DateTime): return {'date': v.value}
    return v
for line in sys.stdin:
    call = eval(line)
    body = xmlrpc.client.dumps(tuple(call[1:]), call[0]).encode('utf-8')
    conn = UnixConnection('localhost')
    conn.request('POST', '/RPC2', body, {'Content-Type': 'text/xml'})
    raw = conn.getresponse().read().decode('utf-8')
    conn.close()
    try:
        py = plain(xmlrpc.client.loads(raw)[0][0])
    except xmlrpc.client.Fault as f:
        py = {'fault': [f.faultCode, f.faultString]}
    print(json.dumps({'raw': raw, 'py': py}))
`;

/** supd's decoding in the form PROBE gives Python's. */
function plain(value: XmlRpcValue): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Uint8Array) return { base64: [...value] };
  if (value instanceof Date) return { date: value.toISOString() };
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v as XmlRpcValue)]));
  return value;
}

describe.skipIf(!hasSupervisor)("supd's decoder reads what supervisord 4.2.5 answers as Python does", () => {
  let supervisord: RunningSupervisord;
  let answers: { raw: string; py: unknown }[];

  beforeAll(async () => {
    supervisord = await startSupervisord(CONFIG, 'markup');
    const probe = run(SYSTEM_PYTHON, ['-c', PROBE, join(supervisord.dir, 'rpc.sock')], { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
    probe.child.stdin!.end(`${CALLS.join('\n')}\n`);
    const { stdout } = await probe;
    answers = stdout.trim().split('\n').map((l) => JSON.parse(l) as { raw: string; py: unknown });
  }, 60_000);

  afterAll(async () => {
    await supervisord?.stop();
  });

  it.each(CALLS.map((call, i) => [call, i] as const))('%s', (_call, i) => {
    const { raw, py } = answers[i]!;
    const decoded = decodeMethodResponse(raw);
    expect(decoded.isFault ? { fault: [decoded.faultCode, decoded.faultString] } : plain(decoded.value)).toEqual(py);
  });

  it('saw the markup characters and non-ASCII text of the program output', () => {
    const { raw } = answers[CALLS.indexOf("'supervisor.readProcessStdoutLog', 'markup', 0, 1000")]!;
    const decoded = decodeMethodResponse(raw);
    expect(decoded).toEqual({ isFault: false, value: 'a<b>&c "q" \'s\' ]]> é ☃\n' });
  });
});

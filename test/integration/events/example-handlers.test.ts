import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus } from '../../../src/events/bus.js';
import { EventListenerPool } from '../../../src/events/pool.js';
import type { StateTransition } from '../../../src/events/payloads.js';
import { recordingLogger, runListener, type RunningListener } from './listener-harness.js';

const EXAMPLES = resolve(import.meta.dirname, '../../../examples/event-handlers');
const NODE = process.execPath;

let listener: RunningListener | undefined;
let server: Server | undefined;
let dir: string | undefined;
afterEach(async () => {
  await listener?.stop();
  listener = undefined;
  await new Promise((done) => (server ? server.close(done) : done(undefined)));
  server = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A bus with one pool subscribed to PROCESS_STATE, as [eventlistener:x] events=PROCESS_STATE. */
function setUp() {
  const logger = recordingLogger();
  const pool = new EventListenerPool({ name: 'handler', bufferSize: 10, logger });
  const bus = new EventBus();
  bus.addPool(pool, ['PROCESS_STATE']);
  return { pool, bus, logger };
}

const t = (processName: string, from: StateTransition['from'], to: StateTransition['to'], extra: Partial<StateTransition> = {}): StateTransition => ({
  processName, groupName: processName, from, to, tries: 0, pid: 100, ...extra,
});

/** Resolves once the pool has nothing left to send and the listener is READY again. */
async function drained(pool: EventListenerPool, l: RunningListener): Promise<void> {
  await vi.waitFor(() => expect(pool.bufferedEvents()).toEqual([]), { timeout: 10_000, interval: 20 });
  await l.waitForState('READY');
}

/** Collects request bodies; `answer` builds each response body. */
function recordRequests(answer: (req: IncomingMessage, body: string) => string) {
  const requests: { url: string; headers: IncomingMessage['headers']; body: string }[] = [];
  const s = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      requests.push({ url: req.url ?? '', headers: req.headers, body });
      res.end(answer(req, body));
    });
  });
  return { server: s, requests };
}

describe('examples/event-handlers/state-log.mjs', () => {
  it('appends each state change with a timestamp, in order, and answers every event OK', async () => {
    dir = mkdtempSync(join(tmpdir(), 'supd-state-log-'));
    const file = join(dir, 'states.log');
    const { pool, bus } = setUp();
    listener = runListener(pool, 'state-log', NODE, [join(EXAMPLES, 'state-log.mjs'), file]);
    await listener.waitForState('READY');
    bus.publishTransition(t('web', 'STOPPED', 'STARTING'));
    bus.publishTransition(t('web', 'STARTING', 'RUNNING', { pid: 4242 }));
    bus.publishTransition(t('wörker☃', 'RUNNING', 'EXITED', { expected: false, pid: 77 }));
    bus.publishTransition(t('web', 'BACKOFF', 'FATAL'));
    await drained(pool, listener);
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    const stamp = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(new RegExp(`^${stamp} web:web STOPPED -> STARTING tries:0$`));
    expect(lines[1]).toMatch(new RegExp(`^${stamp} web:web STARTING -> RUNNING pid:4242$`));
    expect(lines[2]).toMatch(new RegExp(`^${stamp} wörker☃:wörker☃ RUNNING -> EXITED expected:0 pid:77$`));
    expect(lines[3]).toMatch(new RegExp(`^${stamp} web:web BACKOFF -> FATAL$`));
  });
});

describe('examples/event-handlers/crash-webhook.mjs', () => {
  it('POSTs JSON for an unexpected exit and a FATAL, and nothing for other changes', async () => {
    const hook = recordRequests(() => 'ok');
    server = hook.server;
    await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
    const { port } = server.address() as { port: number };
    const { pool, bus } = setUp();
    listener = runListener(pool, 'crash-webhook', NODE, [join(EXAMPLES, 'crash-webhook.mjs'), `http://127.0.0.1:${port}/hook`]);
    await listener.waitForState('READY');
    bus.publishTransition(t('web', 'STARTING', 'RUNNING'));
    bus.publishTransition(t('web', 'RUNNING', 'EXITED', { expected: true, pid: 5 }));
    bus.publishTransition(t('api', 'RUNNING', 'EXITED', { expected: false, pid: 6 }));
    bus.publishTransition(t('db', 'BACKOFF', 'FATAL'));
    await drained(pool, listener);
    expect(hook.requests.map((r) => [r.url, r.headers['content-type']])).toEqual([
      ['/hook', 'application/json'],
      ['/hook', 'application/json'],
    ]);
    const bodies = hook.requests.map((r) => JSON.parse(r.body));
    expect(bodies[0]).toMatchObject({ event: 'PROCESS_STATE_EXITED', processname: 'api', groupname: 'api', from_state: 'RUNNING', expected: false, pid: 6, serial: 2 });
    expect(bodies[1]).toMatchObject({ event: 'PROCESS_STATE_FATAL', processname: 'db', groupname: 'db', from_state: 'BACKOFF', serial: 3 });
    expect(bodies[1].time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});

describe('examples/event-handlers/fatal-exit.mjs', () => {
  const OK_RESPONSE =
    '<?xml version="1.0"?><methodResponse><params><param><value><boolean>1</boolean></value></param></params></methodResponse>';

  it("calls supd's supd.shutdown(1) over XML-RPC on the unix socket when a watched program goes FATAL", async () => {
    dir = mkdtempSync(join(tmpdir(), 'supd-fatal-exit-'));
    const socket = join(dir, 'supd.sock');
    const rpc = recordRequests(() => OK_RESPONSE);
    server = rpc.server;
    await new Promise<void>((done) => server!.listen(socket, done));
    const { pool, bus } = setUp();
    listener = runListener(pool, 'fatal-exit', NODE, [join(EXAMPLES, 'fatal-exit.mjs'), 'web'], {
      env: { ...process.env, SUPERVISOR_SERVER_URL: `unix://${socket}`, SUPERVISOR_USERNAME: 'user', SUPERVISOR_PASSWORD: 'pw' },
    });
    await listener.waitForState('READY');
    bus.publishTransition(t('other', 'BACKOFF', 'FATAL')); // not watched
    bus.publishTransition(t('web', 'RUNNING', 'EXITED', { expected: true })); // expected
    await drained(pool, listener);
    expect(rpc.requests).toEqual([]);
    bus.publishTransition(t('web', 'BACKOFF', 'FATAL'));
    await vi.waitFor(() => expect(rpc.requests).toHaveLength(1), { timeout: 10_000, interval: 20 });
    const [call] = rpc.requests;
    expect(call!.url).toBe('/RPC2');
    expect(call!.headers.authorization).toBe(`Basic ${Buffer.from('user:pw').toString('base64')}`);
    expect(call!.body).toContain('<methodName>supd.shutdown</methodName>');
    expect(call!.body).toContain('<int>1</int>');
    expect(listener.stderr()).toContain('fatal-exit: web:web went FATAL; shutting supd down');
  });

  it('falls back to supervisor.shutdown under the real supervisord, which has no supd.shutdown', async () => {
    dir = mkdtempSync(join(tmpdir(), 'supd-fatal-exit-'));
    const socket = join(dir, 'supd.sock');
    const UNKNOWN_METHOD =
      '<?xml version="1.0"?><methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1</int></value></member><member><name>faultString</name><value><string>UNKNOWN_METHOD</string></value></member></struct></value></fault></methodResponse>';
    const rpc = recordRequests((_req, body) => (body.includes('supd.shutdown') ? UNKNOWN_METHOD : OK_RESPONSE));
    server = rpc.server;
    await new Promise<void>((done) => server!.listen(socket, done));
    const { pool, bus } = setUp();
    listener = runListener(pool, 'fatal-exit', NODE, [join(EXAMPLES, 'fatal-exit.mjs'), 'web'], {
      env: { ...process.env, SUPERVISOR_SERVER_URL: `unix://${socket}` },
    });
    await listener.waitForState('READY');
    bus.publishTransition(t('web', 'BACKOFF', 'FATAL'));
    await vi.waitFor(() => expect(rpc.requests).toHaveLength(2), { timeout: 10_000, interval: 20 });
    expect(rpc.requests[1]!.body).toContain('<methodName>supervisor.shutdown</methodName>');
  });

  it('sends SIGTERM to its parent (supd) when there is no XML-RPC server to ask', async () => {
    const { pool, bus } = setUp();
    const env = { ...process.env };
    delete env.SUPERVISOR_SERVER_URL;
    // sh stands in for supd as the listener's parent; it runs node as a child, not via exec
    listener = runListener(pool, 'fatal-exit', 'sh', ['-c', `"${NODE}" "${join(EXAMPLES, 'fatal-exit.mjs')}" web; exit 0`], {
      env,
      detached: true,
    });
    await listener.waitForState('READY');
    bus.publishTransition(t('web', 'RUNNING', 'EXITED', { expected: false }));
    await vi.waitFor(() => expect(listener!.child.signalCode).toBe('SIGTERM'), { timeout: 10_000, interval: 20 });
    expect(listener.stderr()).toContain('SUPERVISOR_SERVER_URL is not set');
  });
});

#!/usr/bin/env node
// An event listener that shuts supd down when a program named in its arguments goes FATAL or exits
// unexpectedly (PROCESS_STATE_EXITED expected:0): for containers where one dead program means the
// container should stop and be restarted by its orchestrator. With no names, any program counts.
// A name matches a processname, a groupname, or group:process. Plain Node ESM, no dependencies.
//
//   [eventlistener:fatal-exit]
//   command=node /path/to/fatal-exit.mjs web worker
//   events=PROCESS_STATE_EXITED,PROCESS_STATE_FATAL
//
// It calls supd's supd.shutdown(EXIT_CODE) over XML-RPC at SUPERVISOR_SERVER_URL (which supd and
// supervisord give every child), with SUPERVISOR_USERNAME/SUPERVISOR_PASSWORD, as
// childutils.getRPCInterface does: supd stops every program and exits with that status (default
// 1, set FATAL_EXIT_CODE to change it), so the orchestrator sees a failed container. Under the
// real supervisord, which has no such method, it falls back to supervisor.shutdown (exit 0); if
// the server cannot be reached it sends SIGTERM to its parent. stdout is the protocol channel:
// this script talks on stderr.
import { request } from 'node:http';

const names = process.argv.slice(2);
let shuttingDown = false;

for await (const { headers, payload } of events()) {
  const fields = parseTokens(payload);
  const crashed =
    headers.eventname === 'PROCESS_STATE_FATAL' ||
    (headers.eventname === 'PROCESS_STATE_EXITED' && fields.expected === '0');
  const watched =
    names.length === 0 ||
    names.some((n) => n === fields.processname || n === fields.groupname || n === `${fields.groupname}:${fields.processname}`);
  answer('OK'); // answer first: supd should not wait on us while it shuts down
  if (crashed && watched && !shuttingDown) {
    shuttingDown = true;
    const what = headers.eventname === 'PROCESS_STATE_FATAL' ? 'went FATAL' : 'exited unexpectedly';
    process.stderr.write(`fatal-exit: ${fields.groupname}:${fields.processname} ${what}; shutting supd down\n`);
    await shutdown();
  }
}

async function shutdown() {
  const code = Number(process.env.FATAL_EXIT_CODE ?? '1');
  try {
    await xmlrpc('supd.shutdown', `<param><value><int>${code}</int></value></param>`);
    return;
  } catch (error) {
    if (!/UNKNOWN_METHOD/.test(error.message)) {
      process.stderr.write(`fatal-exit: supd.shutdown failed (${error.message}); trying supervisor.shutdown\n`);
    }
  }
  try {
    await xmlrpc('supervisor.shutdown');
    return;
  } catch (error) {
    process.stderr.write(`fatal-exit: supervisor.shutdown failed (${error.message}); sending SIGTERM to pid ${process.ppid}\n`);
  }
  process.kill(process.ppid, 'SIGTERM');
}

/** One XML-RPC call (params as XML), over http:// or unix:// as childutils' transport does. */
function xmlrpc(method, params = '') {
  const serverUrl = process.env.SUPERVISOR_SERVER_URL;
  if (!serverUrl) return Promise.reject(new Error('SUPERVISOR_SERVER_URL is not set'));
  const body = `<?xml version="1.0"?>\n<methodCall><methodName>${method}</methodName><params>${params}</params></methodCall>`;
  const target = serverUrl.startsWith('unix://')
    ? { socketPath: serverUrl.slice('unix://'.length), path: '/RPC2' }
    : (() => {
        const u = new URL(serverUrl);
        return { host: u.hostname, port: u.port || 80, path: '/RPC2' };
      })();
  const headers = { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) };
  const user = process.env.SUPERVISOR_USERNAME ?? '';
  if (user !== '') {
    const password = process.env.SUPERVISOR_PASSWORD ?? '';
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }
  return new Promise((resolve, reject) => {
    const req = request({ ...target, method: 'POST', headers, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}`));
        else if (text.includes('<fault>')) reject(new Error(`fault: ${text.replace(/\s+/g, ' ')}`));
        else resolve(text);
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

// --- the listener protocol (what src/listener.ts and Python's childutils do) -----------------

/** Says READY and yields each event: its header tokens and its payload. Ends when stdin does. */
async function* events(input = process.stdin) {
  const chunks = input[Symbol.asyncIterator]();
  let buffer = Buffer.alloc(0);
  const more = async () => {
    const next = await chunks.next();
    if (next.done) return false;
    buffer = Buffer.concat([buffer, next.value]);
    return true;
  };
  for (;;) {
    process.stdout.write('READY\n');
    let newline;
    while ((newline = buffer.indexOf(10)) === -1) if (!(await more())) return;
    const headers = parseTokens(buffer.subarray(0, newline).toString('utf8'));
    buffer = buffer.subarray(newline + 1);
    // len counts characters, as Python's len() does, so walk whole UTF-8 sequences
    let end = 0;
    for (let chars = 0; chars < Number(headers.len); chars++) {
      while (end >= buffer.length) if (!(await more())) return;
      const lead = buffer[end];
      end += lead < 0xc0 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
    }
    while (end > buffer.length) if (!(await more())) return;
    const payload = buffer.subarray(0, end).toString('utf8');
    buffer = buffer.subarray(end);
    yield { headers, payload };
  }
}

/** Answers the event: OK, or FAIL to have it sent again. */
function answer(result) {
  process.stdout.write(`RESULT ${Buffer.byteLength(result)}\n${result}`);
}

/** `a:1 b:2` (the first line only) -> { a: '1', b: '2' } */
function parseTokens(text) {
  const tokens = {};
  for (const token of text.split('\n', 1)[0].split(/\s+/).filter(Boolean)) {
    const colon = token.indexOf(':');
    tokens[token.slice(0, colon)] = token.slice(colon + 1);
  }
  return tokens;
}

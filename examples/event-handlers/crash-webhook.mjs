#!/usr/bin/env node
// An event listener that POSTs JSON to a webhook when a program crashes: exits with an exit code
// not in its exitcodes (PROCESS_STATE_EXITED expected:0), or gives up starting (FATAL). Plain
// Node ESM, no dependencies; works under supd and supervisord alike. Usage:
//
//   [eventlistener:crash-webhook]
//   command=node /path/to/crash-webhook.mjs https://hooks.example.com/supd
//   events=PROCESS_STATE_EXITED,PROCESS_STATE_FATAL
//
// The body: {"event":"PROCESS_STATE_EXITED","processname":"web","groupname":"web",
// "from_state":"RUNNING","expected":false,"pid":42,"host":"...","time":"...","serial":7}.
// A webhook that fails is tried twice more, then the event is answered OK anyway (logged to
// stderr), so a dead webhook cannot wedge supd's event buffer. stdout is the protocol channel.
import { hostname } from 'node:os';

const url = process.argv[2] ?? process.env.WEBHOOK_URL;
if (!url) {
  process.stderr.write('usage: crash-webhook.mjs URL (or WEBHOOK_URL in the environment)\n');
  process.exit(2);
}
const ATTEMPTS = 3;
const TIMEOUT_MS = 5_000;

for await (const { headers, payload } of events()) {
  const fields = parseTokens(payload);
  const crashed =
    headers.eventname === 'PROCESS_STATE_FATAL' ||
    (headers.eventname === 'PROCESS_STATE_EXITED' && fields.expected === '0');
  if (crashed) {
    const body = JSON.stringify({
      event: headers.eventname,
      processname: fields.processname,
      groupname: fields.groupname,
      from_state: fields.from_state,
      ...(fields.expected !== undefined && { expected: fields.expected === '1' }),
      ...(fields.pid !== undefined && { pid: Number(fields.pid) }),
      host: hostname(),
      time: new Date().toISOString(),
      serial: Number(headers.serial),
    });
    await post(body);
  }
  answer('OK');
}

async function post(body) {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (response.ok) return;
      process.stderr.write(`crash-webhook: ${url} answered ${response.status} (attempt ${attempt})\n`);
    } catch (error) {
      process.stderr.write(`crash-webhook: POST ${url} failed: ${error.cause?.message ?? error.message} (attempt ${attempt})\n`);
    }
    if (attempt < ATTEMPTS) await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
  }
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

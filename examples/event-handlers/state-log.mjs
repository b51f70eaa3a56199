#!/usr/bin/env node
// An event listener that appends every process state change, with a timestamp, to a file (the
// Portworx-style supervisord_event_handler). Plain Node ESM, no dependencies; works under supd
// and supervisord alike. Usage, with the log file as its only argument:
//
//   [eventlistener:state-log]
//   command=node /path/to/state-log.mjs /var/log/supd/state-changes.log
//   events=PROCESS_STATE
//
// Each line: `2024-05-01T12:00:00.000Z web:web_00 STARTING -> RUNNING pid:42`.
// stdout is the protocol channel: everything this script has to say goes to stderr.
import { appendFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: state-log.mjs LOGFILE\n');
  process.exit(2);
}

// Every line is already on disk (appendFileSync): a stop signal is a clean end, exit 0, so the
// supervisor logs "stopped: ... (exit status 0)" rather than a death by signal.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => process.exit(0));

for await (const { headers, payload } of events()) {
  if (headers.eventname.startsWith('PROCESS_STATE_')) {
    const fields = parseTokens(payload);
    const to = headers.eventname.slice('PROCESS_STATE_'.length);
    const extra = Object.entries(fields)
      .filter(([key]) => !['processname', 'groupname', 'from_state'].includes(key))
      .map(([key, value]) => ` ${key}:${value}`)
      .join('');
    const line = `${new Date().toISOString()} ${fields.groupname}:${fields.processname} ${fields.from_state} -> ${to}${extra}\n`;
    appendFileSync(file, line); // synchronous, so lines keep the order of the events
  }
  answer('OK');
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

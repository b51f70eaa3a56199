import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus } from '../../../src/events/bus.js';
import { EventListenerPool } from '../../../src/events/pool.js';
import { recordingLogger, runListener, type RunningListener } from './listener-harness.js';

const PYTHON = '/usr/bin/python3';

function importsSupervisor(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import supervisor.childutils'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// A listener as people write them for supervisord: childutils.listener.wait() reads `len`
// characters from a text stdin; each event is written to a file as JSON, then answered OK.
const CHILDUTILS_LISTENER = `
import json, sys
from supervisor import childutils
out = open(sys.argv[1], 'a', encoding='utf-8')
while True:
    headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
    out.write(json.dumps({'headers': headers, 'payload': payload}) + '\\n')
    out.flush()
    childutils.listener.ok(sys.stdout)
`;

let listener: RunningListener | undefined;
let dir: string | undefined;
afterEach(async () => {
  await listener?.stop();
  listener = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('a Python listener written with supervisor.childutils', () => {
  it('receives a PROCESS_STATE event with a non-ASCII processname intact, and the next one, and answers OK', async (ctx) => {
    ctx.skip(!importsSupervisor(), `${PYTHON} cannot import supervisor.childutils (supervisor 4.2.5 not installed)`);
    dir = mkdtempSync(join(tmpdir(), 'supd-childutils-'));
    const script = join(dir, 'listener.py');
    const received = join(dir, 'received.jsonl');
    writeFileSync(script, CHILDUTILS_LISTENER);
    const logger = recordingLogger();
    const pool = new EventListenerPool({ name: 'pylisteners', bufferSize: 10, logger });
    const bus = new EventBus();
    bus.addPool(pool, ['PROCESS_STATE']);
    listener = runListener(pool, 'pylistener', PYTHON, [script, received]);
    await listener.waitForState('READY');

    // 'é' is 2 bytes, '☃' 3 and '😀' 4 (and 2 JavaScript units): a byte or UTF-16 count of len
    // would make childutils read past this payload into the next event's header, or stop short.
    const name = 'café☃😀';
    bus.publishTransition({ processName: name, groupName: 'app', from: 'RUNNING', to: 'EXITED', expected: false, tries: 0, pid: 4242 });
    bus.publishTransition({ processName: name, groupName: 'app', from: 'EXITED', to: 'STARTING', tries: 0, pid: 0 });

    await vi.waitFor(
      () => {
        const lines = readFileSync(received, 'utf8').trim().split('\n').filter(Boolean);
        if (lines.length < 2) throw new Error(`received ${lines.length} events; stderr:\n${listener!.stderr()}`);
      },
      { timeout: 10_000, interval: 20 },
    );
    await listener.waitForState('READY');
    const events = readFileSync(received, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(events).toEqual([
      {
        headers: {
          ver: '3.0', server: 'supervisor', serial: '0', pool: 'pylisteners', poolserial: '0',
          eventname: 'PROCESS_STATE_EXITED', len: '71',
        },
        payload: `processname:${name} groupname:app from_state:RUNNING expected:0 pid:4242`,
      },
      {
        headers: {
          ver: '3.0', server: 'supervisor', serial: '1', pool: 'pylisteners', poolserial: '1',
          eventname: 'PROCESS_STATE_STARTING', len: '58',
        },
        payload: `processname:${name} groupname:app from_state:EXITED tries:0`,
      },
    ]);
    expect(pool.bufferedEvents()).toEqual([]);
    expect(logger.lines.filter((l) => l.startsWith('warn') || l.startsWith('error'))).toEqual([]);
  });
});

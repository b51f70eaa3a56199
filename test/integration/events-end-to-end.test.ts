import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeTempDir, NODE, puppetProgram, REPO, startSupd, waitForFileMatching, type RunningSupd } from '../support/supd-harness.js';

const EXAMPLES = join(REPO, 'examples/event-handlers');
const hasChildutils = spawnSync('/usr/bin/python3', ['-c', 'import supervisor.childutils'], { stdio: 'ignore' }).status === 0;

let supd: RunningSupd | undefined;
afterEach(async () => {
  await supd?.stop();
  supd = undefined;
});


/**
 * A listener written with Debian's supervisor.childutils that appends, per event, its name, the
 * processname, the from_state where there is one, and the repr of the event's data.
 */
function writeChildutilsListener(dir: string, record: string): string {
  const listener = join(dir, 'listener.py');
  writeFileSync(
    listener,
    [
      'import sys',
      'from supervisor import childutils',
      'while True:',
      '    headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)',
      '    fields, data = childutils.eventdata(payload if "\\n" in payload else payload + "\\n")',
      '    words = [headers["eventname"], fields.get("processname"), fields.get("from_state")]',
      `    with open(${JSON.stringify(record)}, "a") as f:`,
      '        f.write("%s %r\\n" % (" ".join(w for w in words if w), data))',
      '    childutils.listener.ok(sys.stdout)',
      '',
    ].join('\n'),
  );
  return listener;
}

describe('event listeners run by supd', () => {
  it.skipIf(!hasChildutils)(
    `a supervisor.childutils listener (Debian's, /usr/bin/python3) receives supd's PROCESS_STATE events${hasChildutils ? '' : ' (skipped: python3 cannot import supervisor.childutils; install Debian supervisor)'}`,
    async () => {
      const dir = makeTempDir();
      const record = join(dir, 'events.txt');
      const listener = writeChildutilsListener(dir, record);
      supd = await startSupd(
        `[eventlistener:recorder]\ncommand=/usr/bin/python3 ${listener}\nevents=PROCESS_STATE\n` +
          puppetProgram('web', '', 'startsecs=1'),
        { dir },
      );
      const text = await waitForFileMatching(record, /PROCESS_STATE_RUNNING web STARTING/);
      expect(text).toContain('PROCESS_STATE_STARTING web STOPPED');
    },
  );

  it.skipIf(!hasChildutils)('a program with stdout_events_enabled sends its output as PROCESS_LOG_STDOUT events', async () => {
    const dir = makeTempDir();
    const record = join(dir, 'log-events.txt');
    const listener = writeChildutilsListener(dir, record);
    supd = await startSupd(
      `[eventlistener:logs]\ncommand=/usr/bin/python3 ${listener}\nevents=PROCESS_LOG\n` +
        puppetProgram('talker', '--stdout-lines=2', 'startsecs=0\nstdout_events_enabled=true'),
      { dir },
    );
    const text = await waitForFileMatching(record, /stdout line 2/);
    expect(text).toMatch(/^PROCESS_LOG_STDOUT talker '.*stdout line 1/m);
  });

  it('examples/event-handlers/fatal-exit.mjs stops supd with a non-zero exit when a watched program goes FATAL', async () => {
    const dir = makeTempDir();
    supd = await startSupd(
      `[unix_http_server]\nfile=${dir}/supd.sock\n` +
        `[eventlistener:fatal-exit]\ncommand=${NODE} ${join(EXAMPLES, 'fatal-exit.mjs')} doomed\nevents=PROCESS_STATE_FATAL,PROCESS_STATE_EXITED\n` +
        puppetProgram('doomed', '--exit-after-ms=50 --code=1', 'startsecs=5\nstartretries=0') +
        puppetProgram('bystander', '', 'startsecs=0'),
      { dir },
    );
    await supd.waitForLog(/^gave up: doomed entered FATAL state/);
    expect(await supd.exited).toBe(1);
    await supd.waitForLog(/^stopped: bystander/);
  });

  it('examples/event-handlers/state-log.mjs records every state change of the programs', async () => {
    const dir = makeTempDir();
    const record = join(dir, 'states.log');
    supd = await startSupd(
      `[eventlistener:recorder]\ncommand=${NODE} ${join(EXAMPLES, 'state-log.mjs')} ${record}\nevents=PROCESS_STATE\n` +
        puppetProgram('web', '--exit-after-ms=1500 --code=3', 'startsecs=1\nautorestart=false'),
      { dir },
    );
    const text = await waitForFileMatching(record, /web:web RUNNING -> EXITED/);
    expect(text).toMatch(/web:web STOPPED -> STARTING/);
    expect(text).toMatch(/web:web STARTING -> RUNNING pid:\d+/);
  });
});

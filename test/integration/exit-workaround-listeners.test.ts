/**
 * Before shutdown_on, containers ended supervisord from an event listener that signals it through
 * its pidfile when a program goes FATAL or EXITED (ddev's kill_supervisor.py, mailcow's
 * stop-supervisor.sh, continuouspipe's kill_supervisord_upon_fatal_process_state.py; see
 * /work/shared/configs). Those listeners must keep working unchanged under supd.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { puppetProgram, startSupd, type RunningSupd } from '../support/supd-harness.js';

let supd: RunningSupd | undefined;
afterEach(async () => {
  await supd?.stop();
  supd = undefined;
});

const hasChildutils = spawnSync('/usr/bin/python3', ['-c', 'import supervisor.childutils'], { stdio: 'ignore' }).status === 0;

/** mailcow's stop-supervisor.sh: READY, then SIGQUIT to the pidfile's pid on the first event. */
function mailcowListener(dir: string): string {
  const script = join(dir, 'stop-supervisor.sh');
  writeFileSync(script, `#!/bin/sh\nprintf "READY\\n"\nwhile read line; do\n  echo "Processing Event: $line" >&2\n  kill -3 $(cat "${dir}/supd.pid")\ndone < /dev/stdin\n`, {
    mode: 0o755,
  });
  return `[eventlistener:processes]\ncommand=${script}\nevents=PROCESS_STATE_STOPPED, PROCESS_STATE_EXITED, PROCESS_STATE_FATAL\n`;
}

/** ddev's kill_supervisor.py: childutils protocol, SIGQUIT through the pidfile on FATAL/EXITED. */
function ddevListener(dir: string): string {
  const script = join(dir, 'kill_supervisor.py');
  writeFileSync(
    script,
    `#!/usr/bin/python3
import os, signal, sys
from supervisor import childutils
while True:
    headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
    childutils.listener.ok(sys.stdout)
    with open(${JSON.stringify(join(dir, 'supd.pid'))}) as f:
        os.kill(int(f.readline()), signal.SIGQUIT)
`,
    { mode: 0o755 },
  );
  return `[eventlistener:child_exit_monitor]\ncommand=${script}\nprocess_name=child_exit_monitor\nevents=PROCESS_STATE_FATAL,PROCESS_STATE_EXITED\n`;
}

function config(dir: string, listener: (dir: string) => string): string {
  return (
    `[supervisord]\nlogfile=${dir}/supd.log\npidfile=${dir}/supd.pid\n` +
    listener(dir) +
    puppetProgram('crashing', '--exit-after-ms=10 --code=1', 'startsecs=5\nstartretries=1') +
    puppetProgram('sidecar', '', 'startsecs=0')
  );
}

describe("supervisord's exit-the-container listeners", () => {
  it("mailcow's shell listener ends supd through its pidfile when a program goes FATAL; supd stops everything and exits 0", async () => {
    supd = await startSupd((dir) => config(dir, mailcowListener));
    expect(await supd.exited).toBe(0);
    const messages = supd.records.map((r) => r.msg);
    expect(messages).toContain('received SIGQUIT indicating exit request');
    expect(messages.filter((m) => /^stopped: sidecar /.test(m))).toHaveLength(1);
  }, 30_000);

  it.skipIf(!hasChildutils)(`ddev's childutils listener does the same${hasChildutils ? '' : " (skipped: python3 supervisor.childutils missing)"}`, async () => {
    supd = await startSupd((dir) => config(dir, ddevListener));
    expect(await supd.exited).toBe(0);
    const messages = supd.records.map((r) => r.msg);
    expect(messages).toContain('received SIGQUIT indicating exit request');
    expect(messages).toContainEqual(expect.stringMatching(/^gave up: crashing entered FATAL state/));
  }, 30_000);
});

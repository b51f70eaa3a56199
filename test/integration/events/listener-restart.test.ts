/**
 * A listener that exits is restarted, and its pool keeps it: the event it had not answered is
 * delivered again to the new process, and every later event reaches it too. The old process's
 * stdout can close after the new process registered; that close must not drop the new one.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeTempDir, startSupd, waitForFileMatching, type RunningSupd } from '../../support/supd-harness.js';

let supd: RunningSupd | undefined;
afterEach(async () => {
  await supd?.stop();
  supd = undefined;
});

/**
 * A raw-protocol listener: records `run N got DATA` per event; in its first run it handles the
 * first event as `firstRun` says: 'die-busy' exits without answering, 'exit-after-ok' answers OK
 * and then exits. Before exiting it leaves a `sleep 3` holding its stdout, so the pipe closes
 * only after supd has restarted it (the order that dropped the new process from its pool).
 */
function writeListener(dir: string, firstRun: 'die-busy' | 'exit-after-ok'): string {
  const file = join(dir, 'listener.py');
  writeFileSync(
    file,
    String.raw`import os, subprocess, sys
runs = os.path.join(${JSON.stringify(dir)}, 'runs')
with open(runs, 'a') as f: f.write('x')
run = os.path.getsize(runs)
def hold_stdout():
    sleeper = subprocess.Popen(['sleep', '3'])
    with open(os.path.join(${JSON.stringify(dir)}, 'holder'), 'w') as f: f.write(str(sleeper.pid))
while True:
    sys.stdout.write('READY\n'); sys.stdout.flush()
    header = dict(w.split(':', 1) for w in sys.stdin.readline().split())
    payload = sys.stdin.read(int(header['len']))
    data = payload.split('\n', 1)[1]
    with open(os.path.join(${JSON.stringify(dir)}, 'record'), 'a') as f: f.write('run %d got %s\n' % (run, data))
    if run == 1 and ${JSON.stringify(firstRun)} == 'die-busy':
        hold_stdout(); sys.exit(1)
    sys.stdout.write('RESULT 2\nOK'); sys.stdout.flush()
    if run == 1:
        hold_stdout(); sys.exit(0)
`,
  );
  return file;
}

/** Waits until the first run's `sleep` has exited, so its copy of the stdout pipe is closed. */
async function waitForHolderGone(dir: string): Promise<void> {
  await vi.waitFor(
    () => {
      const pid = Number(readFileSync(join(dir, 'holder'), 'utf8'));
      expect(() => process.kill(pid, 0)).toThrow();
    },
    { timeout: 10_000, interval: 50 },
  );
}

async function startWith(firstRun: 'die-busy' | 'exit-after-ok'): Promise<{ supd: RunningSupd; record: string }> {
  const dir = makeTempDir();
  const listener = writeListener(dir, firstRun);
  const running = await startSupd(
    `[unix_http_server]\nfile=${dir}/supd.sock\n` +
      `[eventlistener:l]\ncommand=/usr/bin/python3 ${listener}\nevents=REMOTE_COMMUNICATION\nstartsecs=0\nautorestart=true\n`,
    { dir },
  );
  await running.waitForState('l', 'RUNNING');
  return { supd: running, record: join(dir, 'record') };
}

describe('a restarted event listener', () => {
  it('gets again the event it died on while BUSY, and every later event', async () => {
    let record: string;
    ({ supd, record } = await startWith('die-busy'));
    await supd.rpc('supervisor.sendRemoteCommEvent', 't', 'first');
    await waitForFileMatching(record, /^run 2 got first$/m);
    await supd.waitForState('l', 'RUNNING');
    await waitForHolderGone(supd.dir);
    for (const data of ['second', 'third']) await supd.rpc('supervisor.sendRemoteCommEvent', 't', data);
    const text = await waitForFileMatching(record, /^run 2 got third$/m);
    expect(text).toEqual('run 1 got first\nrun 2 got first\nrun 2 got second\nrun 2 got third\n');
  }, 30_000);

  it('gets every event after its first process exited once it had answered OK', async () => {
    let record: string;
    ({ supd, record } = await startWith('exit-after-ok'));
    await supd.rpc('supervisor.sendRemoteCommEvent', 't', 'first');
    await waitForFileMatching(record, /^run 1 got first$/m);
    await supd.waitForLog(/exited: l \(exit status 0; expected\)/);
    await supd.waitForState('l', 'RUNNING');
    await waitForHolderGone(supd.dir);
    for (const data of ['second', 'third']) await supd.rpc('supervisor.sendRemoteCommEvent', 't', data);
    const text = await waitForFileMatching(record, /^run 2 got third$/m);
    expect(text).toEqual('run 1 got first\nrun 2 got second\nrun 2 got third\n');
  }, 30_000);
});

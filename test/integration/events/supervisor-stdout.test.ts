/**
 * The supervisor-stdout plugin's way of relaying program output, run by supd: a PROCESS_LOG
 * listener that echoes each event back as its RESULT, and `result_handler =
 * supervisor_stdout:event_handler`, which supd runs natively (supervisord imports the Python). The
 * listener here is written as the plugin is, in a module of the same name, with the same protocol.
 * Also: a listener that rejects every event cannot make supd spin.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, puppetProgram, startSupd, waitForFileMatching, type RunningSupd } from '../../support/supd-harness.js';

let supd: RunningSupd | undefined;
afterEach(async () => {
  await supd?.stop();
  supd = undefined;
});

const PLUGIN = String.raw`import sys

def write_stdout(s):
    sys.stdout.write(s)
    sys.stdout.flush()

def main():
    while 1:
        write_stdout('READY\n')
        line = sys.stdin.readline()
        headers = dict([ x.split(':') for x in line.split() ])
        data = sys.stdin.read(int(headers['len']))
        write_stdout('RESULT %s\n%s'%(len(data), data))

def event_handler(event, response):
    line, data = response.split('\n', 1)
    headers = dict([ x.split(':') for x in line.split() ])
    lines = data.split('\n')
    prefix = '%s %s | '%(headers['processname'], headers['channel'])
    print('\n'.join([ prefix + l for l in lines ]))
`;

/** CPU seconds (user + system) a process has used, from /proc/PID/stat. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

describe('supervisor-stdout', () => {
  it('relays each line of a program as NAME CHANNEL | line on supd’s stdout', async () => {
    const dir = makeTempDir();
    writeFileSync(join(dir, 'supervisor_stdout.py'), PLUGIN);
    supd = await startSupd(
      `[eventlistener:stdout]\ncommand=/usr/bin/python3 -c "import supervisor_stdout; supervisor_stdout.main()"\n` +
        `directory=${dir}\nbuffer_size=100\nevents=PROCESS_LOG\nresult_handler=supervisor_stdout:event_handler\n` +
        puppetProgram('talker', '--stdout-lines=3 --stderr-lines=1', 'startsecs=0\nautorestart=false\nstdout_events_enabled=true\nstderr_events_enabled=true'),
      { dir },
    );
    await supd.waitForLog(/^talker stdout \| stdout line 3/);
    await supd.waitForLog(/^talker stderr \| stderr line 1/);
    expect(supd.records.filter((r) => /event was rejected|event caused an error/.test(r.msg))).toEqual([]);
  }, 30_000);

  it('refuses a result_handler supd cannot run, naming file, line and value', async () => {
    const dir = makeTempDir();
    const conf = join(dir, 'bad.conf');
    writeFileSync(conf, `[supervisord]\n[eventlistener:x]\ncommand=cat\nevents=TICK_5\nresult_handler=mypkg.handlers:judge\n`);
    const { spawnSync } = await import('node:child_process');
    const { NODE, SUPD } = await import('../../support/supd-harness.js');
    const check = spawnSync(NODE, [SUPD, '-c', conf, '--check'], { encoding: 'utf8' });
    expect({ code: check.status, out: check.stdout + check.stderr }).toMatchObject({
      code: 2,
      out: expect.stringContaining(`${conf}:5: [eventlistener:x] result_handler=mypkg.handlers:judge: supd cannot import Python result handlers`),
    });
  });

  it('does not spin while a listener rejects every event: CPU near zero, one warning for the run', async () => {
    const dir = makeTempDir();
    const listener = join(dir, 'rejecter.py');
    writeFileSync(
      listener,
      String.raw`import os, sys
count = 0
while True:
    sys.stdout.write('READY\n'); sys.stdout.flush()
    header = dict(w.split(':', 1) for w in sys.stdin.readline().split())
    sys.stdin.read(int(header['len']))
    count += 1
    with open(os.path.join(${JSON.stringify(dir)}, 'count'), 'w') as f: f.write(str(count))
    sys.stdout.write('RESULT 4\nFAIL'); sys.stdout.flush()
`,
    );
    supd = await startSupd(
      `[unix_http_server]\nfile=${dir}/supd.sock\n[eventlistener:rejecter]\ncommand=/usr/bin/python3 ${listener}\nevents=REMOTE_COMMUNICATION\nstartsecs=0\n`,
      { dir },
    );
    await supd.waitForState('rejecter', 'RUNNING');
    const before = cpuSeconds(supd.pid);
    await supd.rpc('supervisor.sendRemoteCommEvent', 't', 'd');
    // Eight redeliveries take 10+20+...+640 ms + 1 s: about 2.3 s of rejections.
    await waitForFileMatching(join(dir, 'count'), /^(9|\d\d+)$/);
    const used = cpuSeconds(supd.pid) - before;
    expect(used).toBeLessThan(0.5);
    expect(supd.records.filter((r) => /event was rejected/.test(r.msg)).map((r) => r.msg)).toEqual(['rejecter: event was rejected']);
  }, 30_000);
});

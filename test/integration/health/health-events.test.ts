/**
 * PROCESS_HEALTH_* end to end: a supervisor.childutils listener (Debian's Python) that names
 * PROCESS_HEALTH receives them, parsed as supervisord's own events are; one subscribed to EVENT
 * receives none of them, so existing listeners see exactly what supervisord sends.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, NODE, PUPPET, startSupd, waitForFileMatching, type RunningSupd } from '../../support/supd-harness.js';

const hasChildutils = spawnSync('/usr/bin/python3', ['-c', 'import supervisor.childutils'], { stdio: 'ignore' }).status === 0;

let supd: RunningSupd | undefined;
afterEach(async () => {
  await supd?.stop();
  supd = undefined;
});

function writeListener(dir: string, name: string, record: string): string {
  const file = join(dir, `${name}.py`);
  writeFileSync(
    file,
    [
      'import sys',
      'from supervisor import childutils',
      'while True:',
      '    headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)',
      '    fields, data = childutils.eventdata(payload if "\\n" in payload else payload + "\\n")',
      `    with open(${JSON.stringify(record)}, "a") as f:`,
      '        f.write("%s %s failures:%s %r\\n" % (headers["eventname"], fields.get("processname"), fields.get("failures"), data))',
      '    childutils.listener.ok(sys.stdout)',
      '',
    ].join('\n'),
  );
  return file;
}

describe('PROCESS_HEALTH events', () => {
  it.skipIf(!hasChildutils)('go to a listener that names PROCESS_HEALTH, and not to one subscribed to EVENT', async () => {
    const dir = makeTempDir();
    const health = join(dir, 'health.txt');
    const all = join(dir, 'all.txt');
    supd = await startSupd(
      `[eventlistener:health]\ncommand=/usr/bin/python3 ${writeListener(dir, 'health', health)}\nevents=PROCESS_HEALTH\n` +
        `[eventlistener:all]\ncommand=/usr/bin/python3 ${writeListener(dir, 'all', all)}\nevents=EVENT\n` +
        `[program:app]\ncommand=${NODE} ${PUPPET}\nstartsecs=0\nhealthcheck_tcp=127.0.0.1:1\nhealthcheck_interval=0.2\nhealthcheck_timeout=0.1\nhealthcheck_retries=2\nhealthcheck_action=none\n`,
      { dir },
    );
    const text = await waitForFileMatching(health, /^PROCESS_HEALTH_UNHEALTHY app failures:2 /m, 15_000);
    expect(text).toMatch(/^PROCESS_HEALTH_UNHEALTHY app failures:2 'connect ECONNREFUSED 127\.0\.0\.1:1'$/m);
    await waitForFileMatching(all, /PROCESS_STATE_RUNNING app/);
    expect(readFileSync(all, 'utf8')).not.toContain('PROCESS_HEALTH');
  });
});

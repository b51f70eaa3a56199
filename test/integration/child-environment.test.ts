import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeTempDir, puppetProgram, startSupd, waitForFileMatching, type RunningSupd } from '../support/supd-harness.js';

let supd: RunningSupd | undefined;
afterEach(async () => {
  await supd?.stop();
  supd = undefined;
});


const isRoot = process.getuid?.() === 0;

describe('what a child gets', () => {
  it("supd's environment, the program's environment= and supervisord's SUPERVISOR_* variables", async () => {
    const dir = makeTempDir();
    const out = join(dir, 'env.log');
    supd = await startSupd(
      puppetProgram(
        'envy',
        '--print-env=SUPERVISOR_ENABLED,SUPERVISOR_PROCESS_NAME,SUPERVISOR_GROUP_NAME,SUPERVISOR_SERVER_URL,FROM_SUPD,FOO,MULTI',
        `environment=FOO="bar,baz",\n  MULTI=line2\nstdout_logfile=${out}\nstartsecs=0`,
      ) + `[unix_http_server]\nfile=${dir}/supd.sock\n`,
      { dir, env: { FROM_SUPD: 'inherited' } },
    );
    const text = await waitForFileMatching(out, /env MULTI=/);
    expect(text).toContain('env SUPERVISOR_ENABLED=1');
    expect(text).toContain('env SUPERVISOR_PROCESS_NAME=envy');
    expect(text).toContain('env SUPERVISOR_GROUP_NAME=envy');
    expect(text).toContain(`env SUPERVISOR_SERVER_URL=unix://${dir}/supd.sock`);
    expect(text).toContain('env FROM_SUPD=inherited');
    expect(text).toContain('env FOO=bar,baz');
    expect(text).toContain('env MULTI=line2');
  });

  it('directory= and umask= apply to the child only', async () => {
    const dir = makeTempDir();
    const out = join(dir, 'cwd.log');
    supd = await startSupd(puppetProgram('placed', '--print-cwd --print-umask', `directory=/tmp\numask=077\nstdout_logfile=${out}`), {
      dir,
    });
    const text = await waitForFileMatching(out, /umask \d+/);
    expect(text).toContain('cwd /tmp');
    expect(text).toContain('umask 0077');
    // supd itself keeps its own directory: the child's relative log path was resolved in supd's.
    expect(supd.records.map((r) => r.msg)).toContainEqual(expect.stringMatching(/^spawned: /));
  });

  it.skipIf(!isRoot)(`user= switches uid and gid and sets HOME, USER and LOGNAME${isRoot ? '' : ' (needs root)'}`, async () => {
    const dir = makeTempDir();
    const out = join(dir, 'user.log');
    supd = await startSupd(
      puppetProgram('nobodyish', '--print-ids --print-env=HOME,USER,LOGNAME', `user=nobody\nstdout_logfile=${out}\ndirectory=/`),
      { dir },
    );
    const text = await waitForFileMatching(out, /env LOGNAME=/);
    expect(text).toMatch(/ids uid=65534 gid=65534/);
    expect(text).toContain('env USER=nobody');
    expect(text).toContain('env LOGNAME=nobody');
    expect(text).toContain('env HOME=/nonexistent');
  });

  it('an unknown user= is a spawn error naming the user, and the program ends FATAL', async () => {
    supd = await startSupd(puppetProgram('ghostuser', '', 'user=no-such-user-here\nstartretries=0'));
    await supd.waitForLog(/^spawnerr: .*no-such-user-here/);
    await supd.waitForLog(/^gave up: ghostuser entered FATAL state/);
  });

  it('a directory= that does not exist is a spawn error naming it', async () => {
    supd = await startSupd(puppetProgram('lost', '', 'directory=/no/such/dir\nstartretries=0'));
    await supd.waitForLog(/^spawnerr: couldn't chdir to \/no\/such\/dir/);
  });
});

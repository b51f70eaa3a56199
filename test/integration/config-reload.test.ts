/**
 * A config the loader refuses, or once threw on, never ends supd: at start and in --check it is
 * exit 2 with file, line and key; on SIGHUP, supervisor.reloadConfig and supervisor.restart the
 * running config stays, programs keep running, and the error is logged or answered.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Fault } from '../../src/rpc/faults.js';
import { liveness, makeTempDir, NODE, PUPPET, startSupd, SUPD, type RunningSupd } from '../support/supd-harness.js';

let supd: RunningSupd | undefined;
afterEach(async () => {
  await supd?.stop();
  supd = undefined;
});

function check(file: string) {
  const r = spawnSync(NODE, [SUPD, '--check', '-c', file], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stderr: r.stderr };
}

// Flush-left on purpose: an indented line continues the previous value in this dialect.
const BAD_PROGRAM = `
[program:new]
command=echo %(process_num)999999999d
`;

async function startWeb(): Promise<RunningSupd> {
  return startSupd(
    (dir) => `[unix_http_server]
file=${dir}/rpc.sock
[program:web]
command=${NODE} ${PUPPET} --ready
startsecs=0
`,
  );
}

describe('a config the loader refuses', () => {
  it('makes --check exit 2 naming file, line and key, for a width Python would build and supd will not', () => {
    const file = join(makeTempDir(), 'supd.conf');
    writeFileSync(file, `[supervisord]\n${BAD_PROGRAM}`);
    expect(check(file)).toEqual({
      code: 2,
      stderr: `supd: ${file}:4: [program:new] command=echo %(process_num)999999999d: %(process_num)d: expands to more than 4 MiB, the most supd accepts in one value\n`,
    });
  });

  it('makes --check exit 2 for an [include] of /dev/zero or a FIFO, without reading them', () => {
    const dir = makeTempDir();
    execFileSync('mkfifo', [join(dir, 'fifo.conf')]);
    const file = join(dir, 'supd.conf');
    writeFileSync(file, `[supervisord]\n[include]\nfiles=/dev/zero ${dir}/fifo.conf\n`);
    const { code, stderr } = check(file);
    expect({ code, lines: stderr.trim().split('\n') }).toEqual({
      code: 2,
      lines: [
        `supd: ${file}:3: [include] files=/dev/zero ${dir}/fifo.conf: cannot read included file /dev/zero: is a character device, not a regular file`,
        `supd: ${file}:3: [include] files=/dev/zero ${dir}/fifo.conf: cannot read included file ${dir}/fifo.conf: is a FIFO, not a regular file`,
      ],
    });
  });

  it('on SIGHUP keeps the running config and its programs, and logs why', async () => {
    supd = await startWeb();
    const web = await supd.waitForState('web', 'RUNNING');
    appendFileSync(supd.configPath, `${BAD_PROGRAM}[include]\nfiles=/dev/zero\n`);
    const seen = supd.records.length;
    supd.signal('SIGHUP');
    await supd.waitForLog(/\[program:new\] command=.*expands to more than 4 MiB/, { after: seen });
    await supd.waitForLog(/cannot read included file \/dev\/zero: is a character device/, { after: seen });
    await supd.waitForLog(/the running configuration is kept/, { after: seen });
    expect(await supd.waitForState('web', 'RUNNING')).toMatchObject({ pid: web.pid });
    expect(liveness(supd.pid)).toMatchObject({ alive: true });
  });

  it('answers reloadConfig with CANT_REREAD and the error, and supervisor.restart keeps the old config', async () => {
    supd = await startWeb();
    const web = await supd.waitForState('web', 'RUNNING');
    appendFileSync(supd.configPath, BAD_PROGRAM);
    const fault = await supd.rpc('supervisor.reloadConfig').then(
      () => null,
      (e: unknown) => e,
    );
    expect(fault).toBeInstanceOf(Fault);
    expect((fault as Fault).faultString).toMatch(/^CANT_REREAD: .*supd\.conf:\d+: \[program:new\] command=.*: %\(process_num\)d: expands to more than 4 MiB/);
    const seen = supd.records.length;
    expect(await supd.rpc('supervisor.restart')).toBe(true);
    await supd.waitForLog(/restarted/, { after: seen, timeout: 20_000 });
    const again = await supd.waitForState('web', 'RUNNING', { otherThanPid: web.pid });
    expect(again.name).toBe('web');
    expect(liveness(supd.pid)).toMatchObject({ alive: true });
  });
});

describe('a config at start', () => {
  it('with chown= of an unknown user exits 2 with a config error, no stack trace, and --check agrees', () => {
    const dir = makeTempDir();
    const file = join(dir, 'supd.conf');
    writeFileSync(file, `[supervisord]\nlogfile=${dir}/supd.log\n[unix_http_server]\nfile=${dir}/s.sock\nchown=nosuchuser\n`);
    const expected = `supd: ${file}:5: [unix_http_server] chown=nosuchuser: invalid chown value: Can't find username 'nosuchuser'\n`;
    const started = spawnSync(NODE, [SUPD, '-c', file], { encoding: 'utf8', timeout: 20_000 });
    expect({ code: started.status, stderr: started.stderr }).toEqual({ code: 2, stderr: expected });
    expect(check(file)).toEqual({ code: 2, stderr: expected });
  });

  it('prints each warning once, in supd’s log, not also on stderr', async () => {
    supd = await startSupd(`[program:web]\ncommand=${NODE} ${PUPPET} --ready\nbogus_key=1\n`);
    await supd.waitForLog(/spawned: 'web'/);
    const log = supd.records.map((r) => r.msg).join('\n');
    const everything = `${log}\n${supd.stderr()}`;
    expect(everything.match(/unknown key 'bogus_key'/g)).toEqual(["unknown key 'bogus_key'"]);
  });
});

describe('getAllConfigInfo after a reread', () => {
  it("shows 'auto' for AUTO logs, as supervisord lists the config it read, and resolved paths before", async () => {
    supd = await startWeb();
    await supd.waitForState('web', 'RUNNING');
    const logsOf = async () =>
      ((await supd!.rpc('supervisor.getAllConfigInfo')) as Record<string, unknown>[]).map((c) => [c['stdout_logfile'], c['stderr_logfile']]);
    expect(await logsOf()).toEqual([[expect.stringMatching(/^\/.*web-stdout.*\.log$/), expect.stringMatching(/^\/.*web-stderr.*\.log$/)]]);
    await supd.rpc('supervisor.reloadConfig');
    expect(await logsOf()).toEqual([['auto', 'auto']]);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { liveness, NODE, PUPPET, puppetProgram, startSupd, waitForFileMatching, type RunningSupd } from '../support/supd-harness.js';

let supd: RunningSupd | undefined;
afterEach(async () => {
  await supd?.stop();
  supd = undefined;
});


describe('starting and restarting', () => {
  it('restarts a program that exits unexpectedly after startsecs, under a new pid', async () => {
    supd = await startSupd(puppetProgram('web', '--exit-after-ms=1500 --code=3', 'startsecs=1'));
    const first = await supd.waitForLog(/^spawned: 'web' with pid (\d+)$/);
    await supd.waitForLog(/^success: web entered RUNNING state/);
    await supd.waitForLog(/^exited: web \(exit status 3; not expected\)$/);
    const second = await supd.waitForLog(/^spawned: 'web' with pid (\d+)$/, { after: supd.records.findIndex((r) => r.msg.startsWith('exited: web')) });
    expect(second[1]).not.toBe(first[1]);
  });

  it('does not restart a program whose exit code is in exitcodes', async () => {
    supd = await startSupd(puppetProgram('once', '--exit-after-ms=1200 --code=0', 'startsecs=1'));
    await supd.waitForLog(/^exited: once \(exit status 0; expected\)$/);
    // supd logs its next spawn before anything else it does for this program; the stop shows none came.
    await supd.stop();
    expect(supd.childPids()).toHaveLength(1);
  });

  it('retries a program that dies before startsecs, then gives up with FATAL', async () => {
    supd = await startSupd(puppetProgram('flaky', '--exit-after-ms=10 --code=1', 'startsecs=5\nstartretries=2'));
    await supd.waitForLog(/^gave up: flaky entered FATAL state, too many start retries too quickly$/, { timeout: 15_000 });
    expect(supd.childPids()).toHaveLength(3); // the first try and two retries
  });

  it('reports a missing command as a spawn error and ends FATAL', async () => {
    supd = await startSupd('[program:ghost]\ncommand=no-such-command-anywhere --flag\nstartretries=0\n');
    await supd.waitForLog(/^spawnerr: can't find command 'no-such-command-anywhere' \(process '[^']+'\)$/);
    await supd.waitForLog(/^gave up: ghost entered FATAL state/);
  });

  it('starts autostart programs in priority order and leaves autostart=false alone', async () => {
    supd = await startSupd(
      puppetProgram('third', '', 'priority=300') +
        puppetProgram('first', '', 'priority=100') +
        puppetProgram('manual', '', 'autostart=false\npriority=1') +
        puppetProgram('second', '', 'priority=200'),
    );
    await supd.waitForLog(/^spawned: 'third'/);
    const order = supd.records.flatMap((r) => /^spawned: '(\w+)'/.exec(r.msg)?.[1] ?? []);
    expect(order).toEqual(['first', 'second', 'third']);
  });

  it('starts every numbered process of numprocs', async () => {
    supd = await startSupd(puppetProgram('worker', '', 'numprocs=3\nprocess_name=%(program_name)s_%(process_num)02d'));
    for (const name of ['worker_00', 'worker_01', 'worker_02']) await supd.waitForLog(new RegExp(`^spawned: '${name}'`));
  });
});

describe('stopping', () => {
  it('escalates to SIGKILL after stopwaitsecs when the stop signal is ignored, then exits 0', async () => {
    supd = await startSupd((dir) => puppetProgram('stubborn', '--ignore=TERM', `stopwaitsecs=1\nstartsecs=1\nstdout_logfile=${dir}/stubborn.log`));
    const [, pid] = await supd.waitForLog(/^spawned: 'stubborn' with pid (\d+)$/);
    await supd.waitForLog(/^success: stubborn/);
    // `ready` comes once its SIGTERM handler is in place: startsecs alone does not wait for that on a loaded machine.
    await waitForFileMatching(`${supd.dir}/stubborn.log`, /^ready /m);
    supd.signal('SIGTERM');
    await supd.waitForLog(new RegExp(`^killing 'stubborn' \\(${pid}\\) with SIGKILL$`));
    await supd.waitForLog(/^stopped: stubborn \(terminated by SIGKILL\)$/);
    expect(await supd.exited).toBe(0);
    expect(liveness(Number(pid))).toMatchObject({ alive: false });
  });

  it('with stopasgroup, the stop signal reaches grandchildren too', async () => {
    const dir = (await import('../support/supd-harness.js')).makeTempDir();
    const marker = `${dir}/grandchild.pid`;
    supd = await startSupd(
      `[program:parent]\ncommand=/bin/sh -c "sleep 1000 & echo $! > ${marker}; wait"\nstopasgroup=true\nstartsecs=0\n`,
      { dir },
    );
    await supd.waitForLog(/^success: parent/);
    const { readFileSync, readdirSync } = await import('node:fs');
    const { vi } = await import('vitest');
    await vi.waitFor(() => expect(readdirSync(dir)).toContain('grandchild.pid'), { timeout: 5_000 });
    const grandchild = Number(readFileSync(marker, 'utf8'));
    expect(liveness(grandchild)).toMatchObject({ alive: true });
    supd.signal('SIGTERM');
    expect(await supd.exited).toBe(0);
    await vi.waitFor(() => expect(liveness(grandchild)).toMatchObject({ alive: false }), { timeout: 5_000 });
  });

  it('a second SIGTERM during shutdown kills what is left at once', async () => {
    supd = await startSupd((dir) => puppetProgram('slow', '--ignore=TERM', `stopwaitsecs=60\nstartsecs=1\nstdout_logfile=${dir}/slow.log`));
    await supd.waitForLog(/^success: slow/);
    await waitForFileMatching(`${supd.dir}/slow.log`, /^ready /m); // its SIGTERM handler is in place
    supd.signal('SIGTERM');
    await supd.waitForLog(/^received shutdown request/);
    supd.signal('SIGTERM');
    await supd.waitForLog(/^second shutdown request/);
    await supd.waitForLog(/^stopped: slow \(terminated by SIGKILL\)$/);
    expect(await supd.exited).toBe(0);
  });
});

describe('the pidfile', () => {
  it("holds supd's pid while it runs and is removed when it exits", async () => {
    const { makeTempDir } = await import('../support/supd-harness.js');
    const { readdirSync, readFileSync } = await import('node:fs');
    const dir = makeTempDir();
    const pidfile = `${dir}/supd.pid`;
    supd = await startSupd(`[supervisord]\nlogfile=${dir}/supd.log\npidfile=${pidfile}\n` + puppetProgram('web', '', 'startsecs=0'), { dir });
    await supd.waitForLog(/^success: web/);
    expect(readFileSync(pidfile, 'utf8')).toBe(`${supd.pid}\n`);
    supd.signal('SIGTERM');
    expect(await supd.exited).toBe(0);
    expect(readdirSync(dir)).not.toContain('supd.pid');
  });
});

describe('a bad config', () => {
  it('stops supd before anything starts, with exit 2 and one line per error', async () => {
    supd = await startSupd(`[program:web]\ncommand=${NODE} ${PUPPET}\nstartsecs=abc\nautorestart=maybe\n`);
    expect(await supd.exited).toBe(2);
    const lines = supd.stderr().trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/supd\.conf:\d+: \[program:web\] startsecs=abc: /);
    expect(lines[1]).toMatch(/supd\.conf:\d+: \[program:web\] autorestart=maybe: /);
    expect(supd.childPids()).toEqual([]);
  });
});

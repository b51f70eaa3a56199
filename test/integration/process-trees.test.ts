/**
 * stopastree, stuck processes and OOM kills with real processes: a program whose descendants
 * called setsid() or were orphaned leaves nothing behind when stopped or restarted; a process in a
 * frozen cgroup v1 freezer (it survives SIGKILL until thawed) is reported stuck while the control
 * socket still answers, and shutdown ends within shutdown_stuck_timeout; a program the OOM killer
 * ends in a small v1 memory cgroup is reported as such. The cgroup tests skip with a message where
 * no such hierarchy is writable.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isAlive, liveness, makeTempDir, NODE, PUPPET, REPO, startSupd, SUPD, type RunningSupd } from '../support/supd-harness.js';

let supd: RunningSupd | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      cleanup();
    } catch {
      // best effort: the next cleanup still runs
    }
  }
  await supd?.stop();
  supd = undefined;
});

function readPids(dir: string, names: readonly string[]): number[] {
  return names.map((n) => Number(readFileSync(join(dir, n), 'utf8').trim()));
}

async function waitForFiles(dir: string, names: readonly string[]): Promise<number[]> {
  await vi.waitFor(
    () => {
      for (const n of names) if (!existsSync(join(dir, n)) || readFileSync(join(dir, n), 'utf8').trim() === '') throw new Error(`no ${n} yet`);
    },
    { timeout: 10_000, interval: 20 },
  );
  return readPids(dir, names);
}

/**
 * A program whose child calls setsid() (a new session, as daemons do) and whose subshell leaves an
 * orphan in a session of its own, which supd adopts as subreaper. Each writes its pid to a file.
 */
function treeProgram(dir: string, extra: string): string {
  const script = join(dir, 'tree.sh');
  writeFileSync(
    script,
    `#!/bin/sh
setsid sh -c 'echo $$ > ${dir}/setsid.pid; exec sleep 1000' &
( setsid sh -c 'echo $$ > ${dir}/orphan.pid; exec sleep 1001' & )
exec sleep 999
`,
    { mode: 0o755 },
  );
  return `[unix_http_server]\nfile=${dir}/supd.sock\n[program:tree]\ncommand=${script}\nstartsecs=0\nstopwaitsecs=2\n${extra}\n`;
}

describe('stopastree', () => {
  it('supd --check says which mode this container gets', () => {
    const dir = makeTempDir();
    writeFileSync(join(dir, 'supd.conf'), '[supervisord]\n[program:a]\ncommand=sleep 1\nstopastree=true\n');
    const out = spawnSync(NODE, [SUPD, '--check', '-c', join(dir, 'supd.conf')], { encoding: 'utf8' });
    expect(out.stdout).toMatch(/^stopastree: (cgroup v2, a cgroup per program under \/\S+ \(stopped with cgroup\.kill\)|\/proc \(.*\), because .+)$/m);
  });

  it('stopping the program leaves no process behind: not its setsid() child, not the orphan supd adopted', async () => {
    supd = await startSupd((dir) => treeProgram(dir, 'stopastree=true'));
    const [setsidPid, orphanPid] = await waitForFiles(supd.dir, ['setsid.pid', 'orphan.pid']);
    cleanups.push(() => [setsidPid, orphanPid].forEach((p) => isAlive(p!) && process.kill(p!, 'SIGKILL')));
    await supd.waitForState('tree', 'RUNNING');
    await supd.rpc('supervisor.stopProcess', 'tree', true);
    // STOPPED came once no process of the tree ran; the ones supd adopted may be zombies for a
    // moment more, until its reaper takes them.
    await vi
      .waitFor(() => expect([setsidPid, orphanPid].filter((p) => isAlive(p!))).toEqual([]), { timeout: 2_000, interval: 20 })
      .catch(() => undefined);
    expect([setsidPid, orphanPid].map((p) => [p, isAlive(p!)])).toEqual([
      [setsidPid, false],
      [orphanPid, false],
    ]);
  }, 20_000);

  it('supctl tree shows the orphan supd adopted under the program it belongs to', async () => {
    supd = await startSupd((dir) => treeProgram(dir, 'stopastree=true'));
    const [setsidPid, orphanPid] = await waitForFiles(supd.dir, ['setsid.pid', 'orphan.pid']);
    cleanups.push(() => [setsidPid, orphanPid].forEach((p) => isAlive(p!) && process.kill(p!, 'SIGKILL')));
    await supd.waitForState('tree', 'RUNNING');
    const out = spawnSync(NODE, [join(REPO, 'dist/cli/supctl.js'), '-c', supd.configPath, 'tree'], { encoding: 'utf8' });
    const lines = out.stdout.split('\n');
    expect(lines.find((l) => l.includes(`(orphan)`))).toMatch(new RegExp(`^└─ sleep \\(orphan\\) +${orphanPid} `));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`─ sleep +${setsidPid} `)));
  }, 20_000);

  it('without stopastree the setsid() child outlives the stop, as under supervisord', async () => {
    supd = await startSupd((dir) => treeProgram(dir, ''));
    const [setsidPid, orphanPid] = await waitForFiles(supd.dir, ['setsid.pid', 'orphan.pid']);
    cleanups.push(() => [setsidPid, orphanPid].forEach((p) => isAlive(p!) && process.kill(p!, 'SIGKILL')));
    await supd.waitForState('tree', 'RUNNING');
    await supd.rpc('supervisor.stopProcess', 'tree', true);
    expect(liveness(setsidPid!)).toMatchObject({ alive: true });
  }, 20_000);

  it('stops what a dead main process left behind before starting it again', async () => {
    supd = await startSupd((dir) => {
      const script = join(dir, 'leaver.sh');
      // Each run leaves an orphan in a session of its own, then exits 1: the php-fpm master killed with -9.
      writeFileSync(script, `#!/bin/sh\n( setsid sh -c 'echo $$ >> ${dir}/orphans; exec sleep 1000' & )\nsleep 0.3\nexit 1\n`, { mode: 0o755 });
      return `[unix_http_server]\nfile=${dir}/supd.sock\n[program:leaver]\ncommand=${script}\nstartsecs=0\nautorestart=true\nstopastree=true\nstopwaitsecs=2\n`;
    });
    await supd.waitForLog(/^leaver: stopping 1 process\(es\) its last run left behind/);
    await supd.waitForLog(/^spawned: 'leaver'/, { after: supd.records.findIndex((r) => r.msg.startsWith('leaver: stopping')) });
    const orphans = readFileSync(join(supd.dir, 'orphans'), 'utf8').trim().split('\n').map(Number);
    cleanups.push(() => orphans.forEach((p) => isAlive(p) && process.kill(p, 'SIGKILL')));
    await vi.waitFor(() => expect(liveness(orphans[0]!)).toMatchObject({ alive: false }), { timeout: 2_000, interval: 20 }).catch(() => undefined);
    expect([orphans[0], isAlive(orphans[0]!)]).toEqual([orphans[0], false]);
  }, 20_000);
});

/** A v1 controller's hierarchy where this process sits, if it is mounted and writable. */
function v1Dir(controller: 'freezer' | 'memory'): string | null {
  const line = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => l.split(':')[1]?.split(',').includes(controller));
  const dir = line === undefined ? null : join('/sys/fs/cgroup', controller, line.split(':')[2]!);
  if (dir === null || !existsSync(dir)) return null;
  const probe = join(dir, `supd-probe-${process.pid}`);
  try {
    mkdirSync(probe);
    rmdirSync(probe);
    return dir;
  } catch {
    return null;
  }
}

const freezer = v1Dir('freezer');
const memory = v1Dir('memory');

describe.skipIf(freezer === null)(`a process that will not die${freezer === null ? ' (skipped: no writable cgroup v1 freezer here)' : ''}`, () => {
  it('is reported stuck with pid, state and for how long while status answers at once, and shutdown ends within shutdown_stuck_timeout', async () => {
    supd = await startSupd(
      (dir) =>
        `[supervisord]\nlogfile=${dir}/supd.log\nshutdown_stuck_timeout=2\n[unix_http_server]\nfile=${dir}/supd.sock\n` +
        `[program:frozen]\ncommand=${NODE} ${PUPPET}\nstartsecs=0\nstopwaitsecs=1\n[program:other]\ncommand=${NODE} ${PUPPET}\nstartsecs=0\npriority=100\n`,
    );
    const info = (await supd.waitForState('frozen', 'RUNNING')) as { pid: number };
    const group = join(freezer!, `supd-test-${process.pid}-${info.pid}`);
    mkdirSync(group);
    cleanups.push(() => rmdirSync(group));
    writeFileSync(join(group, 'cgroup.procs'), `${info.pid}\n`);
    writeFileSync(join(group, 'freezer.state'), 'FROZEN');
    // Thaw first at teardown: the pending SIGKILL then ends it, and the group can go.
    cleanups.push(() => {
      writeFileSync(join(group, 'freezer.state'), 'THAWED');
      for (let i = 0; i < 200 && isAlive(info.pid); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    });
    await supd.rpc('supervisor.stopProcess', 'frozen', false);
    await supd.waitForLog(/^stuck: frozen: pid (\d+) .* in frozen/, { timeout: 10_000 });

    const asked = performance.now();
    const status = (await supd.rpc('supervisor.getProcessInfo', 'frozen')) as { statename: string; description: string };
    expect(performance.now() - asked).toBeLessThan(1_000);
    expect(status).toMatchObject({ statename: 'STOPPING', description: expect.stringMatching(new RegExp(`^stuck: pid ${info.pid} .* in frozen \\(D \\(disk sleep\\)\\) for \\d+s`)) });

    const shutdownAt = performance.now();
    supd.signal('SIGTERM');
    const code = await supd.exited;
    // The other program stops at once; then 2 s of shutdown_stuck_timeout, with room for a loaded machine.
    expect({ code, withinBound: performance.now() - shutdownAt < 6_000 }).toEqual({ code: 1, withinBound: true });
    expect(supd.records.at(-1)?.msg).toMatch(new RegExp(`^supd exiting with code 1: stuck processes did not die within shutdown_stuck_timeout=2 s: pid ${info.pid} \\(frozen\\)$`));
    expect(supd.records.map((r) => r.msg)).toContain('stopped: other (exit status 0)');
  }, 30_000);
});

describe.skipIf(memory === null)(`an OOM kill${memory === null ? ' (skipped: no writable cgroup v1 memory controller here)' : ''}`, () => {
  it('is reported as the OOM killer with the memory limit, not as SIGKILL', async () => {
    supd = await startSupd(
      (dir) =>
        `[unix_http_server]\nfile=${dir}/supd.sock\n` +
        `[program:hog]\ncommand=python3 -c "a = [b'x' * (1 << 20) for _ in range(100000)]"\nautostart=false\nautorestart=false\nstartsecs=0\n`,
    );
    await supd.waitForState('hog', 'STOPPED');
    // supd's own memory cgroup (the container's) gets a 256 MiB limit; programs it starts inherit it.
    const group = join(memory!, `supd-test-${process.pid}-${supd.pid}`);
    mkdirSync(group);
    writeFileSync(join(group, 'memory.limit_in_bytes'), String(256 * 1024 * 1024));
    writeFileSync(join(group, 'cgroup.procs'), `${supd.pid}\n`);
    cleanups.push(() => {
      // Back where supd came from, so the test group can be removed.
      if (isAlive(supd!.pid)) writeFileSync(join(memory!, 'cgroup.procs'), `${supd!.pid}\n`);
      rmdirSync(group);
    });
    await supd.rpc('supervisor.startProcess', 'hog', false);
    await supd.waitForLog(/^exited: hog \(killed by the OOM killer \(memory limit 256 MiB\); not expected\)$/, { timeout: 20_000 });
    const info = (await supd.rpc('supervisor.getProcessInfo', 'hog')) as { description: string; exitstatus: number };
    expect(info).toMatchObject({ description: 'exit status: killed by the OOM killer (memory limit 256 MiB)', exitstatus: -1 });
  }, 30_000);
});

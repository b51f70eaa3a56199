// src/os/reaper.ts as a child subreaper (not PID 1): orphans reparented to this test process are
// reaped, the exits of programs os/spawn.ts started reach their waiters, and libuv's reach execa.
// The PID-1 case, with 2000 orphans, is test/pid1/reaper.test.ts.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChildTable } from '../../../src/os/child-table.js';
import { isLibcError, setChildSubreaper } from '../../../src/os/libc.js';
import { Reaper } from '../../../src/os/reaper.js';
import { describeSpawnFailure } from '../../../src/os/spawn-failure.js';
import { spawnProcess, type SpawnedChild, readableFromFd } from '../../../src/os/spawn.js';
import { collectLines, killChildren, withDeadline } from './child-output.js';
import { childrenOf, zombieChildrenOf } from './proc-view.js';

const PUPPET = fileURLToPath(new URL('../../fixtures/puppet.mjs', import.meta.url));
const LATE_WAITER = fileURLToPath(new URL('../../fixtures/late-waiter.mjs', import.meta.url));
const ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };

let table: ChildTable;
let reaper: Reaper;
let reaped: number[];
let children: SpawnedChild[] = [];

beforeAll(() => {
  // Made a subreaper here as well as by adoptOrphans, so that without a working reaper the
  // orphans still come to us and stay zombies: the tests below then fail instead of passing
  // because PID 1 reaped for us. (Checked: with adoptOrphans() replaced by a no-op, the first
  // test fails with 50 zombie children; with isLibuvChild() always false, the libuv test times
  // out waiting for exits libuv never reports.)
  const result = setChildSubreaper();
  if (isLibcError(result)) throw new Error(`prctl(PR_SET_CHILD_SUBREAPER): ${result.code}`);
});

// One table and one reaper per test: the reaper delivers the exits of the programs spawned into
// the table from the start, and reaps orphans once a test calls adoptOrphans().
beforeEach(() => {
  table = new ChildTable();
  reaped = [];
  reaper = new Reaper(table, { onReaped: (pid) => reaped.push(pid) });
});

afterEach(async () => {
  await killChildren(children);
  children = [];
  // A test's orphans may still be exiting after it saw no zombie left (seen in CI: 89 came after
  // the tests that make 200). While the reaper still runs, wait for every child of this process
  // to be gone, so the next test counts only its own.
  reaper.adoptOrphans();
  await vi.waitFor(() => expect(childrenOf(process.pid)).toEqual([]), { timeout: 10_000, interval: 20 });
  reaper.stop();
});


const isRoot = process.getuid?.() === 0;

/** user=nobody goes through libuv (posix_spawn cannot change user): a child libuv owns. */
function start(argv: string[], user: string | null = null): SpawnedChild {
  const result = spawnProcess(table, { argv: [process.execPath, PUPPET, ...argv], env: ENV, cwd: user === null ? null : '/', umask: null, user });
  if (!result.ok) throw new Error(describeSpawnFailure(result.failure));
  children.push(result.child);
  return result.child;
}

describe('the reaper as a child subreaper', () => {
  it('reaps orphans reparented to supd, leaving no zombie children', async () => {
    reaper.adoptOrphans();
    const child = start(['--orphans=50']);
    await collectLines(readableFromFd(child.stdoutFd)).waitFor(/^orphans spawned 50$/);
    await vi.waitFor(
      () => {
        expect(zombieChildrenOf(process.pid)).toEqual([]);
        expect(reaped.length).toBeGreaterThanOrEqual(50);
      },
      { timeout: 10_000, interval: 20 },
    );
  });

  it("delivers every program's exit to its waiter while orphans exit around it", async () => {
    reaper.adoptOrphans();
    // Orphans exiting while programs exit: a reaper that counted a program as an orphan, or
    // reaped it without telling its waiter, would leave some exit promises unresolved.
    const orphanMaker = start(['--orphans=200']);
    const orphanLines = collectLines(readableFromFd(orphanMaker.stdoutFd));
    const programs = Array.from({ length: 30 }, (_, i) => start([`--exit-after-ms=${i % 5}`, `--code=${i % 7}`]));
    const exits = await withDeadline(Promise.all(programs.map((c) => c.exit)), 10_000, 'the exits of 30 programs');
    expect(exits).toEqual(programs.map((_, i) => ({ code: i % 7, signal: null })));
    await orphanLines.waitFor(/^orphans spawned 200$/);
    await vi.waitFor(() => expect(zombieChildrenOf(process.pid)).toEqual([]), { timeout: 10_000, interval: 20 });
  });

  it.skipIf(!isRoot)("leaves libuv's children (user= programs) to libuv, so each exit still reaches execa (needs root)", async () => {
    reaper.adoptOrphans();
    const orphanMaker = start(['--orphans=200']);
    const orphanLines = collectLines(readableFromFd(orphanMaker.stdoutFd));
    const owned = Array.from({ length: 10 }, (_, i) => start([`--exit-after-ms=${i % 5}`, `--code=${i % 7}`], 'nobody'));
    expect(owned.map((c) => table.get(c.pid))).toEqual(owned.map((c) => ({ pid: c.pid, reapedBy: 'libuv' })));
    const exits = await withDeadline(Promise.all(owned.map((c) => c.exit)), 10_000, 'the exits of 10 libuv children');
    expect(exits).toEqual(owned.map((_, i) => ({ code: i % 7, signal: null })));
    await orphanLines.waitFor(/^orphans spawned 200$/);
    await vi.waitFor(() => expect(zombieChildrenOf(process.pid)).toEqual([]), { timeout: 10_000, interval: 20 });
  });

  it('delivers an exit that happened before anything listened for SIGCHLD', () => {
    // Checked: without the pass that listen() runs at once, this prints `lost`.
    const result = spawnSync(process.execPath, [LATE_WAITER], { encoding: 'utf8', timeout: 20_000 });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('exit 7');
  });

  it('reaps zombies that were already there when it started', async () => {
    const child = start(['--orphans=5']);
    await collectLines(readableFromFd(child.stdoutFd)).waitFor(/^orphans spawned 5$/);
    await vi.waitFor(() => expect(zombieChildrenOf(process.pid)).toHaveLength(5), { timeout: 5_000 });
    reaper.adoptOrphans();
    await vi.waitFor(() => expect(zombieChildrenOf(process.pid)).toEqual([]), { timeout: 5_000 });
  });

  it('hears SIGCHLD again after a storm of orphans, and reaps the next one as promptly', async () => {
    const listening = process.listenerCount('SIGCHLD');
    reaper.adoptOrphans();
    expect(process.listenerCount('SIGCHLD')).toBe(listening + 1);
    for (const wave of [1, 2]) {
      const child = start(['--orphans=20']);
      await collectLines(readableFromFd(child.stdoutFd)).waitFor(/^orphans spawned 20$/);
      await vi.waitFor(
        () => {
          expect(zombieChildrenOf(process.pid)).toEqual([]);
          expect(reaped.length).toBeGreaterThanOrEqual(20 * wave);
          // The gap after a pass that reaped orphans is over once a pass finds none.
          expect(process.listenerCount('SIGCHLD')).toBe(listening + 1);
        },
        { timeout: 10_000, interval: 20 },
      );
    }
  });

  it('reapNow returns how many orphans one pass reaped', async () => {
    const child = start(['--orphans=3']);
    await collectLines(readableFromFd(child.stdoutFd)).waitFor(/^orphans spawned 3$/);
    await vi.waitFor(() => expect(zombieChildrenOf(process.pid)).toHaveLength(3), { timeout: 5_000 });
    reaper.adoptOrphans();
    // adoptOrphans only schedules its first pass, so this synchronous call gets all three.
    expect(reaper.reapNow()).toBe(3);
    expect(reaper.reapNow()).toBe(0);
  });
});

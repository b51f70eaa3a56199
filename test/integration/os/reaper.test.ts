// src/os/reaper.ts as a child subreaper (not PID 1): orphans reparented to this test process are
// reaped, and the exits of children spawned through os/spawn.ts still reach execa.
// The PID-1 case, with 2000 orphans, is test/pid1/reaper.test.ts.
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { isLibcError, setChildSubreaper } from '../../../src/os/libc.js';
import { startReaper, type Reaper } from '../../../src/os/reaper.js';
import { isOwnedPid, spawnProcess, type SpawnedChild, readableFromFd } from '../../../src/os/spawn.js';
import { collectLines, killChildren, withDeadline } from './child-output.js';
import { zombieChildrenOf } from './proc-view.js';

const PUPPET = fileURLToPath(new URL('../../fixtures/puppet.mjs', import.meta.url));
const ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };

let reaper: Reaper | undefined;
let children: SpawnedChild[] = [];

beforeAll(() => {
  // Made a subreaper here as well as by startReaper, so that without a working reaper the
  // orphans still come to us and stay zombies: the tests below then fail instead of passing
  // because PID 1 reaped for us. (Checked: with startReaper() replaced by a no-op, the first
  // test fails with 50 zombie children; with isOwned: () => false, the second one times out
  // waiting for exits libuv never reports.)
  const result = setChildSubreaper();
  if (isLibcError(result)) throw new Error(`prctl(PR_SET_CHILD_SUBREAPER): ${result.code}`);
});

afterEach(async () => {
  reaper?.stop();
  reaper = undefined;
  await killChildren(children);
  children = [];
});


function start(argv: string[]): SpawnedChild {
  const result = spawnProcess({ argv: [process.execPath, PUPPET, ...argv], env: ENV, cwd: null, umask: null, user: null });
  if (!result.ok) throw new Error(result.spawnerr);
  children.push(result.child);
  return result.child;
}

describe('the reaper as a child subreaper', () => {
  it('reaps orphans reparented to supd, leaving no zombie children', async () => {
    const reaped: number[] = [];
    reaper = startReaper({ isOwned: isOwnedPid, onReaped: (pid) => reaped.push(pid) });
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

  it("leaves owned children to libuv, so each one's exit still reaches execa", async () => {
    reaper = startReaper({ isOwned: isOwnedPid });
    // Orphans exiting while owned programs exit: a reaper that waited on any child would take
    // some owned statuses, and those exit promises would never resolve.
    const orphanMaker = start(['--orphans=200']);
    const orphanLines = collectLines(readableFromFd(orphanMaker.stdoutFd));
    const owned = Array.from({ length: 30 }, (_, i) => start([`--exit-after-ms=${i % 5}`, `--code=${i % 7}`]));
    const exits = await withDeadline(Promise.all(owned.map((c) => c.exit)), 10_000, 'the exits of 30 owned children');
    expect(exits).toEqual(owned.map((_, i) => ({ code: i % 7, signal: null })));
    await orphanLines.waitFor(/^orphans spawned 200$/);
    await vi.waitFor(() => expect(zombieChildrenOf(process.pid)).toEqual([]), { timeout: 10_000, interval: 20 });
  });

  it('reaps zombies that were already there when it started', async () => {
    const child = start(['--orphans=5']);
    await collectLines(readableFromFd(child.stdoutFd)).waitFor(/^orphans spawned 5$/);
    await vi.waitFor(() => expect(zombieChildrenOf(process.pid)).toHaveLength(5), { timeout: 5_000 });
    reaper = startReaper({ isOwned: isOwnedPid });
    await vi.waitFor(() => expect(zombieChildrenOf(process.pid)).toEqual([]), { timeout: 5_000 });
  });

  it('reapNow returns how many orphans one pass reaped', async () => {
    const child = start(['--orphans=3']);
    await collectLines(readableFromFd(child.stdoutFd)).waitFor(/^orphans spawned 3$/);
    await vi.waitFor(() => expect(zombieChildrenOf(process.pid)).toHaveLength(3), { timeout: 5_000 });
    reaper = startReaper({ isOwned: isOwnedPid });
    // startReaper only schedules its first pass, so this synchronous call gets all three.
    expect(reaper.reapNow()).toBe(3);
    expect(reaper.reapNow()).toBe(0);
  });
});

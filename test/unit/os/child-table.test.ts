// src/os/child-table.ts: the one record of supd's child pids, without spawning anything.
import { describe, expect, it } from 'vitest';
import { ChildTable, type ChildTableWatcher } from '../../../src/os/child-table.js';

function watched(): { table: ChildTable; seen: string[] } {
  const seen: string[] = [];
  const table = new ChildTable();
  const watcher: ChildTableWatcher = { awaited: (pid) => seen.push(`awaited ${pid}`), drained: () => seen.push('drained') };
  table.attach(watcher);
  return { table, seen };
}

describe('a ChildTable', () => {
  it('hands the exit status of a child supd reaps to its waiter once, then forgets the pid', () => {
    const { table, seen } = watched();
    const statuses: number[] = [];
    table.awaitExit(100, (status) => statuses.push(status));
    expect(table.get(100)).toMatchObject({ pid: 100, reapedBy: 'supd' });
    expect(table.settle(100, 7 << 8)).toEqual(true);
    expect(table.settle(100, 0)).toEqual(false);
    expect(statuses).toEqual([7 << 8]);
    expect(table.get(100)).toBeUndefined();
    expect(seen).toEqual(['awaited 100', 'drained']);
  });

  it("tells the reaper a libuv child is not its to take, until libuv reports the exit", () => {
    const { table } = watched();
    table.recordLibuvChild(200);
    expect({ isLibuv: table.isLibuvChild(200), has: table.hasLibuvChildren(), awaited: table.isAwaited(200) }).toEqual({
      isLibuv: true,
      has: true,
      awaited: false,
    });
    expect(table.settle(200, 0)).toEqual(false); // the reaper never delivers a libuv child's exit
    table.forgetLibuvChild(200);
    expect({ isLibuv: table.isLibuvChild(200), has: table.hasLibuvChildren() }).toEqual({ isLibuv: false, has: false });
  });

  it('lists the children awaited and counts them', () => {
    const { table } = watched();
    table.awaitExit(1, () => {});
    table.awaitExit(2, () => {});
    table.recordLibuvChild(3);
    expect({ pids: table.awaitedPids(), count: table.awaitedCount }).toEqual({ pids: [1, 2], count: 2 });
  });

  it('refuses to await an exit when no reaper watches it, instead of losing the exit', () => {
    expect(() => new ChildTable().awaitExit(5, () => {})).toThrow(/no reaper watches this ChildTable/);
  });

  it('takes one reaper at a time, and a new one after the first lets go', () => {
    const table = new ChildTable();
    const first: ChildTableWatcher = { awaited: () => {}, drained: () => {} };
    table.attach(first);
    expect(() => table.attach({ awaited: () => {}, drained: () => {} })).toThrow(/already has a reaper/);
    table.detach(first);
    const seen: number[] = [];
    table.attach({ awaited: (pid) => seen.push(pid), drained: () => {} });
    table.awaitExit(9, () => {});
    expect(seen).toEqual([9]);
  });

  it('replaces a stale record when the kernel reuses a pid', () => {
    const { table } = watched();
    table.recordLibuvChild(42);
    table.awaitExit(42, () => {});
    expect({ record: table.get(42)?.reapedBy, libuv: table.hasLibuvChildren(), count: table.awaitedCount }).toEqual({
      record: 'supd',
      libuv: false,
      count: 1,
    });
  });
});

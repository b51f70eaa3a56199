// The one owner of supd's child pids: for every child, who collects its exit. libuv reaps what it
// spawned (execa, for user= programs); supd's reaper (os/reaper.ts) reaps what posix_spawn started
// and hands each raw wait status to the child's waiter, exactly once. spawn.ts records children
// here, the reaper reads it to know which zombies it may take. No syscalls, no timers, no globals:
// the daemon makes one table and passes it to both.

/** One child supd knows about, and who will take its exit status. */
export type ChildRecord =
  | { readonly pid: number; readonly reapedBy: 'libuv' }
  | { readonly pid: number; readonly reapedBy: 'supd'; readonly onExit: (status: number) => void };

/** What the reaper watching a table is told: when it first has, and no longer has, children to reap. */
export interface ChildTableWatcher {
  /** A child the reaper must reap was recorded (the reaper listens for SIGCHLD from now). */
  readonly awaited: (pid: number) => void;
  /** The last such child was settled: nothing of ours holds the event loop open any more. */
  readonly drained: () => void;
}

export class ChildTable {
  private readonly records = new Map<number, ChildRecord>();
  private libuvChildren = 0;
  private awaitedChildren = 0;
  private watcher: ChildTableWatcher | null = null;

  /** A child libuv spawned and will reap itself: the reaper must never wait on it. */
  recordLibuvChild(pid: number): void {
    this.add({ pid, reapedBy: 'libuv' });
    this.libuvChildren += 1;
  }

  /** libuv reported the exit of a child recorded with recordLibuvChild. */
  forgetLibuvChild(pid: number): void {
    if (this.records.get(pid)?.reapedBy !== 'libuv') return;
    this.records.delete(pid);
    this.libuvChildren -= 1;
  }

  /**
   * A child supd's reaper must reap: its raw wait status goes to onExit once. Record it in the same
   * tick as the spawn; the SIGCHLD of an instant exit is handled on a later tick.
   */
  awaitExit(pid: number, onExit: (status: number) => void): void {
    // A bug, not a user error: without a reaper the exit would never be delivered.
    if (this.watcher === null) throw new Error(`no reaper watches this ChildTable: the exit of pid ${pid} would be lost`);
    this.add({ pid, reapedBy: 'supd', onExit });
    this.awaitedChildren += 1;
    this.watcher.awaited(pid);
  }

  /** Hands the status to the waiter of `pid` and forgets it; false if supd does not reap `pid`. */
  settle(pid: number, status: number): boolean {
    const record = this.records.get(pid);
    if (record?.reapedBy !== 'supd') return false;
    this.records.delete(pid);
    this.awaitedChildren -= 1;
    if (this.awaitedChildren === 0) this.watcher?.drained();
    record.onExit(status);
    return true;
  }

  /** True for a child libuv spawned and has not reported the exit of yet. */
  isLibuvChild(pid: number): boolean {
    return this.records.get(pid)?.reapedBy === 'libuv';
  }

  /** Whether libuv has any child of ours whose exit it has not reported yet. */
  hasLibuvChildren(): boolean {
    return this.libuvChildren > 0;
  }

  /** True for a child whose exit supd's reaper will deliver. */
  isAwaited(pid: number): boolean {
    return this.records.get(pid)?.reapedBy === 'supd';
  }

  /** The children whose exit supd's reaper will deliver, as a snapshot. */
  awaitedPids(): number[] {
    const pids: number[] = [];
    for (const record of this.records.values()) if (record.reapedBy === 'supd') pids.push(record.pid);
    return pids;
  }

  get awaitedCount(): number {
    return this.awaitedChildren;
  }

  /** The record of `pid`, if it is a child of ours not yet reaped. */
  get(pid: number): ChildRecord | undefined {
    return this.records.get(pid);
  }

  /** The reaper attaches here; one reaper per table, as one process has one set of children. */
  attach(watcher: ChildTableWatcher): void {
    if (this.watcher !== null) throw new Error('this ChildTable already has a reaper');
    this.watcher = watcher;
    if (this.awaitedChildren > 0) for (const pid of this.awaitedPids()) watcher.awaited(pid);
  }

  detach(watcher: ChildTableWatcher): void {
    if (this.watcher === watcher) this.watcher = null;
  }

  private add(record: ChildRecord): void {
    // The kernel reuses a pid only after its exit was collected; a record still there is stale
    // (its exit reached us some other way) and the new child replaces it.
    const stale = this.records.get(record.pid);
    if (stale?.reapedBy === 'libuv') this.libuvChildren -= 1;
    if (stale?.reapedBy === 'supd') this.awaitedChildren -= 1;
    this.records.set(record.pid, record);
  }
}

/**
 * All processes together, as supervisord's Supervisor and ProcessGroup run them: start order by
 * priority, shutdown in reverse priority one level at a time, reload by difference, and the bug
 * boundary that keeps one broken process from stopping the rest. Pure: effects leave as data,
 * tagged with the process they belong to; time arrives as `now`.
 */
import type { GroupConfig, ProcessConfig } from '../config/types.js';
import type { ExitStatus } from './exit-status.js';
import {
  initialMachine,
  step,
  type Effect,
  type Machine,
  type Millis,
  type ProcessEvent,
  type Step,
  type Transition,
} from './process-machine.js';
import type { HealthStatus } from './readiness.js';
import { diffProcesses, type ProcessDiff } from './reload-diff.js';
import { dependenciesOf, describeWait, shutdownLevels, unmetDependencies, type DependencyView } from './start-order.js';
import type { SupervisorStateName } from './states.js';

/** supervisord's namespec for one process: `group:name`. */
export type ProcessKey = string;

export function processKey(group: string, name: string): ProcessKey {
  return `${group}:${name}`;
}

export interface ProcessEntry {
  readonly key: ProcessKey;
  readonly config: ProcessConfig;
  readonly machine: Machine;
}

export interface TaggedEffect {
  readonly process: ProcessEntry;
  readonly effect: Effect;
}

export interface TaggedTransition {
  readonly process: ProcessEntry;
  readonly transition: Transition;
}

/** What one call produced: effects to carry out and transitions to report (logs, events, waiters). */
export interface Outcome {
  readonly effects: TaggedEffect[];
  readonly transitions: TaggedTransition[];
  /** Bugs caught at the per-process boundary; the process went UNKNOWN, the rest carry on. */
  readonly bugs: { readonly process: ProcessKey; readonly error: Error }[];
}

function emptyOutcome(): Outcome {
  return { effects: [], transitions: [], bugs: [] };
}

/** Groups in supervisord's start order: group priority, then name; processes by priority, then name. */
function byPriority<T extends { priority: number; name: string }>(a: T, b: T): number {
  return a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

export class Supervisor {
  private readonly groups = new Map<string, GroupConfig>();
  private readonly processes = new Map<ProcessKey, ProcessEntry>();
  /** What to do with a process once it has stopped, for reloads and removals. */
  private readonly afterStop = new Map<ProcessKey, { kind: 'remove' } | { kind: 'replace'; config: ProcessConfig }>();
  /** Groups a reload dropped, kept until their last process has stopped. */
  private readonly retiringGroups = new Set<string>();
  private state: SupervisorStateName = 'RUNNING';
  /** Shutdown levels still to stop, highest priority first; the head is being stopped now. */
  private shutdownLevels: number[] = [];
  /** depends_on: processes held back, STOPPED, until their dependencies are met -> what they wait for. */
  private readonly waiting = new Map<ProcessKey, string>();
  /** Each process's health (core/health.ts, kept by the daemon); null without a health check. */
  private readonly healthOf: (key: ProcessKey) => HealthStatus | null;

  /** The backoff jitter's source of numbers in [0, 1); tests pass a fixed one. */
  private readonly random: () => number;

  constructor(
    groups: readonly GroupConfig[],
    options: { readonly random?: () => number; readonly healthOf?: (key: ProcessKey) => HealthStatus | null } = {},
  ) {
    this.random = options.random ?? Math.random;
    this.healthOf = options.healthOf ?? (() => null);
    for (const group of groups) this.insertGroup(group);
  }

  /** What a process held back by depends_on waits for ("db (healthy)"), or null. */
  waitingFor(key: ProcessKey): string | null {
    return this.waiting.get(key) ?? null;
  }

  /** A health status changed: start whoever was waiting for it. */
  healthChanged(now: Millis): Outcome {
    const out = emptyOutcome();
    if (!this.isShuttingDown) this.releaseWaiting(out, now);
    return out;
  }

  get supervisorState(): SupervisorStateName {
    return this.state;
  }

  get isShuttingDown(): boolean {
    return this.state === 'SHUTDOWN' || this.state === 'RESTARTING';
  }

  /** Groups in start order. */
  listGroups(): GroupConfig[] {
    return [...this.groups.values()].sort(byPriority);
  }

  getGroup(name: string): GroupConfig | undefined {
    return this.groups.get(name);
  }

  /** Processes in start order. */
  list(): ProcessEntry[] {
    const order = new Map(this.listGroups().map((g, i) => [g.name, i]));
    return [...this.processes.values()].sort(
      (a, b) =>
        (order.get(a.config.groupName) ?? 0) - (order.get(b.config.groupName) ?? 0) || byPriority(a.config, b.config),
    );
  }

  get(key: ProcessKey): ProcessEntry | undefined {
    return this.processes.get(key);
  }

  /** Start every autostart process, in priority order, as supervisord's first tick does. */
  boot(now: Millis): Outcome {
    const out = emptyOutcome();
    for (const entry of this.list()) {
      if (entry.config.autostart) this.startOrWait(out, entry.key, now);
    }
    return out;
  }

  /** Start one process now; with depends_on not met, start what it needs first and hold it back. */
  start(key: ProcessKey, now: Millis): Outcome {
    const entry = this.processes.get(key);
    if (entry === undefined || (entry.config.dependsOn?.length ?? 0) === 0) return this.single(key, { type: 'start' }, now);
    const out = emptyOutcome();
    this.startWithDependencies(out, key, now, new Set());
    return out;
  }

  stop(key: ProcessKey, now: Millis): Outcome {
    this.waiting.delete(key); // an operator's stop also ends a wait
    return this.single(key, { type: 'stop' }, now);
  }

  spawned(key: ProcessKey, pid: number, now: Millis): Outcome {
    return this.single(key, { type: 'spawned', pid }, now);
  }

  spawnFailed(key: ProcessKey, spawnerr: string, now: Millis): Outcome {
    return this.single(key, { type: 'spawn-failed', spawnerr }, now);
  }

  exited(key: ProcessKey, status: ExitStatus, now: Millis): Outcome {
    return this.single(key, { type: 'exited', status }, now);
  }

  tick(key: ProcessKey, now: Millis): Outcome {
    return this.single(key, { type: 'tick' }, now);
  }

  /**
   * SIGTERM/SIGINT/SIGQUIT: stop every process in reverse priority, one priority level at a time,
   * the groups of one level in parallel (supervisord stops one group at a time).
   */
  shutdown(now: Millis, mood: 'SHUTDOWN' | 'RESTARTING' = 'SHUTDOWN'): Outcome {
    const out = emptyOutcome();
    if (this.isShuttingDown) return out;
    this.state = mood;
    this.waiting.clear();
    this.shutdownLevels = [...new Set(this.stopLevels().values())].sort((a, b) => b - a);
    this.advanceShutdown(out, now);
    return out;
  }

  /**
   * After a restart's stop phase: take the (re-read) groups as the whole config, every process
   * afresh, and boot again.
   */
  resume(groups: readonly GroupConfig[], now: Millis): Outcome {
    this.groups.clear();
    this.processes.clear();
    this.afterStop.clear();
    this.retiringGroups.clear();
    this.waiting.clear();
    this.shutdownLevels = [];
    this.state = 'RUNNING';
    for (const group of groups) this.insertGroup(group);
    return this.boot(now);
  }

  /** While shutting down: every process still unstopped, when each of them is stuck (none is, if empty). */
  stuckLeft(): ProcessEntry[] | null {
    const left = this.unstopped();
    return left.length > 0 && left.every(isStuck) ? left : null;
  }

  /** True once shutdown has begun and no process is left running or stopping. */
  isShutdownComplete(): boolean {
    return this.isShuttingDown && this.shutdownLevels.length === 0 && this.unstopped().length === 0;
  }

  /** The second SIGTERM/SIGINT during shutdown: SIGKILL whatever still has a pid. */
  killRemaining(): Outcome {
    const out = emptyOutcome();
    for (const entry of this.processes.values()) {
      if (entry.machine.pid !== 0) {
        out.effects.push({
          process: entry,
          effect: {
            type: 'signal',
            signal: 'KILL',
            asGroup: entry.config.killAsGroup,
            pid: entry.machine.pid,
            ...(entry.config.stopAsTree ? { tree: true } : {}),
          },
        });
      }
    }
    return out;
  }

  /**
   * SIGHUP: apply a new config by difference. Added processes start (if autostart), removed ones
   * stop and go, changed ones stop and start again with the new config; the rest are untouched.
   * supervisord restarts everything on SIGHUP; this is what its users ask for instead.
   */
  reload(groups: readonly GroupConfig[], now: Millis): { outcome: Outcome; diff: ProcessDiff } {
    const out = emptyOutcome();
    const diff = diffProcesses([...this.groups.values()], groups);
    const kept = new Set(groups.map((g) => g.name));
    for (const name of this.groups.keys()) if (!kept.has(name)) this.retiringGroups.add(name);
    for (const group of groups) {
      this.groups.set(group.name, group);
      this.retiringGroups.delete(group.name);
    }
    for (const config of diff.added) {
      const key = processKey(config.groupName, config.name);
      this.processes.set(key, { key, config, machine: initialMachine() });
      if (config.autostart) this.startOrWait(out, key, now);
    }
    for (const config of diff.changed) {
      const key = processKey(config.groupName, config.name);
      this.afterStop.set(key, { kind: 'replace', config });
      this.stopForChange(out, key, now);
    }
    for (const config of diff.removed) {
      const key = processKey(config.groupName, config.name);
      this.afterStop.set(key, { kind: 'remove' });
      this.stopForChange(out, key, now);
    }
    this.dropEmptyGroups();
    return { outcome: out, diff };
  }

  /** supervisor.addProcessGroup: false when a group of that name exists already. */
  addGroup(group: GroupConfig, now: Millis): { added: boolean; outcome: Outcome } {
    if (this.groups.has(group.name)) return { added: false, outcome: emptyOutcome() };
    this.insertGroup(group);
    const out = emptyOutcome();
    for (const config of [...group.processes].sort(byPriority)) {
      if (config.autostart) this.startOrWait(out, processKey(group.name, config.name), now);
    }
    return { added: true, outcome: out };
  }

  /** supervisor.removeProcessGroup: refused while any of its processes is running. */
  removeGroup(name: string): 'removed' | 'no-such-group' | 'still-running' {
    const group = this.groups.get(name);
    if (group === undefined) return 'no-such-group';
    const keys = group.processes.map((p) => processKey(name, p.name));
    if (keys.some((k) => isUnstopped(this.processes.get(k)))) return 'still-running';
    for (const key of keys) this.processes.delete(key);
    this.groups.delete(name);
    return 'removed';
  }

  private insertGroup(group: GroupConfig): void {
    this.groups.set(group.name, group);
    for (const config of group.processes) {
      const key = processKey(group.name, config.name);
      this.processes.set(key, { key, config, machine: initialMachine() });
    }
  }

  private stopForChange(out: Outcome, key: ProcessKey, now: Millis): void {
    const entry = this.processes.get(key);
    if (entry === undefined) return;
    this.apply(out, key, { type: 'stop' }, now);
    this.settleAfterStop(out, key, now);
  }

  private dropEmptyGroups(): void {
    for (const name of this.retiringGroups) {
      const hasAny = [...this.processes.values()].some((p) => p.config.groupName === name);
      if (hasAny) continue;
      this.groups.delete(name);
      this.retiringGroups.delete(name);
    }
  }

  private single(key: ProcessKey, event: ProcessEvent, now: Millis): Outcome {
    const out = emptyOutcome();
    this.apply(out, key, event, now);
    this.settleAfterStop(out, key, now);
    if (this.isShuttingDown) this.advanceShutdown(out, now);
    else if (this.waiting.size > 0) this.releaseWaiting(out, now);
    return out;
  }

  /** How depends_on sees a process now. */
  private dependencyView(config: ProcessConfig): DependencyView {
    const key = processKey(config.groupName, config.name);
    const state = this.processes.get(key)?.machine.state ?? { name: 'STOPPED' as const };
    const health = this.healthOf(key);
    if (state.name !== 'EXITED') return { state: state.name, health };
    return { state: state.name, expected: state.expected, restarting: state.restartAt !== null, health };
  }

  private configs(): ProcessConfig[] {
    return [...this.processes.values()].map((p) => p.config);
  }

  /** Start `key` now if its dependencies are met, else hold it back saying for what. */
  private startOrWait(out: Outcome, key: ProcessKey, now: Millis): void {
    const entry = this.processes.get(key);
    if (entry === undefined) return;
    if ((entry.config.dependsOn?.length ?? 0) === 0) {
      this.apply(out, key, { type: 'start' }, now);
      return;
    }
    const unmet = unmetDependencies(entry.config, this.configs(), (c) => this.dependencyView(c));
    if (unmet.length === 0) {
      this.waiting.delete(key);
      this.apply(out, key, { type: 'start' }, now);
    } else {
      this.waiting.set(key, describeWait(unmet));
    }
  }

  /** Start every waiting process whose dependencies are met now; refresh what the others wait for. */
  private releaseWaiting(out: Outcome, now: Millis): void {
    for (const key of [...this.waiting.keys()]) {
      const entry = this.processes.get(key);
      if (entry === undefined || !['STOPPED', 'EXITED', 'FATAL'].includes(entry.machine.state.name)) {
        this.waiting.delete(key);
        continue;
      }
      this.startOrWait(out, key, now);
    }
  }

  /** supctl start x: start what x needs (that is not running or on its way) first, then x. */
  private startWithDependencies(out: Outcome, key: ProcessKey, now: Millis, seen: Set<ProcessKey>): void {
    if (seen.has(key)) return;
    seen.add(key);
    const entry = this.processes.get(key);
    if (entry === undefined) return;
    for (const dep of dependenciesOf(entry.config, this.configs())) {
      const depKey = processKey(dep.groupName, dep.name);
      const state = this.processes.get(depKey)?.machine.state.name;
      if (state === 'STOPPED' || state === 'FATAL' || (state === 'EXITED' && !this.dependencyView(dep).expected)) {
        this.startWithDependencies(out, depKey, now, seen);
      }
    }
    this.startOrWait(out, key, now);
  }

  /** Each process's shutdown level (start-order.ts): group priority, lowered below its dependents. */
  private stopLevels(): Map<ProcessKey, number> {
    return shutdownLevels(
      this.configs(),
      (c) => processKey(c.groupName, c.name),
      (c) => this.groups.get(c.groupName)?.priority ?? c.priority,
    );
  }

  /** process -> the processes that depend on it; empty when no process has depends_on. */
  private dependentsByKey(): Map<ProcessKey, ProcessKey[]> {
    const map = new Map<ProcessKey, ProcessKey[]>();
    const all = this.configs();
    for (const entry of this.processes.values()) {
      if ((entry.config.dependsOn?.length ?? 0) === 0) continue;
      for (const dep of dependenciesOf(entry.config, all)) {
        const depKey = processKey(dep.groupName, dep.name);
        map.set(depKey, [...(map.get(depKey) ?? []), entry.key]);
      }
    }
    return map;
  }

  /** Run one event through one machine, inside the bug boundary. */
  private apply(out: Outcome, key: ProcessKey, event: ProcessEvent, now: Millis): void {
    const entry = this.processes.get(key);
    if (entry === undefined) return;
    let result: Step;
    try {
      result = step(entry.machine, event, now, entry.config, !this.isShuttingDown, this.random);
    } catch (error) {
      // A bug, not a user error: this process goes UNKNOWN and supd keeps supervising the rest.
      const from = entry.machine.state.name;
      const machine: Machine = { ...entry.machine, state: { name: 'UNKNOWN' } };
      const updated = { ...entry, machine };
      this.processes.set(key, updated);
      out.bugs.push({ process: key, error: error instanceof Error ? error : new Error(String(error)) });
      out.transitions.push({ process: updated, transition: { from, to: 'UNKNOWN', machine, pid: machine.pid } });
      return;
    }
    const updated = { ...entry, machine: result.machine };
    this.processes.set(key, updated);
    for (const effect of result.effects) out.effects.push({ process: updated, effect });
    for (const transition of result.transitions) out.transitions.push({ process: updated, transition });
  }

  /** Carry out a pending reload/removal once its process has stopped. */
  private settleAfterStop(out: Outcome, key: ProcessKey, now: Millis): void {
    const pending = this.afterStop.get(key);
    const entry = this.processes.get(key);
    if (pending === undefined || entry === undefined || isUnstopped(entry)) return;
    this.afterStop.delete(key);
    if (pending.kind === 'remove') {
      this.waiting.delete(key);
      this.processes.delete(key);
      this.dropEmptyGroups();
      return;
    }
    // Keep the old pid-less record's history out: a changed process starts afresh.
    this.processes.set(key, { key, config: pending.config, machine: initialMachine() });
    if (pending.config.autostart && !this.isShuttingDown) this.startOrWait(out, key, now);
  }

  private unstopped(): ProcessEntry[] {
    return [...this.processes.values()].filter(isUnstopped);
  }

  /** Stop the current level; when it has fully stopped, move on to the next lower priority. */
  private advanceShutdown(out: Outcome, now: Millis): void {
    while (this.shutdownLevels.length > 0) {
      const level = this.shutdownLevels[0]!;
      const levels = this.stopLevels();
      const members = this.list().filter((p) => levels.get(p.key) === level);
      const dependents = this.dependentsByKey();
      for (const entry of members) {
        const name = entry.machine.state.name;
        // depends_on: what others depend on stops after them.
        if (dependents.get(entry.key)?.some((k) => isUnstopped(this.processes.get(k)))) continue;
        if (name === 'RUNNING' || name === 'STARTING' || name === 'BACKOFF') {
          this.apply(out, entry.key, { type: 'stop' }, now);
        } else if (name === 'EXITED') {
          this.apply(out, entry.key, { type: 'stop' }, now); // cancels a pending automatic restart
        }
      }
      // A stuck process (it survived SIGKILL) does not hold lower levels: their stops can finish.
      const isLevelDone = members.every((p) => !isUnstopped(this.processes.get(p.key)) || isStuck(this.processes.get(p.key)));
      if (!isLevelDone) return;
      this.shutdownLevels.shift();
    }
  }
}

/** Stopping, and still there stopwaitsecs after SIGKILL. */
export function isStuck(entry: ProcessEntry | undefined): boolean {
  const state = entry?.machine.state;
  return state?.name === 'STOPPING' && state.isStuck === true;
}

/** Running, starting, backing off or stopping: anything shutdown must still wait for. */
function isUnstopped(entry: ProcessEntry | undefined): boolean {
  if (entry === undefined) return false;
  const name = entry.machine.state.name;
  return name === 'RUNNING' || name === 'STARTING' || name === 'STOPPING' || name === 'BACKOFF';
}

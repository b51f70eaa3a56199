/**
 * What supd knows about the processes of each program beyond its main pid: the stopastree tree
 * (its own cgroup where supd can make one, else /proc), OOM kills (the program's or the
 * container's memory cgroup counter, compared across one run) and stuck reports. One object per
 * daemon owns the cgroups and these records; the runtime asks it at spawn, signal and exit.
 * Reads /proc and cgroup files only when asked: nothing here runs while supd is idle.
 */
import type { ProcessConfig } from '../config/types.js';
import type { ExitStatus } from '../core/exit-status.js';
import type { Millis } from '../core/process-machine.js';
import type { ProcessKey } from '../core/supervisor.js';
import {
  describeTreeMode,
  detectTreeMode,
  formatMemoryLimit,
  ProgramCgroups,
  readCgroupPaths,
  readContainerOomCounter,
  type CgroupPaths,
  type OomCounter,
  type TreeMode,
} from '../os/cgroups.js';
import { programOfProcess, programProcesses, readProcessStats, readStuckDetail, type StatFields, type StuckDetail } from '../os/program-tree.js';
import { sendSignal } from '../os/signals.js';

/** An OOM kill correlated with a program's exit. */
export interface OomReport {
  readonly pid: number;
  readonly limitBytes: number | null;
}

/** A stop that did not finish: processes still there stopwaitsecs after SIGKILL. */
export interface StuckReport {
  readonly since: Millis;
  readonly processes: readonly StuckDetail[];
}

export class ProgramTrees {
  private mode: TreeMode | null = null;
  private cgroups: ProgramCgroups | null = null;
  /** The main pid of each program's latest run: its session id, for finding what it left behind. */
  private readonly lastMainPid = new Map<ProcessKey, number>();
  private readonly oomBaseline = new Map<ProcessKey, OomCounter | null>();
  /** supd's own cgroups, read on the first exit: a crash loop would otherwise parse mountinfo per exit. */
  private ownCgroupPaths: CgroupPaths | null = null;
  private readonly stuck = new Map<ProcessKey, StuckReport>();
  /**
   * One /proc snapshot for everything done in one turn of the event loop: a shutdown stops a
   * hundred programs in one turn, and each walk of /proc reads every process's stat.
   */
  private procSnapshot: readonly StatFields[] | null = null;
  /** The program each of supd's children was started for, read once per snapshot (its environ). */
  private owners = new Map<number, ReturnType<typeof programOfProcess>>();
  /** Programs that joined their cgroup this turn: what they forked before joining is moved after it. */
  private readonly toSweep = new Map<ProcessKey, { readonly config: ProcessConfig; readonly pid: number }>();

  constructor(private readonly log: (level: 'info' | 'warn' | 'error', message: string) => void) {}

  /** cgroup or /proc: found once, at the first stopastree spawn (the base cgroup is made then). */
  treeMode(): TreeMode {
    if (this.mode === null) {
      this.mode = detectTreeMode();
      if (this.mode.kind === 'cgroup') this.cgroups = new ProgramCgroups(this.mode.base);
      this.log('info', describeTreeMode(this.mode));
    }
    return this.mode;
  }

  /** A new main pid: into its cgroup (stopastree), and the OOM counter it will be compared with. */
  spawned(key: ProcessKey, config: ProcessConfig, pid: number): void {
    this.stuck.delete(key);
    if (config.stopAsTree) {
      this.lastMainPid.set(key, pid);
      this.treeMode();
      const error = this.cgroups?.add(key, pid) ?? null;
      if (error !== null) this.log('warn', `${config.name}: ${error}; its tree is found in /proc instead`);
      else if (this.cgroups !== null) this.sweepSoon(key, config, pid);
    }
    this.oomBaseline.set(key, this.oomCounter(key));
  }

  /**
   * Every living process of the program (stopastree), main pid included while it lives: its
   * cgroup's, where it has one (nothing leaves a cgroup by forking or setsid()), else a /proc walk.
   */
  members(key: ProcessKey, config: ProcessConfig, mainPid = this.lastMainPid.get(key) ?? 0): number[] {
    if (mainPid === 0) return [];
    if (this.cgroups?.has(key) === true) return this.cgroups.pids(key);
    return programProcesses({ mainPid, group: config.groupName, name: config.name }, process.pid, '/proc', this.snapshot(), this.ownerOf);
  }

  /**
   * The program joins its cgroup just after posix_spawn returns, when it may already have forked
   * (a shell script starts its children at once). After this turn, one /proc walk for every
   * program spawned in it moves those early children into their program's cgroup too.
   */
  private sweepSoon(key: ProcessKey, config: ProcessConfig, pid: number): void {
    if (this.toSweep.size === 0) setImmediate(() => this.sweep());
    this.toSweep.set(key, { config, pid });
  }

  private sweep(): void {
    const cgroups = this.cgroups;
    const batch = [...this.toSweep];
    this.toSweep.clear();
    if (cgroups === null) return;
    // A process forked by a parent that was still outside when /proc was read is outside too:
    // walk again until a walk moves nothing (twice, mostly; a few times at worst).
    for (let pass = 0; pass < 5; pass++) {
      const stats = readProcessStats();
      this.owners.clear();
      let moved = 0;
      for (const [key, { config, pid }] of batch) {
        const inGroup = new Set(cgroups.pids(key));
        for (const member of programProcesses({ mainPid: pid, group: config.groupName, name: config.name }, process.pid, '/proc', stats, this.ownerOf)) {
          if (!inGroup.has(member) && cgroups.add(key, member) === null) moved += 1;
        }
      }
      if (moved === 0) return;
    }
  }

  private readonly ownerOf = (pid: number): ReturnType<typeof programOfProcess> => {
    if (!this.owners.has(pid)) this.owners.set(pid, programOfProcess(pid));
    return this.owners.get(pid) ?? null;
  };

  private snapshot(): readonly StatFields[] {
    if (this.procSnapshot === null) {
      this.procSnapshot = readProcessStats();
      this.owners.clear();
      setImmediate(() => (this.procSnapshot = null));
    }
    return this.procSnapshot;
  }

  /** What the last run left behind, the main pid excluded (it has exited). */
  leftovers(key: ProcessKey, config: ProcessConfig): number[] {
    const main = this.lastMainPid.get(key) ?? 0;
    return this.members(key, config).filter((pid) => pid !== main);
  }

  /** The leftovers are gone: forget the old session. */
  forget(key: ProcessKey): void {
    this.lastMainPid.delete(key);
  }

  /**
   * Signal the whole tree: the process group, then every member found; SIGKILL through
   * cgroup.kill where the program has a cgroup. Returns how many processes were signalled.
   */
  signalTree(key: ProcessKey, config: ProcessConfig, signal: string, mainPid: number): number {
    const members = this.members(key, config, mainPid !== 0 ? mainPid : undefined);
    if (signal === 'KILL' && this.cgroups !== null) {
      const error = this.cgroups.kill(key);
      if (error !== null) this.log('warn', `${config.name}: ${error}`);
    }
    if (mainPid > 1) sendSignal(mainPid, signal, true);
    for (const pid of members) sendSignal(pid, signal, false);
    return members.length;
  }

  /** OOM: the exit of a run whose cgroup's OOM kill count rose, told in supd's words. */
  explainExit(key: ProcessKey, pid: number, status: ExitStatus): { status: ExitStatus; oom: OomReport | null } {
    const before = this.oomBaseline.get(key);
    const after = this.oomCounter(key);
    this.oomBaseline.set(key, after);
    // Only a death by SIGKILL is the OOM killer's, unless a descendant in the program's own group was its victim.
    const isOwnGroup = this.cgroups?.oomCounter(key) != null;
    if (before == null || after === null || after.kills <= before.kills) return { status, oom: null };
    if (status.signal !== 9 && !isOwnGroup) return { status, oom: null };
    const limit = formatMemoryLimit(after.limitBytes);
    const description = `killed by the OOM killer (${limit === null ? 'no memory limit' : `memory limit ${limit}`})`;
    return { status: { ...status, description, isOomKill: true }, oom: { pid, limitBytes: after.limitBytes } };
  }

  private oomCounter(key: ProcessKey): OomCounter | null {
    const own = this.cgroups?.oomCounter(key);
    if (own != null) return own;
    this.ownCgroupPaths ??= readCgroupPaths();
    return readContainerOomCounter(this.ownCgroupPaths);
  }

  /** The processes of a stop still there after SIGKILL: read once, when the stop is found stuck. */
  reportStuck(key: ProcessKey, config: ProcessConfig, mainPid: number, since: Millis): StuckReport {
    const pids = new Set(config.stopAsTree ? this.members(key, config, mainPid) : []);
    if (mainPid > 0) pids.add(mainPid);
    const processes = [...pids].flatMap((pid) => readStuckDetail(pid) ?? []);
    const report = { since, processes };
    this.stuck.set(key, report);
    return report;
  }

  stuckReport(key: ProcessKey): StuckReport | undefined {
    return this.stuck.get(key);
  }

  /** The stop finished after all (thawed, the I/O returned). */
  clearStuck(key: ProcessKey): void {
    this.stuck.delete(key);
  }

  /** At exit: remove the cgroups that are empty. */
  dispose(): void {
    this.cgroups?.dispose();
  }
}

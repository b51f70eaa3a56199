/**
 * Carries out what the pure Supervisor decides: turns `spawn` into a real child, `signal` into
 * kill(2), `wake` into one timer per process, and feeds exits and timer ticks back in. It is the
 * only place where the core meets the OS; it keeps no lifecycle state of its own.
 */
import type { Writable } from 'node:stream';
import { splitCommand } from '../config/command-line.js';
import type { ProcessConfig } from '../config/types.js';
import { decodeExit, type ExitStatus } from '../core/exit-status.js';
import type { Millis } from '../core/process-machine.js';
import type { Outcome, ProcessEntry, ProcessKey, Supervisor, TaggedTransition } from '../core/supervisor.js';
import { sendSignal } from '../os/signals.js';
import { checkCommand, type SpawnRequest, type SpawnResult } from '../os/spawn.js';
import { describeSpawnFailure, type SpawnFailure } from '../os/spawn-failure.js';
import type { OomReport, ProgramTrees, StuckReport } from './program-trees.js';
import type { SupdLogger } from './supd-log.js';
import { setTimeoutAt, type LongTimeout } from '../core/long-timer.js';

/** What the runtime needs from the world; tests may pass fakes. */

export interface RuntimeDeps {
  readonly supervisor: Supervisor;
  readonly spawn: (request: SpawnRequest) => SpawnResult;
  readonly clock: () => Millis;
  readonly logger: SupdLogger;
  /** supd's environment as children inherit it ([supervisord] environment= already applied). */
  readonly baseEnv: () => Readonly<Record<string, string>>;
  /** SUPERVISOR_SERVER_URL for children whose serverurl= is not set. */
  readonly serverUrl: () => string | null;
  readonly isEventListener: (config: ProcessConfig) => boolean;
  /** shutdown_on matched for this process: shut supd down and exit with `code`. */
  readonly requestShutdown?: (entry: ProcessEntry, code: number, reason: string) => void;
  /** How late a wake-up ran, in ms (supd's event-loop delay, measured with no timer of its own). */
  readonly recordLateness?: (lateMs: number) => void;
  /** stopastree trees, OOM and stuck reports (program-trees.ts); without it, only the main pid is known. */
  readonly trees?: ProgramTrees;
}

/** How often a stop that waits for a program's leftover processes looks again; only while one waits. */
const LEFTOVER_POLL_MS = 100;

export type OomListener = (entry: ProcessEntry, report: OomReport) => void;
export type StuckListener = (entry: ProcessEntry, report: StuckReport) => void;

/**
 * The pipes of a child that is running now, for the logs and events layers. The output fds are
 * read ends that exactly one listener must take over (read and close).
 */
export interface LiveChild {
  readonly pid: number;
  /** Its stdin as a stream, made on first use (os/spawn.ts). */
  readonly openStdin: () => Writable;
  readonly stdoutFd: number;
  /** null with redirect_stderr: the child's stderr arrives on stdoutFd. */
  readonly stderrFd: number | null;
}

export type TransitionListener = (t: TaggedTransition) => void;
export type ChildListener = (entry: ProcessEntry, child: LiveChild) => void;
export type ExitListener = (entry: ProcessEntry, status: ExitStatus) => void;

export class ProcessRuntime {
  private readonly timers = new Map<ProcessKey, LongTimeout>();
  private readonly children = new Map<ProcessKey, LiveChild>();
  private readonly transitionListeners = new Set<TransitionListener>();
  private readonly childListeners = new Set<ChildListener>();
  private readonly exitListeners = new Set<ExitListener>();
  private idleListeners: (() => void)[] = [];
  private readonly oomListeners = new Set<OomListener>();
  private readonly stuckListeners = new Set<StuckListener>();
  /** Programs whose leftovers are being stopped (before a restart, or before STOPPED). */
  private readonly leftoverWaits = new Map<ProcessKey, NodeJS.Timeout>();

  constructor(private readonly deps: RuntimeDeps) {}

  /** Called when a program's exit is found to be the OOM killer's (events: PROCESS_OOM). */
  onOom(listener: OomListener): () => void {
    this.oomListeners.add(listener);
    return () => this.oomListeners.delete(listener);
  }

  /** Called when a stop is found stuck (events: PROCESS_STUCK). */
  onStuck(listener: StuckListener): () => void {
    this.stuckListeners.add(listener);
    return () => this.stuckListeners.delete(listener);
  }

  /** Called for every state transition, after it happened (logs, events, RPC waiters). */
  onTransition(listener: TransitionListener): () => void {
    this.transitionListeners.add(listener);
    return () => this.transitionListeners.delete(listener);
  }

  /** Called with each new child's pipes before any of its output is read. */
  onChild(listener: ChildListener): () => void {
    this.childListeners.add(listener);
    return () => this.childListeners.delete(listener);
  }

  /** Called when a child of a process ends, before the transition its exit causes. */
  onExit(listener: ExitListener): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  child(key: ProcessKey): LiveChild | undefined {
    return this.children.get(key);
  }

  /** Resolves when shutdown is complete (every process stopped). */
  whenShutdownComplete(): Promise<void> {
    if (this.deps.supervisor.isShutdownComplete()) return Promise.resolve();
    return new Promise((resolve) => this.idleListeners.push(resolve));
  }

  /** Apply one Supervisor call's outcome: effects, then the follow-ups they cause. */
  carryOut(outcome: Outcome): void {
    const { logger } = this.deps;
    for (const bug of outcome.bugs) {
      logger.error({ err: bug.error }, `bug in supd while handling '${bug.process}': process marked UNKNOWN`);
    }
    for (const t of outcome.transitions) {
      for (const listener of this.transitionListeners) {
        try {
          listener(t);
        } catch (error) {
          logger.error({ err: error }, `transition listener failed for '${t.process.key}'`);
        }
      }
    }
    for (const { process: entry, effect } of outcome.effects) {
      switch (effect.type) {
        case 'log':
          logger[effect.level](effect.message);
          break;
        case 'spawn':
          this.spawnAfterLeftovers(entry);
          break;
        case 'signal':
          if (effect.tree === true && this.deps.trees !== undefined) {
            this.deps.trees.signalTree(entry.key, entry.config, effect.signal, effect.pid);
          } else {
            this.signal(entry, effect.signal, effect.asGroup, effect.pid);
          }
          break;
        case 'stuck':
          this.reportStuck(entry, effect.pid, effect.since);
          break;
        case 'wake':
          this.wakeAt(entry.key, effect.at);
          break;
        case 'shutdown-supd':
          this.deps.requestShutdown?.(entry, effect.code, effect.reason);
          break;
      }
    }
    if (this.idleListeners.length > 0 && this.deps.supervisor.isShutdownComplete()) {
      const listeners = this.idleListeners;
      this.idleListeners = [];
      for (const resolve of listeners) resolve();
    }
  }

  /** Send a signal to one running process (signalProcess, forwarded signals); an error text or null. */
  signal(entry: ProcessEntry, signal: string | number, asGroup: boolean, pid = entry.machine.pid): string | null {
    if (pid === 0) return null;
    const result = sendSignal(pid, signal, asGroup);
    if (result === 'no-such-process') {
      // supervisord: it probably just exited on its own; the exit is handled when it arrives.
      this.deps.logger.debug(`unable to signal ${entry.config.name} (pid ${pid}), it probably just exited on its own`);
      return null;
    }
    if (result !== 'sent') {
      const message = `unable to signal ${entry.config.name} (pid ${pid}) with ${typeof signal === 'number' ? `signal ${signal}` : `SIG${signal}`}: ${result.error}`;
      this.deps.logger.error(message);
      return message;
    }
    return null;
  }

  /** Whether the process's command can be run now (supervisord checks this before spawning). */
  checkCommand(entry: ProcessEntry): SpawnFailure | null {
    try {
      return checkCommand(this.spawnRequest(entry.config));
    } catch (error) {
      // splitCommand refuses a command line it can't split (supervisord's BadCommand).
      return { kind: 'bad-command', reason: (error as Error).message };
    }
  }

  /** Clear every timer (at exit). */
  dispose(): void {
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
    for (const timer of this.leftoverWaits.values()) clearTimeout(timer);
    this.leftoverWaits.clear();
  }

  private reportStuck(entry: ProcessEntry, pid: number, since: Millis): void {
    const trees = this.deps.trees;
    if (trees === undefined) return;
    const report = trees.reportStuck(entry.key, entry.config, pid, since);
    const forSeconds = Math.round((this.deps.clock() - since) / 1000);
    for (const p of report.processes) {
      this.deps.logger.error(
        `stuck: ${entry.config.name}: pid ${p.pid} ${p.command} in ${p.state} for ${forSeconds} s after SIGKILL` +
          `${p.wchan === null ? '' : `, wchan=${p.wchan}`}${p.stack === null ? '' : `\n${p.stack}`}`,
      );
    }
    for (const listener of this.stuckListeners) listener(entry, report);
  }

  /**
   * stopastree: a new run starts only once the last run's leftovers are gone (orphaned php-fpm
   * workers holding its socket would make every restart fail). They get the stop signal, then
   * SIGKILL after stopwaitsecs; after another stopwaitsecs the spawn goes ahead anyway.
   */
  private spawnAfterLeftovers(entry: ProcessEntry): void {
    const trees = this.deps.trees;
    const left = entry.config.stopAsTree && trees !== undefined ? trees.leftovers(entry.key, entry.config) : [];
    if (left.length === 0 || trees === undefined) {
      trees?.forget(entry.key);
      this.spawn(entry);
      return;
    }
    const { clock, supervisor, logger } = this.deps;
    const laststart = entry.machine.laststart;
    logger.info(`${entry.config.name}: stopping ${left.length} process(es) its last run left behind (${left.join(', ')}) before starting it again`);
    trees.signalTree(entry.key, entry.config, entry.config.stopSignal, 0);
    const killAt = clock() + entry.config.stopWaitMs;
    let killed = false;
    this.waitForLeftovers(entry.key, () => {
      const current = supervisor.get(entry.key);
      // Stopped, removed or started again meanwhile: this start is no longer wanted.
      if (current === undefined || current.machine.state.name !== 'STARTING' || current.machine.pid !== 0 || current.machine.laststart !== laststart) {
        return 'done';
      }
      const remaining = trees.leftovers(entry.key, entry.config);
      if (remaining.length > 0 && clock() < killAt + (killed ? entry.config.stopWaitMs : 0)) {
        if (!killed && clock() >= killAt) {
          killed = true;
          logger.warn(`${entry.config.name}: killing leftover process(es) ${remaining.join(', ')} with SIGKILL`);
          trees.signalTree(entry.key, entry.config, 'KILL', 0);
        }
        return 'again';
      }
      if (remaining.length > 0) logger.error(`${entry.config.name}: leftover process(es) ${remaining.join(', ')} survived SIGKILL; starting it anyway`);
      trees.forget(entry.key);
      this.spawn(current);
      return 'done';
    });
  }

  /** Runs `check` every LEFTOVER_POLL_MS until it says done; one timer per program, only while needed. */
  private waitForLeftovers(key: ProcessKey, check: () => 'again' | 'done'): void {
    const previous = this.leftoverWaits.get(key);
    if (previous !== undefined) clearTimeout(previous);
    const timer = setTimeout(() => {
      this.leftoverWaits.delete(key);
      if (check() === 'again') this.waitForLeftovers(key, check);
    }, LEFTOVER_POLL_MS);
    this.leftoverWaits.set(key, timer);
  }

  /**
   * Wakes the process's machine at `at` by its clock (never before: a tick then would change
   * nothing and nothing would wake it again), however far off (long-timer.ts).
   */
  private wakeAt(key: ProcessKey, at: Millis): void {
    this.timers.get(key)?.cancel();
    const timer = setTimeoutAt(globalThis, this.deps.clock, at, () => {
      this.timers.delete(key);
      this.deps.recordLateness?.(this.deps.clock() - at);
      this.carryOut(this.deps.supervisor.tick(key, this.deps.clock()));
    });
    this.timers.set(key, timer);
  }

  private spawn(entry: ProcessEntry): void {
    const { supervisor, clock } = this.deps;
    let request: SpawnRequest;
    try {
      request = this.spawnRequest(entry.config);
    } catch (error) {
      this.carryOut(supervisor.spawnFailed(entry.key, (error as Error).message, clock()));
      return;
    }
    const result = this.deps.spawn(request);
    if (!result.ok) {
      this.carryOut(supervisor.spawnFailed(entry.key, describeSpawnFailure(result.failure), clock()));
      return;
    }
    const { child } = result;
    const live: LiveChild = { pid: child.pid, openStdin: child.openStdin, stdoutFd: child.stdoutFd, stderrFd: child.stderrFd };
    this.children.set(entry.key, live);
    // Readers attach before the first event-loop turn, so no output is lost or left unread.
    for (const listener of this.childListeners) listener(entry, live);
    void child.exit.then((exit) => {
      if (this.children.get(entry.key) === live) this.children.delete(entry.key);
      const current = supervisor.get(entry.key);
      // A stale exit (the process was removed or already respawned under another pid) is ignored.
      if (current === undefined || current.machine.pid !== child.pid) return;
      const trees = this.deps.trees;
      const explained = trees?.explainExit(entry.key, child.pid, decodeExit(exit.code, exit.signal));
      const status = explained?.status ?? decodeExit(exit.code, exit.signal);
      for (const listener of this.exitListeners) listener(current, status);
      if (explained?.oom != null) {
        this.deps.logger.warn(`${entry.config.name} (pid ${child.pid}) was ${status.description}`);
        for (const listener of this.oomListeners) listener(current, explained.oom);
      }
      if (trees !== undefined && current.config.stopAsTree && current.machine.state.name === 'STOPPING') {
        // stopastree: STOPPED only once every process of the tree is gone; the machine keeps
        // STOPPING meanwhile, and its SIGKILL after stopwaitsecs goes to the whole tree.
        const deliver = (): 'again' | 'done' => {
          const now = supervisor.get(entry.key);
          if (now === undefined || now.machine.pid !== child.pid) return 'done';
          if (trees.leftovers(entry.key, current.config).length > 0) return 'again';
          trees.forget(entry.key);
          trees.clearStuck(entry.key);
          this.carryOut(supervisor.exited(entry.key, status, clock()));
          return 'done';
        };
        if (deliver() === 'again') this.waitForLeftovers(entry.key, deliver);
        return;
      }
      trees?.clearStuck(entry.key);
      this.carryOut(supervisor.exited(entry.key, status, clock()));
    });
    this.deps.trees?.spawned(entry.key, entry.config, child.pid);
    this.carryOut(supervisor.spawned(entry.key, child.pid, clock()));
  }

  /** A process's environment, directory and user for another command (its health check). */
  requestFor(config: ProcessConfig, command: string): SpawnRequest {
    return { ...this.spawnRequest(config), argv: splitCommand(command) };
  }

  /** Spawns through the same spawner as programs, so the pid has one owner (os/child-table.ts). */
  spawnOther(request: SpawnRequest): SpawnResult {
    return this.deps.spawn(request);
  }

  /** The environment and argv supervisord gives a child (process.py spawn / _spawn_as_child). */
  private spawnRequest(config: ProcessConfig): SpawnRequest {
    const env: Record<string, string> = { ...this.deps.baseEnv() };
    env.SUPERVISOR_ENABLED = '1';
    env.SUPERVISOR_PROCESS_NAME = config.name;
    env.SUPERVISOR_GROUP_NAME = config.groupName;
    const serverUrl = config.serverUrl ?? this.deps.serverUrl();
    if (serverUrl !== null) env.SUPERVISOR_SERVER_URL = serverUrl;
    Object.assign(env, config.environment);
    return {
      argv: splitCommand(config.command),
      env,
      cwd: config.directory,
      umask: config.umask,
      user: config.user,
      // An event listener's stdout is its protocol channel: its stderr must never be mixed in.
      redirectStderr: config.redirectStderr && !this.deps.isEventListener(config),
    };
  }
}

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
import type { SupdLogger } from './supd-log.js';

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
}

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
  private readonly timers = new Map<ProcessKey, NodeJS.Timeout>();
  private readonly children = new Map<ProcessKey, LiveChild>();
  private readonly transitionListeners = new Set<TransitionListener>();
  private readonly childListeners = new Set<ChildListener>();
  private readonly exitListeners = new Set<ExitListener>();
  private idleListeners: (() => void)[] = [];

  constructor(private readonly deps: RuntimeDeps) {}

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
          this.spawn(entry);
          break;
        case 'signal':
          this.signal(entry, effect.signal, effect.asGroup, effect.pid);
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
  signal(entry: ProcessEntry, signal: string, asGroup: boolean, pid = entry.machine.pid): string | null {
    if (pid === 0) return null;
    const result = sendSignal(pid, signal, asGroup);
    if (result === 'no-such-process') {
      // supervisord: it probably just exited on its own; the exit is handled when it arrives.
      this.deps.logger.debug(`unable to signal ${entry.config.name} (pid ${pid}), it probably just exited on its own`);
      return null;
    }
    if (result !== 'sent') {
      const message = `unable to signal ${entry.config.name} (pid ${pid}) with SIG${signal}: ${result.error}`;
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
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private wakeAt(key: ProcessKey, at: Millis): void {
    const previous = this.timers.get(key);
    if (previous !== undefined) clearTimeout(previous);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      // libuv's timers run on its cached loop time and may fire a little before `at` by our
      // clock; a tick then would change nothing and nothing would wake the process again.
      if (this.deps.clock() < at) {
        this.wakeAt(key, at);
        return;
      }
      this.deps.recordLateness?.(this.deps.clock() - at);
      this.carryOut(this.deps.supervisor.tick(key, this.deps.clock()));
    }, Math.max(0, Math.ceil(at - this.deps.clock())));
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
      const status = decodeExit(exit.code, exit.signal);
      for (const listener of this.exitListeners) listener(current, status);
      this.carryOut(supervisor.exited(entry.key, status, clock()));
    });
    this.carryOut(supervisor.spawned(entry.key, child.pid, clock()));
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

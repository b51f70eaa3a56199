/**
 * supd running: the Supervisor and its ProcessRuntime, PID-1 duties (reaping, signal handling),
 * the pidfile and rlimits, and reload. The control plane, child logs and events attach through
 * the runtime's listeners. Config parsing and the command line live in cli/supd.ts.
 */
import { unlinkSync, writeFileSync } from 'node:fs';
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import type { SupdConfig } from '../config/types.js';
import type { Millis } from '../core/process-machine.js';
import { RestartHistory } from '../core/restart-history.js';
import { Supervisor } from '../core/supervisor.js';
import { ChildTable } from '../os/child-table.js';
import { Reaper } from '../os/reaper.js';
import { raiseSoftLimit } from '../os/rlimits.js';
import { spawnProcess } from '../os/spawn.js';
import { ProcessRuntime } from './process-runtime.js';
import { ProgramTrees } from './program-trees.js';
import type { ReadinessView } from '../core/readiness.js';
import type { ProcessEntry } from '../core/supervisor.js';
import { describeFailures } from '../core/health.js';
import { HealthRunner } from './health-runner.js';
import { createHeapTrim } from './heap-trim.js';
import { readinessViewOf } from './readiness-view.js';
import type { SupdLogHandle } from './supd-log.js';
import { setLongTimeout, type LongTimeout } from '../core/long-timer.js';

/** Loads the config again for SIGHUP; returns the errors as text when it is bad. */
export type ConfigReloader = () => { ok: true; config: SupdConfig } | { ok: false; errors: string[] };

export interface DaemonOptions {
  readonly config: SupdConfig;
  readonly log: SupdLogHandle;
  readonly reloadConfig: ConfigReloader;
  readonly clock?: () => Millis;
  /** Exits the process; tests and embedders may intercept it. */
  readonly exit?: (code: number) => void;
}

const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const;

/** What the daemon as a whole goes through, for SUPERVISOR_STATE_CHANGE and PROCESS_GROUP events. */
export type DaemonNotice =
  | { readonly type: 'running' }
  | { readonly type: 'stopping' }
  | { readonly type: 'groups-changed'; readonly added: readonly string[]; readonly removed: readonly string[] };

/**
 * Children that are not programs (jobs): stopped beside the programs at shutdown, and waited for
 * before supd exits; SIGKILLed at a second shutdown request.
 */
export interface ShutdownParticipant {
  stopAll(): Promise<void>;
  killAll(): void;
}

/** Monotonic milliseconds on the epoch scale, so deadlines survive wall-clock jumps. */
export function monotonicEpochClock(): Millis {
  return performance.timeOrigin + performance.now();
}

export class Daemon {
  readonly supervisor: Supervisor;
  readonly runtime: ProcessRuntime;
  /** Restarts by reason and since-when per process (health checks and OOM reports explain theirs here). */
  readonly restarts = new RestartHistory();
  /** supd's event-loop delay in ns: its wake-ups' lateness, and a probe at each /metrics scrape. */
  readonly loopDelay: RecordableHistogram = createHistogram();
  /** Health checks (health-runner.ts): idle, with no timer, when no program has one. */
  readonly health: HealthRunner;
  private config: SupdConfig;
  readonly clock: () => Millis;
  /** Every child pid supd has, and who collects its exit: what spawns record in, the reaper reads. */
  readonly children = new ChildTable();
  private readonly handlers = new Map<string, () => void>();
  private reaper: Reaper | null = null;
  private keepAlive: NodeJS.Timeout | null = null;
  private shutdownRequests = 0;
  private exitCode = 0;
  /** Why supd exits other than by request (shutdown_on), for its last log line. */
  private exitCause: string | null = null;
  private readonly closers: (() => Promise<void> | void)[] = [];
  private readonly reopeners: (() => void)[] = [];
  private readonly noticeListeners: ((notice: DaemonNotice) => void)[] = [];
  private readonly participants: ShutdownParticipant[] = [];
  /** stopastree trees, OOM and stuck reports: the one owner of program cgroups. */
  readonly trees: ProgramTrees;
  /** Armed once every process a shutdown still waits for is stuck: shutdown_stuck_timeout. */
  private stuckTimer: LongTimeout | null = null;
  private isFinishing = false;
  /** Returns what a burst of starts and stops left in V8's heap (supd runs without the memory reducer). */
  private readonly heapTrim = createHeapTrim();

  /** Something allocated a lot (an answer of megabytes): give the memory back once supd is quiet. */
  noteAllocation(): void {
    this.heapTrim?.activity();
  }

  constructor(private readonly options: DaemonOptions) {
    this.config = options.config;
    this.clock = options.clock ?? monotonicEpochClock;
    this.supervisor = new Supervisor(options.config.groups, { healthOf: (key) => this.health.statusOf(key) });
    this.trees = new ProgramTrees((level, message) => options.log.logger[level](message));
    this.runtime = new ProcessRuntime({
      trees: this.trees,
      supervisor: this.supervisor,
      spawn: (request) => spawnProcess(this.children, request),
      clock: this.clock,
      logger: options.log.logger,
      baseEnv: () => childBaseEnv(this.config),
      serverUrl: () => serverUrlOf(this.config),
      isEventListener: (config) => this.supervisor.getGroup(config.groupName)?.kind === 'eventlistener',
      requestShutdown: (entry, code, reason) => this.shutdownOn(entry.config.name, code, reason),
      recordLateness: (lateMs) => this.loopDelay.record(Math.max(1, Math.round(lateMs * 1e6))),
    });
    this.health = new HealthRunner({
      supervisor: () => this.supervisor,
      runtime: this.runtime,
      clock: this.clock,
      logger: options.log.logger,
      restarts: this.restarts,
    });
    this.runtime.onExit((entry, status) => this.restarts.exited(entry.key, status, this.clock()));
    this.runtime.onTransition(({ process: entry, transition }) => {
      const state = transition.machine.state;
      const isShuttingDown = this.supervisor.isShuttingDown;
      const expected = state.name === 'EXITED' ? state.expected : undefined;
      this.restarts.transition(entry.key, { from: transition.from, to: transition.to, isShuttingDown, ...(expected === undefined ? {} : { expected }) }, this.clock());
      if (isShuttingDown) this.armStuckTimer();
      this.heapTrim?.activity();
    });
    this.runtime.onOom((entry) => this.restarts.explainLastEnd(entry.key, 'oom'));
    this.runtime.onStuck(() => this.armStuckTimer());
  }

  get logger() {
    return this.options.log.logger;
  }

  /** supd's own log, for routing its stdout lines (logs-wiring.ts). */
  get log(): SupdLogHandle {
    return this.options.log;
  }

  get currentConfig(): SupdConfig {
    return this.config;
  }

  /** Something to close before supd exits (servers, log files). */
  addCloser(closer: () => Promise<void> | void): void {
    this.closers.push(closer);
  }

  /** Something to reopen on SIGUSR2 (child log files). */
  addReopener(reopen: () => void): void {
    this.reopeners.push(reopen);
  }

  /** One process as the readiness rule reads it (/readyz, supctl health and wait). */
  readinessView(entry: ProcessEntry): ReadinessView {
    const health = this.health.record(entry.key);
    return {
      ...readinessViewOf(entry),
      health: health?.status ?? null,
      healthError: health === null || health.status !== 'unhealthy' ? null : describeFailures(health),
      waitingFor: this.supervisor.waitingFor(entry.key),
    };
  }

  /** Children beside the programs that shutdown stops and waits for (jobs). */
  addShutdownParticipant(participant: ShutdownParticipant): void {
    this.participants.push(participant);
  }

  onNotice(listener: (notice: DaemonNotice) => void): void {
    this.noticeListeners.push(listener);
  }

  notify(notice: DaemonNotice): void {
    for (const listener of this.noticeListeners) {
      try {
        listener(notice);
      } catch (error) {
        this.logger.error({ err: error }, `notice listener failed for '${notice.type}'`);
      }
    }
  }

  /** Start supervising: PID-1 duties first, then the autostart programs in priority order. */
  start(): void {
    const { supervisord } = this.config;
    const logger = this.logger;
    this.applyRlimit('NOFILE', supervisord.minfds, 'minfds');
    this.applyRlimit('NPROC', supervisord.minprocs, 'minprocs');
    this.writePidfile();
    this.reaper = new Reaper(this.children, {
      onReaped: (pid) => logger.debug(`reaped unknown pid ${pid}`),
      log: (level, message) => logger[level](message),
    });
    this.reaper.adoptOrphans();
    this.installSignalHandlers();
    // PID 1 with no children, no timers and no server would let Node exit: hold the loop open
    // with a timer that fires once in 24 days rather than polling.
    this.keepAlive = setInterval(() => undefined, 2 ** 31 - 1);
    logger.info(`supd started with pid ${process.pid}`);
    this.runtime.carryOut(this.supervisor.boot(this.clock()));
    this.notify({ type: 'running' });
  }

  /**
   * shutdown_on matched: stop every program as on SIGTERM and exit with the program's code. The
   * first cause wins; while supd already shuts down, a program ending changes nothing.
   */
  shutdownOn(program: string, code: number, reason: string): void {
    if (this.shutdownRequests > 0 || this.supervisor.isShuttingDown) return;
    this.exitCause = `${program} ${reason} (shutdown_on)`;
    this.logger.warn(`${program} ${reason}: shutdown_on stops every program; supd will exit with code ${code}`);
    this.shutdown(code);
  }

  /** Graceful shutdown (SIGTERM, SIGINT, SIGQUIT, or supervisor.shutdown over RPC). */
  shutdown(exitCode = 0): void {
    this.shutdownRequests += 1;
    if (this.shutdownRequests > 1) {
      // A second request while stopping: do not wait for stopwaitsecs any more.
      this.logger.warn('second shutdown request: killing every remaining process with SIGKILL');
      this.runtime.carryOut(this.supervisor.killRemaining());
      for (const participant of this.participants) participant.killAll();
      return;
    }
    this.exitCode = exitCode;
    this.logger.info('received shutdown request: stopping all processes');
    this.notify({ type: 'stopping' });
    const participantsStopped = this.participants.map((participant) => participant.stopAll());
    this.runtime.carryOut(this.supervisor.shutdown(this.clock()));
    void Promise.all([this.runtime.whenShutdownComplete(), ...participantsStopped]).then(() => this.finish());
    this.armStuckTimer();
  }

  /**
   * supd never waits for ever on a process that cannot die: once everything a shutdown still
   * waits for is stuck, it waits shutdown_stuck_timeout more, then exits non-zero naming them.
   */
  private armStuckTimer(): void {
    if (this.stuckTimer !== null || this.supervisor.supervisorState !== 'SHUTDOWN' || this.supervisor.stuckLeft() === null) return;
    const timeoutMs = this.config.supervisord.shutdownStuckTimeoutMs;
    this.logger.warn(`shutdown: only stuck processes are left; waiting shutdown_stuck_timeout=${timeoutMs / 1000} s for them`);
    // shutdown_stuck_timeout has no upper bound: setLongTimeout waits any length.
    this.stuckTimer = setLongTimeout(globalThis, this.clock, timeoutMs, () => {
      const left = this.supervisor.stuckLeft();
      if (left === null || this.supervisor.isShutdownComplete()) return;
      const pids = left.flatMap((entry) => {
        const report = this.trees.stuckReport(entry.key);
        const listed = report?.processes.map((p) => p.pid) ?? [entry.machine.pid];
        return listed.map((pid) => `pid ${pid} (${entry.config.name})`);
      });
      if (this.exitCode === 0) this.exitCode = 1;
      this.exitCause = `stuck processes did not die within shutdown_stuck_timeout=${timeoutMs / 1000} s: ${pids.join(', ')}`;
      void this.finish('stuck');
    });
  }

  /** Read the config file again without applying it (supervisor.reloadConfig, SIGHUP). */
  readConfig(): ReturnType<ConfigReloader> {
    return this.options.reloadConfig();
  }

  /**
   * supervisor.restart: stop everything, read the config again and start afresh, without exiting
   * (supervisord re-executes itself; PID 1 cannot, and need not).
   */
  restart(): void {
    if (this.supervisor.isShuttingDown) return;
    this.logger.info('received restart request: stopping all processes');
    this.notify({ type: 'stopping' });
    this.runtime.carryOut(this.supervisor.shutdown(this.clock(), 'RESTARTING'));
    void this.runtime.whenShutdownComplete().then(() => {
      const result = this.options.reloadConfig();
      if (result.ok) this.config = result.config;
      else for (const error of result.errors) this.logger.error(`restart: config rejected, keeping the old one: ${error}`);
      this.runtime.carryOut(this.supervisor.resume(this.config.groups, this.clock()));
      this.notify({ type: 'groups-changed', added: [], removed: [] });
      this.notify({ type: 'running' });
      this.logger.info('restarted');
    });
  }

  /** SIGHUP: read the config again and apply the difference; a bad config changes nothing. */
  reload(): void {
    const result = this.options.reloadConfig();
    if (!result.ok) {
      for (const error of result.errors) this.logger.error(`reload rejected: ${error}`);
      this.logger.error('reload rejected: the running configuration is kept');
      return;
    }
    this.config = result.config;
    const groupsBefore = new Set(this.supervisor.listGroups().map((g) => g.name));
    const { outcome, diff } = this.supervisor.reload(result.config.groups, this.clock());
    const groupsAfter = new Set(result.config.groups.map((g) => g.name));
    this.notify({
      type: 'groups-changed',
      added: [...groupsAfter].filter((g) => !groupsBefore.has(g)),
      removed: [...groupsBefore].filter((g) => !groupsAfter.has(g)),
    });
    const names = (list: readonly { name: string }[]) => list.map((p) => p.name).join(', ') || 'none';
    this.logger.info(
      `reloaded ${result.config.file}: added ${names(diff.added)}; changed ${names(diff.changed)}; removed ${names(diff.removed)}`,
    );
    this.runtime.carryOut(outcome);
  }

  /** SIGUSR2: reopen supd's log and every child log file. */
  reopenLogs(): void {
    this.options.log.reopen();
    for (const reopen of this.reopeners) reopen();
    this.logger.info('reopened log files');
  }

  /** Signals named in forward_signals go to every running program. */
  forwardSignal(signal: string): void {
    for (const entry of this.supervisor.list()) {
      if (entry.machine.pid !== 0) this.runtime.signal(entry, signal, false);
    }
  }

  private installSignalHandlers(): void {
    const on = (signal: NodeJS.Signals, handler: () => void): void => {
      this.handlers.set(signal, handler);
      process.on(signal, handler);
    };
    for (const signal of SHUTDOWN_SIGNALS) {
      on(signal, () => {
        this.logger.warn(`received ${signal} indicating exit request`);
        this.shutdown(0);
      });
    }
    on('SIGHUP', () => {
      this.logger.warn('received SIGHUP indicating reload request');
      this.reload();
    });
    on('SIGUSR2', () => {
      this.logger.info('received SIGUSR2 indicating log reopen request');
      this.reopenLogs();
    });
    for (const name of this.config.supervisord.forwardSignals) {
      const signal = `SIG${name}` as NodeJS.Signals;
      if (this.handlers.has(signal)) continue;
      on(signal, () => {
        this.logger.info(`received ${signal}: forwarding it to every running program`);
        this.forwardSignal(name);
      });
    }
  }

  private applyRlimit(resource: 'NOFILE' | 'NPROC', minimum: number, key: string): void {
    const result = raiseSoftLimit(resource, minimum);
    if (!result.ok) this.logger.warn(`${key}=${minimum}: ${result.reason}`);
    else if (result.after !== result.before) this.logger.info(`raised RLIMIT_${resource} from ${result.before} to ${result.after}`);
  }

  private writePidfile(): void {
    const { pidfile } = this.config.supervisord;
    if (pidfile === null) return;
    try {
      writeFileSync(pidfile, `${process.pid}\n`);
    } catch (error) {
      this.logger.error(`could not write pidfile ${pidfile}: ${(error as Error).message}`);
    }
  }

  private removePidfile(): void {
    const { pidfile } = this.config.supervisord;
    if (pidfile === null) return;
    try {
      unlinkSync(pidfile);
    } catch {
      // Already gone: nothing to clean up.
    }
  }

  private async finish(how: 'stopped' | 'stuck' = 'stopped'): Promise<void> {
    if (this.isFinishing) return;
    this.isFinishing = true;
    this.stuckTimer?.cancel();
    for (const closer of this.closers) {
      try {
        await closer();
      } catch (error) {
        this.logger.error({ err: error }, 'error while closing');
      }
    }
    this.health.dispose();
    this.heapTrim?.dispose();
    this.runtime.dispose();
    this.trees.dispose();
    this.reaper?.stop();
    if (this.keepAlive !== null) clearInterval(this.keepAlive);
    for (const [signal, handler] of this.handlers) process.off(signal, handler);
    this.removePidfile();
    // supd's last log line says why it exits and with which code.
    if (how === 'stuck') this.logger.error(`supd exiting with code ${this.exitCode}: ${this.exitCause}`);
    else if (this.exitCause === null) this.logger.info('all processes stopped; supd exiting');
    else this.logger.warn(`all processes stopped; supd exiting with code ${this.exitCode}: ${this.exitCause}`);
    await this.options.log.close();
    (this.options.exit ?? ((code: number) => process.exit(code)))(this.exitCode);
  }
}

const baseEnvByConfig = new WeakMap<SupdConfig, Readonly<Record<string, string>>>();

/**
 * supd's own environment, as every child inherits it, with [supervisord] environment= over it.
 * Made once per config: reading process.env is a call into C++ per variable, per spawn.
 */
export function childBaseEnv(config: SupdConfig): Readonly<Record<string, string>> {
  const cached = baseEnvByConfig.get(config);
  if (cached !== undefined) return cached;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  Object.assign(env, config.supervisord.environment);
  baseEnvByConfig.set(config, env);
  return env;
}

/** The URL children reach supd at, as supervisord derives it from its server sections. */
export function serverUrlOf(config: SupdConfig): string | null {
  if (config.unixHttpServer !== null) return `unix://${config.unixHttpServer.file}`;
  if (config.inetHttpServer !== null) {
    const host = config.inetHttpServer.host === '' ? 'localhost' : config.inetHttpServer.host;
    return `http://${host}:${config.inetHttpServer.port}`;
  }
  return null;
}

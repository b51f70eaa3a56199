/**
 * One process's lifecycle as supervisord 4.2.5 runs it (process.py spawn(), kill(), finish(),
 * transition()), as a pure function: events and the time come in, a new machine and effects
 * (spawn, signal, wake, log) go out as data. Nothing here spawns, signals or sets a timer.
 *
 *                 start                  startsecs elapsed
 *   STOPPED ─────────────────▶ STARTING ──────────────────▶ RUNNING
 *   EXITED  ◀─┐                  │  ▲                         │  │
 *   FATAL     │    exited too    │  │ retry delay             │  │ exited
 *             │    quickly or    ▼  │ elapsed                 │  ▼
 *             │    spawn error  BACKOFF ── retries used ──▶ FATAL EXITED ── autorestart ──▶ STARTING
 *             │                                               │
 *             │            stop                               │ stop
 *             └── STOPPED ◀──────── STOPPING ◀────────────────┘  (also from STARTING)
 *                               SIGKILL after stopwaitsecs
 *
 * Where supd differs on purpose: restarts after an exit happen at once (supervisord waits for its
 * next 1 s tick), but a process whose last run was shorter than MIN_RESTART_INTERVAL_MS is
 * restarted no sooner than that after its last start, so a crash loop is no tighter than
 * supervisord's. With backoff_factor (opt-in) every automatic restart waits its backoff
 * (restart-backoff.ts), and shutdown_on turns an exit or FATAL into a `shutdown-supd` effect
 * (exit-policy.ts).
 */
import type { Autorestart, ShutdownOn, SignalName } from '../config/types.js';
import { shutdownDecision, type ProgramEnd } from './exit-policy.js';
import type { ExitStatus } from './exit-status.js';
import { hasStayedUp, isExponential, restartDelay, type BackoffPolicy } from './restart-backoff.js';
import type { ProcessStateName } from './states.js';

export type Millis = number;

/** supervisord's tick spaces the starts of a crash-looping process about a second apart. */
export const MIN_RESTART_INTERVAL_MS: Millis = 1_000;

/** The settings of ProcessConfig the lifecycle depends on. */
export interface Lifecycle extends BackoffPolicy {
  readonly name: string;
  readonly startSecs: number;
  readonly startRetries: number;
  readonly autorestart: Autorestart;
  readonly exitCodes: readonly number[];
  readonly stopSignal: SignalName;
  readonly stopWaitMs: Millis;
  readonly stopAsGroup: boolean;
  readonly killAsGroup: boolean;
  readonly shutdownOn: ShutdownOn | null;
  readonly stopAsTree: boolean;
}

/** Each state carries only the data that belongs to it. */
export type ProcessState =
  | { readonly name: 'STOPPED' }
  | { readonly name: 'STARTING' }
  | { readonly name: 'RUNNING' }
  | { readonly name: 'BACKOFF'; readonly retryAt: Millis }
  | {
      readonly name: 'STOPPING';
      readonly killAt: Millis;
      /** When the first SIGKILL went out: a process still there stopwaitsecs later is stuck. */
      readonly killedAt?: Millis;
      readonly isStuck?: boolean;
    }
  | { readonly name: 'EXITED'; readonly expected: boolean; readonly restartAt: Millis | null }
  | { readonly name: 'FATAL' }
  | { readonly name: 'UNKNOWN' };

/** The state plus what supervisord keeps on its Subprocess and reports in getProcessInfo. */
export interface Machine {
  readonly state: ProcessState;
  readonly pid: number;
  /** Consecutive starts that failed; supervisord's `backoff`, the `tries` of state events. */
  readonly backoff: number;
  readonly laststart: Millis;
  readonly laststop: Millis;
  readonly exitstatus: number | null;
  readonly spawnerr: string | null;
  /**
   * Automatic restarts since the backoff was last reset (a start by the user, or RUNNING for
   * backoff_limit): the `attempt` a pending restart is, and the n of delay x factor^(n-1).
   */
  readonly restarts: number;
  /** How the last run ended, for reports ("restarting in 4.0 s (attempt 5, exit status 1)"). */
  readonly lastExit: ExitStatus | null;
}

export type ProcessEvent =
  | { readonly type: 'start' }
  | { readonly type: 'spawned'; readonly pid: number }
  | { readonly type: 'spawn-failed'; readonly spawnerr: string }
  | { readonly type: 'exited'; readonly status: ExitStatus }
  | { readonly type: 'stop' }
  | { readonly type: 'tick' };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type Effect =
  | { readonly type: 'spawn' }
  | {
      readonly type: 'signal';
      readonly signal: SignalName;
      readonly asGroup: boolean;
      readonly pid: number;
      /** stopastree: every process of the program's tree, not only the pid or its group. */
      readonly tree?: boolean;
    }
  | { readonly type: 'wake'; readonly at: Millis }
  | { readonly type: 'log'; readonly level: LogLevel; readonly message: string }
  /** Still there stopwaitsecs after SIGKILL (D state, a frozen cgroup): report it; supd does not wait on it. */
  | { readonly type: 'stuck'; readonly pid: number; readonly since: Millis }
  /** shutdown_on matched: stop everything as on SIGTERM, then exit with `code`. */
  | { readonly type: 'shutdown-supd'; readonly code: number; readonly reason: string };

export interface Transition {
  readonly from: ProcessStateName;
  readonly to: ProcessStateName;
  /** The machine as it is after this transition (for event payloads: tries, expected). */
  readonly machine: Machine;
  /**
   * The pid the event reports: the current one, or for STOPPED and EXITED the one the process just
   * had (supervisord sends those events before it forgets the pid).
   */
  readonly pid: number;
}

export interface Step {
  readonly machine: Machine;
  readonly effects: readonly Effect[];
  readonly transitions: readonly Transition[];
}

export class IllegalTransition extends Error {
  override readonly name = 'IllegalTransition';
  constructor(state: ProcessStateName, event: ProcessEvent['type'], processName: string) {
    super(`process '${processName}': event '${event}' is not legal in state ${state}`);
  }
}

export function initialMachine(): Machine {
  return {
    state: { name: 'STOPPED' },
    pid: 0,
    backoff: 0,
    laststart: 0,
    laststop: 0,
    exitstatus: null,
    spawnerr: null,
    restarts: 0,
    lastExit: null,
  };
}

/** Collects the effects and transitions of one step while the machine moves through states. */
class StepBuilder {
  private readonly effects: Effect[] = [];
  private readonly transitions: Transition[] = [];
  constructor(
    private current: Machine,
    readonly random: () => number,
  ) {}

  get machine(): Machine {
    return this.current;
  }

  update(fields: Partial<Machine>): void {
    this.current = { ...this.current, ...fields };
  }

  moveTo(state: ProcessState, fields: Partial<Machine> = {}): void {
    const from = this.current.state.name;
    const pidBefore = this.current.pid;
    this.current = { ...this.current, ...fields, state };
    const pid = this.current.pid !== 0 || state.name === 'STARTING' ? this.current.pid : pidBefore;
    this.transitions.push({ from, to: state.name, machine: this.current, pid });
  }

  emit(effect: Effect): void {
    this.effects.push(effect);
  }

  log(level: LogLevel, message: string): void {
    this.effects.push({ type: 'log', level, message });
  }

  build(): Step {
    return { machine: this.current, effects: this.effects, transitions: this.transitions };
  }
}

/**
 * Apply one event. `mayStart` is false while supd shuts down: supervisord starts nothing then
 * (process.py transition() checks `mood > RESTARTING`). `random` gives the backoff jitter in [0, 1).
 */
export function step(
  m: Machine,
  event: ProcessEvent,
  now: Millis,
  cfg: Lifecycle,
  mayStart = true,
  random: () => number = Math.random,
): Step {
  const b = new StepBuilder(m, random);
  const s = m.state;
  switch (event.type) {
    case 'start':
      switch (s.name) {
        case 'STOPPED':
        case 'EXITED':
        case 'FATAL':
        case 'BACKOFF':
        case 'UNKNOWN':
          // A start by the user (or at boot) begins a fresh backoff.
          b.update({ restarts: 0 });
          beginSpawn(b, now);
          return b.build();
        default: // already started or stopping: supervisord refuses this in rpcinterface, not here
          return b.build();
      }

    case 'spawned':
      if (s.name !== 'STARTING') throw new IllegalTransition(s.name, event.type, cfg.name);
      b.update({ pid: event.pid });
      b.log('info', `spawned: '${cfg.name}' with pid ${event.pid}`);
      // supervisord moves to RUNNING once `now - laststart > startsecs`, so wake just after that.
      b.emit({ type: 'wake', at: m.laststart + cfg.startSecs * 1000 + 1 });
      return b.build();

    case 'spawn-failed':
      if (s.name !== 'STARTING') throw new IllegalTransition(s.name, event.type, cfg.name);
      // supervisord's line does not say which process; with many, the user needs to know.
      b.log('info', `spawnerr: ${event.spawnerr} (process '${cfg.name}')`);
      b.update({ lastExit: null });
      requestShutdownIf(b, cfg, { type: 'spawn-failed', spawnerr: event.spawnerr });
      enterBackoff(b, now, cfg, event.spawnerr); // STARTING -> BACKOFF
      return b.build();

    case 'exited':
      return exited(b, event.status, now, cfg, mayStart);

    case 'stop':
      switch (s.name) {
        case 'STARTING':
        case 'RUNNING':
          if (m.pid === 0) {
            // A start whose spawn has not reported back yet: nothing to signal.
            b.moveTo({ name: 'STOPPED' }, { laststop: now }); // STARTING -> STOPPED
            return b.build();
          }
          beginStop(b, now, cfg, cfg.stopSignal, cfg.stopAsGroup); // RUNNING/STARTING -> STOPPING
          return b.build();
        case 'BACKOFF':
          // BACKOFF -> STOPPED: waiting out the retries would block the stop (process.py kill())
          b.moveTo({ name: 'STOPPED' });
          return b.build();
        case 'EXITED':
          // A pending automatic restart is cancelled; the process stays EXITED.
          if (s.restartAt !== null) b.update({ state: { ...s, restartAt: null } });
          return b.build();
        default:
          return b.build();
      }

    case 'tick':
      return tick(b, now, cfg, mayStart);

    default:
      return unreachable(event);
  }
}

function beginSpawn(b: StepBuilder, now: Millis): void {
  // * -> STARTING (process.py spawn())
  b.moveTo({ name: 'STARTING' }, { laststart: now, spawnerr: null, exitstatus: null, pid: 0 });
  b.emit({ type: 'spawn' });
}

function enterBackoff(b: StepBuilder, now: Millis, cfg: Lifecycle, spawnerr: string): void {
  // supervisord's change_state(BACKOFF) adds one to backoff and waits that many seconds
  // (backoff x backoff_delay); with a factor the delay is the restart's (restart-backoff.ts).
  const backoff = b.machine.backoff + 1;
  const restarts = b.machine.restarts + 1;
  const delay = isExponential(cfg) ? restartDelay(cfg, restarts, b.random()) : backoff * cfg.backoffDelayMs;
  const retryAt = now + delay;
  b.moveTo({ name: 'BACKOFF', retryAt }, { backoff, restarts, spawnerr, pid: 0 });
  if (backoff > cfg.startRetries) {
    // BACKOFF -> FATAL: supervisord does this on its next tick; nothing else can happen between.
    b.moveTo({ name: 'FATAL' }, { backoff: 0 });
    b.log('info', `gave up: ${cfg.name} entered FATAL state, too many start retries too quickly`);
    requestShutdownIf(b, cfg, { type: 'fatal', lastExit: b.machine.lastExit });
    return;
  }
  b.emit({ type: 'wake', at: retryAt });
}

/** shutdown_on: ask the daemon to stop everything and exit, when this end is one it names. */
function requestShutdownIf(b: StepBuilder, cfg: Lifecycle, end: ProgramEnd): boolean {
  const decision = shutdownDecision(cfg.shutdownOn, end);
  if (decision === null) return false;
  b.emit({ type: 'shutdown-supd', code: decision.code, reason: decision.reason });
  return true;
}

function beginStop(b: StepBuilder, now: Millis, cfg: Lifecycle, signal: SignalName, asGroup: boolean): void {
  const killAt = now + cfg.stopWaitMs;
  const pid = b.machine.pid;
  const s = b.machine.state;
  if (s.name === 'STOPPING') {
    b.update({ state: { ...s, killAt, ...(signal === 'KILL' && s.killedAt === undefined ? { killedAt: now } : {}) } });
  } else {
    b.moveTo({ name: 'STOPPING', killAt, ...(signal === 'KILL' ? { killedAt: now } : {}) });
  }
  const target = cfg.stopAsTree ? 'process tree ' : asGroup ? 'process group ' : '';
  b.log('debug', `killing ${cfg.name} (pid ${pid}) ${target}with signal SIG${signal}`);
  b.emit({ type: 'signal', signal, asGroup, pid, ...(cfg.stopAsTree ? { tree: true } : {}) });
  b.emit({ type: 'wake', at: killAt });
}

function exited(b: StepBuilder, status: ExitStatus, now: Millis, cfg: Lifecycle, mayStart: boolean): Step {
  const m = b.machine;
  const s = m.state;
  const isExpected = cfg.exitCodes.includes(status.exitstatus);
  switch (s.name) {
    case 'STOPPING': {
      // STOPPING -> STOPPED: the stop we asked for
      const message = `stopped: ${cfg.name} (${status.description})`;
      b.moveTo({ name: 'STOPPED' }, { pid: 0, laststop: now, exitstatus: status.exitstatus, lastExit: status });
      b.log(isExpected ? 'info' : 'warn', message);
      return b.build();
    }
    case 'STARTING':
    case 'RUNNING': {
      // supervisord decides "too quickly" by elapsed time, not by state (process.py finish()).
      const isTooQuick = now - m.laststart < cfg.startSecs * 1000;
      if (isTooQuick && s.name === 'STARTING') {
        b.update({ laststop: now, exitstatus: null, lastExit: status });
        b.log('warn', `exited: ${cfg.name} (${status.description}; not expected)`);
        requestShutdownIf(b, cfg, { type: 'exited', status, isExpected });
        enterBackoff(b, now, cfg, 'Exited too quickly (process log may have details)'); // STARTING -> BACKOFF
        return b.build();
      }
      if (s.name === 'STARTING') {
        // startsecs passed but the wake-up has not arrived yet: STARTING -> RUNNING first, as supervisord does.
        b.moveTo({ name: 'RUNNING' });
      }
      const isShuttingSupdDown = requestShutdownIf(b, cfg, { type: 'exited', status, isExpected });
      // The program whose end ends supd is not started again.
      const isRestarting = wantsRestart(cfg.autorestart, isExpected) && !isShuttingSupdDown;
      let restarts = m.restarts;
      let restartAt: Millis | null = null;
      if (isRestarting && isExponential(cfg)) {
        // Pebble's reset: a run that stayed RUNNING for backoff_limit starts the backoff afresh.
        if (hasStayedUp(cfg, now - m.laststart - cfg.startSecs * 1000)) restarts = 0;
        restarts += 1;
        restartAt = now + restartDelay(cfg, restarts, b.random());
      } else if (isRestarting) {
        restartAt = Math.max(now, m.laststart + MIN_RESTART_INTERVAL_MS);
      }
      // RUNNING -> EXITED
      b.moveTo(
        { name: 'EXITED', expected: isExpected, restartAt },
        {
          pid: 0,
          laststop: now,
          backoff: 0,
          restarts,
          exitstatus: status.exitstatus,
          lastExit: status,
          spawnerr: isExpected ? null : `Bad exit code ${status.exitstatus}`,
        },
      );
      b.log(isExpected ? 'info' : 'warn', `exited: ${cfg.name} (${status.description}; ${isExpected ? 'expected' : 'not expected'})`);
      if (restartAt !== null) {
        if (restartAt <= now && mayStart) beginSpawn(b, now); // EXITED -> STARTING
        else b.emit({ type: 'wake', at: restartAt });
      }
      return b.build();
    }
    default:
      throw new IllegalTransition(s.name, 'exited', cfg.name);
  }
}

function wantsRestart(autorestart: Autorestart, isExpected: boolean): boolean {
  switch (autorestart) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'unexpected':
      return !isExpected;
    default:
      return unreachable(autorestart);
  }
}

function tick(b: StepBuilder, now: Millis, cfg: Lifecycle, mayStart: boolean): Step {
  const m = b.machine;
  const s = m.state;
  switch (s.name) {
    case 'STARTING':
      if (m.pid !== 0 && now - m.laststart > cfg.startSecs * 1000) {
        // STARTING -> RUNNING
        b.moveTo({ name: 'RUNNING' }, { backoff: 0 });
        b.log(
          'info',
          `success: ${cfg.name} entered RUNNING state, process has stayed up for > than ${cfg.startSecs} seconds (startsecs)`,
        );
      }
      return b.build();
    case 'BACKOFF':
      if (mayStart && now >= s.retryAt) beginSpawn(b, now); // BACKOFF -> STARTING
      return b.build();
    case 'EXITED':
      if (mayStart && s.restartAt !== null && now >= s.restartAt) beginSpawn(b, now); // EXITED -> STARTING
      return b.build();
    case 'STOPPING':
      if (now >= s.killAt) {
        if (s.killedAt !== undefined && s.isStuck !== true) {
          // Still there stopwaitsecs after SIGKILL: the kernel holds it (D state, frozen cgroup).
          // Report it once and keep going; supervisord's repeated SIGKILL below stays.
          b.update({ state: { ...s, isStuck: true } });
          b.emit({ type: 'stuck', pid: m.pid, since: s.killedAt });
        }
        // The stop signal was ignored for stopwaitsecs: SIGKILL, and keep waiting in STOPPING.
        b.log('warn', `killing '${cfg.name}' (${m.pid}) with SIGKILL`);
        beginStop(b, now, cfg, 'KILL', cfg.killAsGroup);
      }
      return b.build();
    case 'STOPPED':
    case 'RUNNING':
    case 'FATAL':
    case 'UNKNOWN':
      return b.build();
    default:
      return unreachable(s);
  }
}

/** When this machine next needs a tick, if ever: lets the OS layer keep one timer per process. */
export function nextDeadline(m: Machine, cfg: Lifecycle): Millis | null {
  const s = m.state;
  switch (s.name) {
    case 'STARTING':
      return m.pid === 0 ? null : m.laststart + cfg.startSecs * 1000 + 1;
    case 'BACKOFF':
      return s.retryAt;
    case 'STOPPING':
      return s.killAt;
    case 'EXITED':
      return s.restartAt;
    default:
      return null;
  }
}

export function unreachable(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
}

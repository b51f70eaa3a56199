/**
 * Why each process restarted: per process, restarts counted by reason, the last three kept with
 * their exit code and time, and since when the process is in its current state. Pure: the runtime
 * feeds it exits and transitions (and health checks and OOM reports feed it their causes); time
 * arrives as `now`. supervisord keeps none of this; /metrics, `supctl status -v` and the dashboard
 * show it.
 *
 * A restart is a start of a process that ran before. Its reason is why the run before it ended:
 *   exit         it exited with a code in exitcodes= (and autorestart=true started it again)
 *   crash        it exited with another code, was killed by a signal, or exited before startsecs
 *   oom          the kernel's OOM killer ended it (told by explainLastEnd)
 *   healthcheck  its health check failed and supd stopped it (told by explainNextEnd)
 *   operator     someone stopped it (supctl stop/restart, the dashboard) and started it again
 * A stop during shutdown ends no run that is restarted, so it is not recorded.
 */
import type { ExitStatus } from './exit-status.js';
import type { Millis } from './process-machine.js';
import type { ProcessStateName } from './states.js';

export const RESTART_REASONS = ['exit', 'crash', 'oom', 'healthcheck', 'operator'] as const;
export type RestartReason = (typeof RESTART_REASONS)[number];

/** How many restarts each process keeps in `recent`. */
export const RECENT_RESTARTS = 3;

/** One restart: why the run before it ended, how, and when. */
export interface RestartRecord {
  readonly reason: RestartReason;
  /** supervisord's exitstatus of the run that ended (-1 for a death by signal); null when it never ran (spawn error). */
  readonly exitstatus: number | null;
  /** "exit status 1", "terminated by SIGKILL", or the spawn error. */
  readonly description: string;
  /** When the run ended. */
  readonly endedAt: Millis;
  /** When the process was started again. */
  readonly restartedAt: Millis;
}

/** What is known of one process, for the views. */
export interface ProcessHistory {
  /** When the process entered its current state (0 when it has not changed state yet). */
  readonly stateSince: Millis;
  readonly restarts: Readonly<Record<RestartReason, number>>;
  /** Newest first, at most RECENT_RESTARTS. */
  readonly recent: readonly RestartRecord[];
  /** The last exit seen, whether or not a restart followed. */
  readonly lastExit: (ExitStatus & { readonly at: Millis }) | null;
}

interface RunEnd {
  readonly reason: RestartReason;
  readonly exitstatus: number | null;
  readonly description: string;
  readonly endedAt: Millis;
}

interface Entry {
  stateSince: Millis;
  restarts: Record<RestartReason, number>;
  recent: RestartRecord[];
  lastExit: (ExitStatus & { at: Millis }) | null;
  /** The exit status of the child that just ended, until its transition arrives. */
  exitOfThisRun: ExitStatus | null;
  /** A cause told before the run ends (a failed health check about to stop it). */
  nextEndReason: RestartReason | null;
  /** The run that ended, waiting for the next start to become a restart. */
  pendingEnd: RunEnd | null;
}

/** What a transition carries that matters here. */
export interface HistoryTransition {
  readonly from: ProcessStateName;
  readonly to: ProcessStateName;
  /** For EXITED: whether the exit code was in exitcodes=. */
  readonly expected?: boolean;
  /** supd is shutting down or restarting: stops then are not the operator's. */
  readonly isShuttingDown: boolean;
}

const AFTER_RUN: ReadonlySet<ProcessStateName> = new Set(['EXITED', 'BACKOFF', 'STOPPED', 'FATAL', 'UNKNOWN']);

function zeroCounts(): Record<RestartReason, number> {
  return { exit: 0, crash: 0, oom: 0, healthcheck: 0, operator: 0 };
}

export class RestartHistory {
  private readonly entries = new Map<string, Entry>();

  /** The child of process `key` ended; called before the transition that follows from it. */
  exited(key: string, status: ExitStatus, now: Millis): void {
    const entry = this.entry(key);
    entry.exitOfThisRun = status;
    entry.lastExit = { ...status, at: now };
  }

  /** A process changed state (every transition, in order). */
  transition(key: string, t: HistoryTransition, now: Millis): void {
    const entry = this.entry(key);
    entry.stateSince = now;
    const exit = entry.exitOfThisRun;
    const ranBefore = t.from === 'RUNNING' || t.from === 'STARTING';
    if (ranBefore && (t.to === 'EXITED' || t.to === 'BACKOFF')) {
      // The run ended on its own (or failed to spawn: no exit status then).
      const own: RestartReason = t.to === 'EXITED' && t.expected === true ? 'exit' : 'crash';
      this.endRun(entry, entry.nextEndReason ?? own, exit, now);
    } else if (t.from === 'STOPPING' && (t.to === 'STOPPED' || t.to === 'EXITED')) {
      const reason = entry.nextEndReason ?? (t.isShuttingDown ? null : 'operator');
      if (reason !== null) this.endRun(entry, reason, exit, now);
      else entry.nextEndReason = null;
    } else if (t.to === 'STARTING' && AFTER_RUN.has(t.from) && entry.pendingEnd !== null) {
      const end = entry.pendingEnd;
      entry.pendingEnd = null;
      entry.restarts[end.reason] += 1;
      entry.recent.unshift({ ...end, restartedAt: now });
      entry.recent.length = Math.min(entry.recent.length, RECENT_RESTARTS);
    }
  }

  /**
   * The current run is about to end for `reason` (a failed health check stops it): its end is
   * recorded with that reason instead of `operator` or `crash`.
   */
  explainNextEnd(key: string, reason: RestartReason): void {
    this.entry(key).nextEndReason = reason;
  }

  /**
   * The last run ended for `reason`, learned after its exit (the OOM killer, read from the
   * cgroup): the pending end, or the restart already recorded for it, changes reason.
   */
  explainLastEnd(key: string, reason: RestartReason): void {
    const entry = this.entry(key);
    if (entry.pendingEnd !== null) {
      entry.pendingEnd = { ...entry.pendingEnd, reason };
      return;
    }
    const latest = entry.recent[0];
    if (latest === undefined || latest.reason === reason) return;
    entry.restarts[latest.reason] -= 1;
    entry.restarts[reason] += 1;
    entry.recent[0] = { ...latest, reason };
  }

  get(key: string): ProcessHistory {
    const entry = this.entries.get(key);
    if (entry === undefined) return { stateSince: 0, restarts: zeroCounts(), recent: [], lastExit: null };
    return { stateSince: entry.stateSince, restarts: { ...entry.restarts }, recent: [...entry.recent], lastExit: entry.lastExit };
  }

  /** A process that was removed from the config. */
  forget(key: string): void {
    this.entries.delete(key);
  }

  private endRun(entry: Entry, reason: RestartReason, exit: ExitStatus | null, now: Millis): void {
    entry.pendingEnd = {
      reason,
      exitstatus: exit?.exitstatus ?? null,
      description: exit?.description ?? 'spawn error',
      endedAt: now,
    };
    entry.nextEndReason = null;
    entry.exitOfThisRun = null;
  }

  private entry(key: string): Entry {
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = {
        stateSince: 0,
        restarts: zeroCounts(),
        recent: [],
        lastExit: null,
        exitOfThisRun: null,
        nextEndReason: null,
        pendingEnd: null,
      };
      this.entries.set(key, entry);
    }
    return entry;
  }
}

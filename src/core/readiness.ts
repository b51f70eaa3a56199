/**
 * Whether supd's programs are ready, as /readyz, `supctl health` and `supctl wait` report it: every
 * process that should be running is RUNNING (past startsecs) and, if it has a health check, has
 * passed it. Stopped-by-operator, never-started and completed one-shots do not count against it.
 * Pure: a snapshot of each process in, a verdict out.
 */
import type { ProcessStateName } from './states.js';

/** A process's health beside its state: null when it has no health check. */
export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

/** What the rule needs to know about one process. */
export interface ReadinessView {
  /** supervisord's namespec (`web` or `group:web_00`). */
  readonly name: string;
  readonly state: ProcessStateName;
  /** EXITED only: whether the exit code was in exitcodes. */
  readonly expected?: boolean;
  /** EXITED only: whether autorestart is about to start it again. */
  readonly restarting?: boolean;
  readonly exitstatus?: number | null;
  readonly spawnerr?: string | null;
  readonly health?: HealthStatus | null;
  /** Why the last checks failed, when unhealthy. */
  readonly healthError?: string | null;
  /** Set while the process is held back by depends_on: what it waits for ("db (healthy)"). */
  readonly waitingFor?: string | null;
}

export interface NotReady {
  readonly name: string;
  readonly why: string;
}

export interface Readiness {
  readonly ready: boolean;
  readonly notReady: readonly NotReady[];
}

/** Why this one process keeps supd from being ready, or null when it does not. */
export function whyNotReady(p: ReadinessView): string | null {
  switch (p.state) {
    case 'RUNNING':
      if (p.health === 'starting') return 'RUNNING, waiting for its first passing health check';
      if (p.health === 'unhealthy') return `unhealthy${p.healthError ? ` (${p.healthError})` : ''}`;
      return null;
    case 'STOPPED':
      // An operator's stop and autostart=false are choices, not failures; a held-back start is not.
      return p.waitingFor ? `STOPPED, waiting for ${p.waitingFor}` : null;
    case 'EXITED':
      if (p.restarting === true) return 'EXITED, starting again';
      if (p.expected === true) return null; // a one-shot that completed as expected
      return `EXITED unexpectedly${p.exitstatus !== undefined && p.exitstatus !== null ? ` (exit status ${p.exitstatus})` : ''}`;
    case 'STARTING':
      return 'STARTING';
    case 'BACKOFF':
    case 'FATAL':
      return p.spawnerr ? `${p.state} (${p.spawnerr})` : p.state;
    case 'STOPPING':
    case 'UNKNOWN':
      return p.state;
    default:
      return unreachable(p.state);
  }
}

function unreachable(value: never): never {
  throw new Error(`unexpected state ${String(value)}`);
}

/** The verdict over `processes`, in their order. */
export function assessReadiness(processes: readonly ReadinessView[]): Readiness {
  const notReady: NotReady[] = [];
  for (const p of processes) {
    const why = whyNotReady(p);
    if (why !== null) notReady.push({ name: p.name, why });
  }
  return { ready: notReady.length === 0, notReady };
}

/**
 * A program's health, from its check results, with Docker's meanings: `starting` until the first
 * success; failures inside the start period (after RUNNING) do not count; `retries` consecutive
 * failures make it `unhealthy`; one success makes it `healthy` again. Pure: results and the time
 * come in, the new record and what changed go out. Scheduling is data too (`nextAt`); the daemon's
 * health runner turns it into one timer, only for programs that have a check and are RUNNING.
 */
import type { HealthCheckConfig } from '../config/types.js';
import type { Millis } from './process-machine.js';
import type { HealthStatus } from './readiness.js';

export interface HealthRecord {
  readonly status: HealthStatus;
  /** Consecutive failures that counted (outside the start period). */
  readonly failures: number;
  /** Why the last check failed ("connect ECONNREFUSED 127.0.0.1:8080"), null after a success. */
  readonly lastError: string | null;
  /** When the process became RUNNING: the start period counts from here. */
  readonly runningSince: Millis;
  /** The first success ends the start period early. */
  readonly hasPassed: boolean;
  /** When the next check is due. */
  readonly nextAt: Millis;
}

export type CheckResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

export interface HealthStep {
  readonly health: HealthRecord;
  /** Set when the status changed to healthy or unhealthy with this result. */
  readonly change: 'healthy' | 'unhealthy' | null;
  /** True when the program is to be restarted now (unhealthy and healthcheck_action=restart). */
  readonly restart: boolean;
}

/**
 * The record of a process that just became RUNNING. Its first check is due at once: it has been
 * up startsecs already, so a dependent need not wait a whole interval for a ready program.
 */
export function healthOnRunning(now: Millis): HealthRecord {
  return { status: 'starting', failures: 0, lastError: null, runningSince: now, hasPassed: false, nextAt: now };
}

/** The record after one check that began at `startedAt` and ended at `now`. */
export function recordCheck(h: HealthRecord, result: CheckResult, startedAt: Millis, now: Millis, cfg: HealthCheckConfig): HealthStep {
  // Checks are spaced from their start, as Docker's ticker does; a slow check never runs twice at once.
  const nextAt = Math.max(now, startedAt + cfg.intervalMs);
  if (result.ok) {
    const health: HealthRecord = { ...h, status: 'healthy', failures: 0, lastError: null, hasPassed: true, nextAt };
    return { health, change: h.status === 'healthy' ? null : 'healthy', restart: false };
  }
  const inStartPeriod = !h.hasPassed && startedAt - h.runningSince < cfg.startPeriodMs;
  if (inStartPeriod) return { health: { ...h, lastError: result.error, nextAt }, change: null, restart: false };
  const failures = h.failures + 1;
  if (failures < cfg.retries || h.status === 'unhealthy') {
    const health: HealthRecord = { ...h, failures, lastError: result.error, nextAt };
    return { health, change: null, restart: false };
  }
  const health: HealthRecord = { ...h, status: 'unhealthy', failures, lastError: result.error, nextAt };
  return { health, change: 'unhealthy', restart: cfg.action === 'restart' };
}

/** What the description and /readyz say of an unhealthy program: `3 failures: <last error>`. */
export function describeFailures(h: HealthRecord): string {
  return `${h.failures} failure${h.failures === 1 ? '' : 's'}${h.lastError === null ? '' : `: ${h.lastError}`}`;
}

/**
 * How long an automatic restart waits. Without backoff_factor it is supervisord's rule (the n-th
 * failed start in a row waits n x backoff_delay, a RUNNING program that exits starts again at
 * once); with a factor it is Pebble's (servstate calculateNextBackoff, getJitter,
 * backoffResetElapsed): every automatic restart waits delay x factor^(n-1), capped at the limit,
 * plus 0-10 % jitter, and n starts again from 1 once the program has stayed RUNNING for the limit.
 * Pure: the jitter's random number in [0, 1) comes in as an argument.
 */
import type { Millis } from './process-machine.js';

export interface BackoffPolicy {
  readonly backoffDelayMs: Millis;
  readonly backoffFactor: number | null;
  readonly backoffLimitMs: Millis;
}

/** Pebble's jitter: up to this fraction of the delay is added, so restarts of many programs spread out. */
export const JITTER_FRACTION = 0.1;

/** True when the restart delay grows by a factor (the opt-in rule) rather than supervisord's. */
export function isExponential(policy: BackoffPolicy): boolean {
  return policy.backoffFactor !== null;
}

/**
 * The delay before automatic restart `attempt` (1 for the first since the last reset), before
 * jitter. Without a factor: supervisord's `attempt` x delay.
 */
export function baseDelay(policy: BackoffPolicy, attempt: number): Millis {
  const n = Math.max(1, attempt);
  if (policy.backoffFactor === null) return n * policy.backoffDelayMs;
  // Multiply step by step so a long run of failures never overflows to Infinity before the cap.
  let delay = policy.backoffDelayMs;
  for (let i = 1; i < n && delay < policy.backoffLimitMs; i++) delay *= policy.backoffFactor;
  return Math.min(delay, policy.backoffLimitMs);
}

/** baseDelay plus Pebble's 0-10 % jitter (`random` in [0, 1)); supervisord's rule has none. */
export function restartDelay(policy: BackoffPolicy, attempt: number, random: number): Millis {
  const base = baseDelay(policy, attempt);
  if (policy.backoffFactor === null) return base;
  return Math.round(base + base * JITTER_FRACTION * Math.min(Math.max(random, 0), 1));
}

/** Pebble resets the backoff once the service has run for the limit: the next failure starts from 1 again. */
export function hasStayedUp(policy: BackoffPolicy, runningForMs: Millis): boolean {
  return runningForMs >= policy.backoffLimitMs;
}

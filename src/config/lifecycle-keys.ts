/**
 * supd's opt-in keys for when programs die: restart backoff, `startretries=infinite`,
 * `shutdown_on`, `stopastree` ([program:x]) and `shutdown_stuck_timeout` ([supervisord]). Data
 * and their value parsers only; program-keys.ts and supervisord-keys.ts spread these rows into
 * their tables, and lifecycleSettings() turns the parsed values into ProcessConfig fields.
 */
import { key } from './key-spec.js';
import type { ProcessLifecycleSettings, ShutdownOn } from './types.js';
import { bool, fail, integer, ok, type ValueParser } from './values.js';

/** Seconds as a decimal number (0.5, 2, 1.25): the user's unit, turned into ms by lifecycleSettings. */
export const seconds: ValueParser<number> = (raw) => {
  const s = raw.trim();
  if (!/^\d+(\.\d+)?$/.test(s)) return fail('expected a number of seconds >= 0 (e.g. 1 or 0.5)');
  return ok(Number(s));
};

/** backoff_factor: unset (supervisord's rule) or a number >= 1. */
const factor: ValueParser<number | null> = (raw) => {
  const s = raw.trim();
  if (s === '' || s.toLowerCase() === 'none') return ok(null);
  if (!/^\d+(\.\d+)?$/.test(s) || Number(s) < 1) return fail('expected a number >= 1 (e.g. 2), or none');
  return ok(Number(s));
};

/**
 * startretries: supervisord's integer (any, as its datatypes.integer takes it; below 0 it gives up
 * after the first failed start, as 0 does), or `infinite` (never FATAL from retries).
 */
export const startRetries: ValueParser<number> = (raw) => {
  if (raw.trim().toLowerCase() === 'infinite') return ok(Number.POSITIVE_INFINITY);
  const n = integer(raw);
  return n.ok ? n : fail('expected an integer or infinite');
};

const SHUTDOWN_ON: readonly ShutdownOn[] = ['fatal', 'unexpected', 'exit'];

const shutdownOn: ValueParser<ShutdownOn | null> = (raw) => {
  const s = raw.trim().toLowerCase();
  if (s === '' || s === 'none') return ok(null);
  return (SHUTDOWN_ON as readonly string[]).includes(s) ? ok(s as ShutdownOn) : fail('expected fatal, unexpected, exit or none');
};

/** The [program:x] rows; program-keys.ts spreads them into PROGRAM_KEYS. */
export const LIFECYCLE_PROGRAM_KEYS = {
  backoff_delay: key(seconds, 1),
  backoff_factor: key<number | null>(factor, null),
  backoff_limit: key(seconds, 30),
  shutdown_on: key<ShutdownOn | null>(shutdownOn, null),
  stopastree: key(bool, false),
} as const;

/** The [supervisord] rows; supervisord-keys.ts spreads them into SUPERVISORD_KEYS. */
export const LIFECYCLE_SUPERVISORD_KEYS = {
  shutdown_stuck_timeout: key(seconds, 30),
} as const;

export function lifecycleSettings(v: {
  readonly backoff_delay: number;
  readonly backoff_factor: number | null;
  readonly backoff_limit: number;
  readonly shutdown_on: ShutdownOn | null;
  readonly stopastree: boolean;
}): ProcessLifecycleSettings {
  return {
    backoffDelayMs: Math.round(v.backoff_delay * 1000),
    backoffFactor: v.backoff_factor,
    backoffLimitMs: Math.round(v.backoff_limit * 1000),
    shutdownOn: v.shutdown_on,
    stopAsTree: v.stopastree,
  };
}

/**
 * Recognises the log paths that mean "supd's own stdout/stderr" (the container idiom
 * stdout_logfile=/dev/stdout). supd writes those through its shared std sinks instead of opening
 * the path, so nothing tries to rotate or seek them. Pure.
 */
import type { OutputStream } from './log-settings.js';

const STD_TARGETS: Readonly<Record<string, OutputStream>> = {
  '/dev/stdout': 'stdout',
  '/dev/stderr': 'stderr',
  '/dev/fd/1': 'stdout',
  '/dev/fd/2': 'stderr',
  '/proc/self/fd/1': 'stdout',
  '/proc/self/fd/2': 'stderr',
  // In a container supd is PID 1, so PID 1's stdout is supd's own.
  '/proc/1/fd/1': 'stdout',
  '/proc/1/fd/2': 'stderr',
};

/** Which of supd's own streams a logfile path names, or null for an ordinary file. */
export function stdTargetOf(logfile: string): OutputStream | null {
  return STD_TARGETS[logfile] ?? null;
}

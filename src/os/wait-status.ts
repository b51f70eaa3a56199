// A raw wait(2) status as Node reports a child's exit: an exit code, or the name of the signal that
// killed it. The macros are Linux's (WIFEXITED, WEXITSTATUS, WTERMSIG); not supervisord's wording,
// which core/exit-status.ts adds.
import { constants } from 'node:os';

export interface DecodedWaitStatus {
  readonly code: number | null;
  /** e.g. 'SIGKILL' */
  readonly signal: string | null;
}

/**
 * Signal numbers to names; the first name of a number wins (SIGABRT before SIGIOT). Python's
 * signal module also names two real-time signals, which Node's table lacks.
 */
const SIGNAL_NAMES: ReadonlyMap<number, string> = new Map([
  ...Object.entries(constants.signals)
    .reverse()
    .map(([name, number]): [number, string] => [number, name]),
  [34, 'SIGRTMIN'],
  [64, 'SIGRTMAX'],
]);

export function decodeWaitStatus(status: number): DecodedWaitStatus {
  const termsig = status & 0x7f;
  if (termsig === 0) return { code: (status >> 8) & 0xff, signal: null };
  return { code: null, signal: SIGNAL_NAMES.get(termsig) ?? `signal ${termsig}` }; // options.py signame()
}

// A raw wait(2) status as Node reports a child's exit: an exit code, or the name of the signal that
// killed it. The macros are Linux's (WIFEXITED, WEXITSTATUS, WTERMSIG); not supervisord's wording,
// which core/exit-status.ts adds.
import { constants } from 'node:os';

export interface DecodedWaitStatus {
  readonly code: number | null;
  /** e.g. 'SIGKILL' */
  readonly signal: string | null;
}

const SIGNAL_NAMES = new Map<number, string>();
for (const [name, number] of Object.entries(constants.signals)) {
  if (!SIGNAL_NAMES.has(number)) SIGNAL_NAMES.set(number, name); // SIGABRT before SIGIOT
}

export function decodeWaitStatus(status: number): DecodedWaitStatus {
  const termsig = status & 0x7f;
  if (termsig === 0) return { code: (status >> 8) & 0xff, signal: null };
  return { code: null, signal: SIGNAL_NAMES.get(termsig) ?? `SIG${termsig}` };
}

/**
 * shutdown_on: when one program's end is the container's end. Decides, from what just happened to
 * the program, whether supd shuts down and with which exit code: the program's, 128+N for a signal
 * N (the shell's convention, as tini), 1 when it could not be spawned. Pure; the daemon carries
 * the decision out (stop everything as on SIGTERM, then exit with the code).
 */
import type { ShutdownOn } from '../config/types.js';
import { shellExitCode, type ExitStatus } from './exit-status.js';

/** What happened to the program, as far as shutdown_on cares. Stops supd asked for are not among them. */
export type ProgramEnd =
  | { readonly type: 'exited'; readonly status: ExitStatus; readonly isExpected: boolean }
  | { readonly type: 'spawn-failed'; readonly spawnerr: string }
  | { readonly type: 'fatal'; readonly lastExit: ExitStatus | null };

export interface ShutdownDecision {
  readonly code: number;
  /** What happened, in the words of the log line: "exited with exit status 3". */
  readonly reason: string;
}

export function shutdownDecision(shutdownOn: ShutdownOn | null, end: ProgramEnd): ShutdownDecision | null {
  if (shutdownOn === null) return null;
  switch (end.type) {
    case 'exited':
      if (shutdownOn === 'exit' || (shutdownOn === 'unexpected' && !end.isExpected)) {
        return { code: shellExitCode(end.status), reason: `exited (${end.status.description}${end.isExpected ? '' : '; not expected'})` };
      }
      return null;
    case 'spawn-failed':
      // A program that cannot be spawned has ended before it began: for `exit` and `unexpected` alike.
      if (shutdownOn === 'exit' || shutdownOn === 'unexpected') return { code: 1, reason: `could not be spawned (${end.spawnerr})` };
      return null;
    case 'fatal':
      if (shutdownOn !== 'fatal') return null;
      return {
        code: end.lastExit === null ? 1 : shellExitCode(end.lastExit),
        reason: `entered FATAL state${end.lastExit === null ? '' : ` (last ${end.lastExit.description})`}`,
      };
    default:
      return unreachableEnd(end);
  }
}

function unreachableEnd(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
}

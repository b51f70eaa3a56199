/**
 * How supervisord records a child's death (options.py decode_wait_status): an exit code, or
 * exitstatus -1 with "terminated by SIGKILL" for a signal. 128+n is only ever supd's own exit code.
 */
import { SIGNAL_NUMBERS } from '../config/values.js';

export interface ExitStatus {
  /** What exitcodes= is compared with; -1 for a death by signal, as in supervisord. */
  readonly exitstatus: number;
  /** supervisord's words: "exit status 1" or "terminated by SIGKILL". */
  readonly description: string;
  /** The number of the signal that killed it (9 for SIGKILL); absent for an exit. */
  readonly signal?: number;
  /** The kernel's OOM killer did it (told by the memory cgroup); description says so. */
  readonly isOomKill?: boolean;
}

export function decodeExit(code: number | null, signal: string | null, coreDumped = false): ExitStatus {
  if (signal !== null) {
    const number = SIGNAL_NUMBERS[signal.replace(/^SIG/, '')] ?? Number(/^SIG(\d+)$/.exec(signal)?.[1] ?? 0);
    return {
      exitstatus: -1,
      description: `terminated by ${signal}${coreDumped ? ' (core dumped)' : ''}`,
      ...(number > 0 ? { signal: number } : {}),
    };
  }
  const status = code ?? -1;
  return { exitstatus: status, description: `exit status ${status}` };
}

/** The shell's convention for a status as one exit code: the code, or 128+N for signal N. */
export function shellExitCode(status: ExitStatus): number {
  if (status.signal !== undefined) return 128 + status.signal;
  return status.exitstatus >= 0 ? status.exitstatus & 0xff : 1;
}

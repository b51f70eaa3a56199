/**
 * How supervisord records a child's death (options.py decode_wait_status): an exit code, or
 * exitstatus -1 with "terminated by SIGKILL" for a signal. 128+n is only ever supd's own exit code.
 */

export interface ExitStatus {
  /** What exitcodes= is compared with; -1 for a death by signal, as in supervisord. */
  readonly exitstatus: number;
  /** supervisord's words: "exit status 1" or "terminated by SIGKILL". */
  readonly description: string;
}

export function decodeExit(code: number | null, signal: string | null, coreDumped = false): ExitStatus {
  if (signal !== null) {
    return { exitstatus: -1, description: `terminated by ${signal}${coreDumped ? ' (core dumped)' : ''}` };
  }
  const status = code ?? -1;
  return { exitstatus: status, description: `exit status ${status}` };
}

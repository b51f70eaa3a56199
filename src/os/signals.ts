// Sends a signal to one program or its whole process group (stopasgroup/killasgroup), as
// supervisord's Subprocess.kill() and signal() do with os.kill(±pid). Not signal-name parsing
// for config (src/config does that) and not the stop/kill timing (core decides).
import { constants } from 'node:os';

export type SendResult = 'sent' | 'no-such-process' | { readonly error: string };

/**
 * `signal` is 'TERM' or 'SIGTERM'. ESRCH is not an error: the program probably just exited on its
 * own, and supervisord leaves the state change to the exit it will see next (process.py kill()).
 */
export function sendSignal(pid: number, signal: string, asGroup: boolean): SendResult {
  const name = (signal.toUpperCase().startsWith('SIG') ? signal : `SIG${signal}`).toUpperCase();
  if (!(name in constants.signals)) return { error: `unknown signal ${signal}` };
  // pid <= 1 would signal every process we may signal (-1), our own group (0) or init.
  if (!Number.isInteger(pid) || pid <= 1) return { error: `refusing to signal pid ${pid}` };
  try {
    process.kill(asGroup ? -pid : pid, name as NodeJS.Signals);
    return 'sent';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return 'no-such-process';
    const target = asGroup ? `process group ${pid}` : `pid ${pid}`;
    return { error: `couldn't send ${name} to ${target}: ${code ?? String(error)}` };
  }
}

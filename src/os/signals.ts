// Sends a signal to one program or its whole process group (stopasgroup/killasgroup), as
// supervisord's Subprocess.kill() and signal() do with os.kill(±pid). Not signal-name parsing
// for config (src/config does that) and not the stop/kill timing (core decides).
import { signalNumberOf } from '../config/values.js';

export type SendResult = 'sent' | 'no-such-process' | { readonly error: string };

/**
 * `signal` is a name with or without SIG ('TERM', 'SIGTERM', 'RTMIN+2') or a number (0 checks
 * that the process exists). Sent by number: Node's process.kill() knows no real-time signal by
 * name. ESRCH is not an error: the program probably just exited on its own, and supervisord
 * leaves the state change to the exit it will see next (process.py kill()).
 */
export function sendSignal(pid: number, signal: string | number, asGroup: boolean): SendResult {
  const upper = String(signal).toUpperCase();
  const base = upper.startsWith('SIG') ? upper.slice(3) : upper;
  const number = typeof signal === 'number' ? signal : signalNumberOf(base);
  if (number === undefined || !Number.isInteger(number) || number < 0 || number > 64) return { error: `unknown signal ${signal}` };
  // pid <= 1 would signal every process we may signal (-1), our own group (0) or init.
  if (!Number.isInteger(pid) || pid <= 1) return { error: `refusing to signal pid ${pid}` };
  try {
    process.kill(asGroup ? -pid : pid, number);
    return 'sent';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return 'no-such-process';
    const target = asGroup ? `process group ${pid}` : `pid ${pid}`;
    return { error: `couldn't send ${typeof signal === 'number' ? `signal ${signal}` : `SIG${base}`} to ${target}: ${code ?? String(error)}` };
  }
}

/**
 * What supd says about a process beyond supervisord's words, when an opt-in key makes it worth
 * saying: the restart a backoff is waiting for ("restarting in 4.0 s (attempt 5, exit status 1)").
 * Pure: a machine, its settings and the time in; text or null (supervisord's description stands).
 */
import type { Lifecycle, Machine, Millis } from './process-machine.js';
import { isExponential } from './restart-backoff.js';

/** The pending automatic restart, with backoff_factor set; null when none is pending or the rule is supervisord's. */
export function describePendingRestart(m: Machine, cfg: Lifecycle, now: Millis): string | null {
  if (!isExponential(cfg)) return null;
  const s = m.state;
  const at = s.name === 'BACKOFF' ? s.retryAt : s.name === 'EXITED' ? s.restartAt : null;
  if (at === null) return null;
  const inSeconds = (Math.max(0, at - now) / 1000).toFixed(1);
  const why = m.lastExit?.description ?? m.spawnerr;
  return `restarting in ${inSeconds} s (attempt ${m.restarts}${why ? `, ${why}` : ''})`;
}

/** One process of a stop that did not finish, as /proc showed it when the stop was found stuck. */
export interface StuckProcess {
  readonly pid: number;
  readonly command: string;
  readonly state: string;
  readonly wchan: string | null;
}

/** `45s`, `2m`, `1h3m`: how long, in the fewest words. */
export function formatDuration(ms: Millis): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return `${hours}h${minutes % 60 === 0 ? '' : `${minutes % 60}m`}`;
}

/** `stuck: pid 4185068 rm -rf /p00 in D (disk sleep) for 2m, wchan=...` for each process still there after SIGKILL. */
export function describeStuck(processes: readonly StuckProcess[], killedAt: Millis, now: Millis): string {
  const forHowLong = formatDuration(now - killedAt);
  if (processes.length === 0) return `stuck: still stopping ${forHowLong} after SIGKILL`;
  const MAX_COMMAND = 60;
  return `stuck: ${processes
    .map((p) => {
      const command = p.command.length > MAX_COMMAND ? `${p.command.slice(0, MAX_COMMAND - 3)}...` : p.command;
      return `pid ${p.pid} ${command} in ${p.state} for ${forHowLong}${p.wchan === null ? '' : `, wchan=${p.wchan}`}`;
    })
    .join('; ')}`;
}

/** After the OOM killer ended the last run: `exit status: killed by the OOM killer (memory limit 256 MiB)`. */
export function describeOomExit(m: Machine): string | null {
  const s = m.state.name;
  if (m.lastExit?.isOomKill !== true || (s !== 'EXITED' && s !== 'BACKOFF' && s !== 'FATAL')) return null;
  return `exit status: ${m.lastExit.description}`;
}

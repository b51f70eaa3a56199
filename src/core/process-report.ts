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

/**
 * The getProcessInfo struct built from a ProcessSnapshot, with supervisord's `description`
 * (rpcinterface.py _interpretProcessInfo): `pid 123, uptime 0:00:05`, the spawnerr, `Not started`
 * or the stop time as `Jan 02 03:04 PM` in local time. Pure apart from the local time zone.
 */
import { PROCESS_STATES } from '../core/states.js';
import type { XmlRpcStruct } from './xmlrpc-codec.js';
import type { ProcessSnapshot } from './supervisor-port.js';

const MAXINT = 2 ** 31 - 1;
const MININT = -(2 ** 31);

/** xmlrpc.py capped_int: truncated to an integer and clamped to XML-RPC's 32 bits. */
export function cappedInt(value: number): number {
  return Math.min(MAXINT, Math.max(MININT, Math.trunc(value)));
}

/** The struct getProcessInfo returns, members in supervisord's order. `now` is Unix seconds. */
export function processInfo(process: ProcessSnapshot, now: number): XmlRpcStruct {
  const start = cappedInt(process.laststart);
  const stop = cappedInt(process.laststop);
  const nowSeconds = cappedInt(now);
  const stdoutLogfile = process.stdoutLogfile ?? '';
  const info = {
    name: process.name,
    group: process.group,
    start,
    stop,
    now: nowSeconds,
    state: PROCESS_STATES[process.state],
    statename: process.state,
    spawnerr: process.spawnerr ?? '',
    exitstatus: process.exitstatus,
    logfile: stdoutLogfile, // b/c alias, as in supervisord
    stdout_logfile: stdoutLogfile,
    stderr_logfile: process.stderrLogfile ?? '',
    pid: process.pid,
  };
  const description = describeProcess(process, start, stop, nowSeconds) + describeHealth(process);
  // supd's extension fields only for processes that use the extensions: supervisord's struct otherwise.
  const extensions = {
    ...(process.health === undefined
      ? {}
      : { health: process.health.status ?? '', health_failures: process.health.failures, health_error: process.health.error ?? '' }),
    ...(process.waitingFor === undefined ? {} : { waiting_for: process.waitingFor }),
  };
  return { ...info, description, ...extensions };
}

/** `, healthy` or `, unhealthy (3 failures: ...)` after a RUNNING program's description. */
function describeHealth(process: ProcessSnapshot): string {
  if (process.state !== 'RUNNING' || process.health === undefined) return '';
  switch (process.health.status) {
    case 'healthy':
      return ', healthy';
    case 'unhealthy':
      return `, unhealthy (${process.health.failures} failure${process.health.failures === 1 ? '' : 's'}${process.health.error === null ? '' : `: ${process.health.error}`})`;
    case 'starting':
      return ', health starting';
    default:
      return '';
  }
}

function describeProcess(process: ProcessSnapshot, start: number, stop: number, now: number): string {
  if (process.supdDescription) return process.supdDescription;
  if (process.waitingFor !== undefined && process.state === 'STOPPED') return `waiting for ${process.waitingFor}`;
  switch (process.state) {
    case 'RUNNING':
      // Whole seconds, and never negative when the clock was set back (as supervisord).
      return `pid ${process.pid}, uptime ${formatUptime(Math.max(0, now - start))}`;
    case 'FATAL':
    case 'BACKOFF':
      return process.spawnerr || `unknown error (try "tail ${process.name}")`;
    case 'STOPPED':
    case 'EXITED':
      return start ? formatStopTime(stop) : 'Not started';
    default:
      return '';
  }
}

/** Python's str(timedelta) for whole seconds: `0:00:05`, `1 day, 2:03:04`, `3 days, 0:00:00`. */
export function formatUptime(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const rest = seconds % 86_400;
  const clock = `${Math.floor(rest / 3600)}:${pad(Math.floor((rest % 3600) / 60))}:${pad(rest % 60)}`;
  return days === 0 ? clock : `${days} day${days === 1 ? '' : 's'}, ${clock}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** strftime('%b %d %I:%M %p') of localtime(stop), in the C locale. */
export function formatStopTime(stop: number): string {
  const date = new Date(stop * 1000);
  const hours = date.getHours();
  const twelve = hours % 12 === 0 ? 12 : hours % 12;
  return `${MONTHS[date.getMonth()]} ${pad(date.getDate())} ${pad(twelve)}:${pad(date.getMinutes())} ${hours < 12 ? 'AM' : 'PM'}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

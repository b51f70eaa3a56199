/**
 * A snapshot of /proc for `supctl tree`: every process's parent, state, start time, CPU time and
 * RSS. Thin and Linux-only: reads /proc/<pid>/stat and /proc/<pid>/status, skips processes that
 * exit while it reads, and returns an empty table where /proc does not exist. Formatting lives in
 * src/cli/supctl/tree-format.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcEntry {
  readonly pid: number;
  readonly ppid: number;
  /** One letter as /proc shows it: R, S, D, Z, T... */
  readonly state: string;
  readonly comm: string;
  /** argv joined by spaces, or [comm] for kernel threads and zombies. */
  readonly cmdline: string;
  /** Unix seconds. */
  readonly startedAt: number;
  /** User + system CPU seconds used so far. */
  readonly cpuSeconds: number;
  readonly rssBytes: number;
}

/** USER_HZ, which Linux fixes at 100 for every userspace ABI. */
const CLOCK_TICKS = 100;

export function readProcTable(root = '/proc'): Map<number, ProcEntry> {
  const table = new Map<number, ProcEntry>();
  let names: string[];
  let bootTime: number;
  try {
    names = readdirSync(root);
    bootTime = Number(/^btime (\d+)$/m.exec(readFileSync(`${root}/stat`, 'utf8'))?.[1] ?? 0);
  } catch {
    return table;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`${root}/${name}/stat`, 'utf8');
      // comm is in parentheses and may itself contain spaces or parentheses.
      const open = stat.indexOf('(');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(open + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      const ticks = (i: number): number => Number(fields[i] ?? 0);
      const status = readFileSync(`${root}/${name}/status`, 'utf8');
      const rssKb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
      const argv = readFileSync(`${root}/${name}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
      table.set(Number(name), {
        pid: Number(name),
        ppid: ticks(1),
        state: fields[0] ?? '?',
        comm,
        cmdline: argv.length > 0 ? argv.join(' ') : `[${comm}]`,
        // Fields after comm: state(0) ppid(1) ... utime(11) stime(12) ... starttime(19).
        startedAt: bootTime + ticks(19) / CLOCK_TICKS,
        cpuSeconds: (ticks(11) + ticks(12)) / CLOCK_TICKS,
        rssBytes: rssKb * 1024,
      });
    } catch {
      // The process exited while we read it.
    }
  }
  return table;
}

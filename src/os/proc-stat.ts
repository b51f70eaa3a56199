/**
 * The cheap /proc read behind /metrics, `supctl status -v` and the dashboard: one read of
 * /proc/<pid>/stat per process (parent, state, CPU ticks, start time, resident pages), nothing
 * else, so a scrape of 500 programs stays a few milliseconds. Processes that exit while it reads
 * are skipped; where /proc does not exist the table is empty. Thin: sums over trees are pure
 * (src/core/process-tree.ts).
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import type { ProcStat } from '../core/process-tree.js';

/** USER_HZ, which Linux fixes at 100 for every userspace ABI. */
const CLOCK_TICKS = 100;

export interface ProcReader {
  /** Every process now, by pid. */
  readTable(): Map<number, ProcStat>;
  /** argv joined by spaces, or [comm] for kernel threads and zombies; '' once it has exited. */
  readCmdline(pid: number, comm: string): string;
}

export function createProcReader(root = '/proc'): ProcReader {
  // One buffer for every stat file (they are under 1 KiB): open, one read, close, and no fstat
  // or allocation per process as readFileSync would do; half the time per process.
  const buffer = Buffer.alloc(4096);
  let pageSize: number | null = null;
  let bootTime: number | null = null;
  return {
    readTable() {
      const table = new Map<number, ProcStat>();
      let names: string[];
      try {
        names = readdirSync(root);
        bootTime ??= Number(/^btime (\d+)$/m.exec(readFileSync(`${root}/stat`, 'utf8'))?.[1] ?? 0);
      } catch {
        return table;
      }
      pageSize ??= readPageSize(root);
      for (const name of names) {
        const first = name.charCodeAt(0);
        if (first < 48 || first > 57) continue; // not a pid directory
        const text = readSmall(`${root}/${name}/stat`, buffer);
        if (text === null) continue; // it exited while we read
        const parsed = parseStat(text, pageSize, bootTime);
        if (parsed !== null) table.set(Number(name), { pid: Number(name), ...parsed });
      }
      return table;
    },
    readCmdline(pid, comm) {
      try {
        const argv = readFileSync(`${root}/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
        return argv.length > 0 ? argv.join(' ') : `[${comm}]`;
      } catch {
        return '';
      }
    },
  };
}

/** A small /proc file in one read into `buffer`; null when it cannot be read (the process is gone). */
function readSmall(path: string, buffer: Buffer): string | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    return buffer.toString('latin1', 0, readSync(fd, buffer, 0, buffer.length, 0));
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** /proc/<pid>/stat without its pid; null when it does not parse. */
export function parseStat(text: string, pageSize: number, bootTime: number): Omit<ProcStat, 'pid'> | null {
  // comm is in parentheses and may itself contain spaces or parentheses.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open === -1 || close === -1) return null;
  const fields = text.slice(close + 2).split(' ');
  const n = (i: number): number => Number(fields[i] ?? 0);
  // Fields after comm: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14) ... starttime(19) vsize(20) rss(21).
  return {
    ppid: n(1),
    state: fields[0] ?? '?',
    comm: text.slice(open + 1, close),
    cpuSeconds: (n(11) + n(12)) / CLOCK_TICKS,
    reapedCpuSeconds: (n(13) + n(14)) / CLOCK_TICKS,
    startedAt: bootTime + n(19) / CLOCK_TICKS,
    rssBytes: n(21) * pageSize,
  };
}

/** The kernel's page size, from the first mapping of /proc/self/smaps; 4 KiB if it cannot be read. */
function readPageSize(root: string): number {
  try {
    const fd = openSync(`${root}/self/smaps`, 'r');
    try {
      const buffer = Buffer.alloc(4096);
      const length = readSync(fd, buffer, 0, buffer.length, null);
      const kb = /^KernelPageSize:\s+(\d+) kB$/m.exec(buffer.toString('latin1', 0, length))?.[1];
      return kb === undefined ? 4096 : Number(kb) * 1024;
    } finally {
      closeSync(fd);
    }
  } catch {
    return 4096;
  }
}

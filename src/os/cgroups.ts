/**
 * Cgroups, thin: finds where supd may make cgroup v2 groups (a writable cgroup2 hierarchy under
 * its own cgroup), owns one group per stopastree program there (create, add a pid, list, kill
 * with cgroup.kill, remove), and reads OOM kill counts and memory limits from a program's group or
 * from supd's own ("the container's"), v2 memory.events or v1 memory.oom_control. One owner: the
 * ProgramCgroups object the daemon makes; nothing here decides when to kill.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** How stopastree finds a program's processes in this container. */
export type TreeMode =
  | { readonly kind: 'cgroup'; readonly base: string }
  | { readonly kind: 'proc'; readonly reason: string };

export interface CgroupPaths {
  /** Mount point of the cgroup2 hierarchy, if any. */
  readonly v2Mount: string | null;
  /** supd's own group in it ("/" or "/docker/abc"). */
  readonly v2Path: string | null;
  /** v1 memory controller's mount and supd's group in it. */
  readonly v1MemoryMount: string | null;
  readonly v1MemoryPath: string | null;
}

/** Where the hierarchies are mounted and where `pid` sits in them (/proc/PID/mountinfo and cgroup). */
export function readCgroupPaths(pid: number | 'self' = 'self'): CgroupPaths {
  let mountinfo = '';
  let membership = '';
  try {
    mountinfo = readFileSync(`/proc/${pid}/mountinfo`, 'utf8');
    membership = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  } catch {
    return { v2Mount: null, v2Path: null, v1MemoryMount: null, v1MemoryPath: null };
  }
  let v2Mount: string | null = null;
  let v1MemoryMount: string | null = null;
  for (const line of mountinfo.split('\n')) {
    // "30 22 0:27 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw": fields, then " - type source options".
    const [left, right] = line.split(' - ');
    if (left === undefined || right === undefined) continue;
    const mountPoint = left.split(' ')[4];
    const [type, , options] = right.split(' ');
    if (mountPoint === undefined) continue;
    if (type === 'cgroup2' && v2Mount === null) v2Mount = mountPoint;
    if (type === 'cgroup' && options?.split(',').includes('memory')) v1MemoryMount = mountPoint;
  }
  let v2Path: string | null = null;
  let v1MemoryPath: string | null = null;
  for (const line of membership.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m === null) continue;
    if (m[1] === '') v2Path = m[2]!;
    else if (m[1]!.split(',').includes('memory')) v1MemoryPath = m[2]!;
  }
  return { v2Mount, v2Path, v1MemoryMount, v1MemoryPath };
}

/**
 * Whether supd can give each stopastree program its own cgroup with cgroup.kill, and where. Probes
 * by making and removing a group when `probe` is true (supd --check), else makes the base group.
 */
export function detectTreeMode(pid = process.pid, probe = false): TreeMode {
  const paths = readCgroupPaths();
  if (paths.v2Mount === null || paths.v2Path === null) {
    return { kind: 'proc', reason: 'no cgroup v2 hierarchy is mounted here' };
  }
  const own = join(paths.v2Mount, paths.v2Path);
  const base = join(own, probe ? `supd-check-${pid}` : `supd-${pid}`);
  try {
    mkdirSync(base, { recursive: false });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST') return { kind: 'proc', reason: `cannot make a cgroup under ${own} (${code ?? String(error)})` };
  }
  const hasKill = existsSync(join(base, 'cgroup.kill'));
  if (probe || !hasKill) {
    try {
      rmdirSync(base);
    } catch {
      // A probe group nobody joined: removal cannot fail for a reason worth reporting.
    }
  }
  if (!hasKill) return { kind: 'proc', reason: `the kernel has no cgroup.kill (Linux >= 5.14) under ${own}` };
  return { kind: 'cgroup', base };
}

/** One line for `supd --check` and the log: which stopastree mode this container gets. */
export function describeTreeMode(mode: TreeMode): string {
  return mode.kind === 'cgroup'
    ? `stopastree: cgroup v2, a cgroup per program under ${mode.base.replace(/\/supd-check-\d+$/, '')} (stopped with cgroup.kill)`
    : `stopastree: /proc (process sessions, descendants and adopted orphans), because ${mode.reason}`;
}

/** The `memory limit 256 MiB` words, or null for no limit. */
export function formatMemoryLimit(bytes: number | null): string | null {
  if (bytes === null) return null;
  const mib = bytes / (1024 * 1024);
  return mib >= 1024 && mib % 1024 === 0 ? `${mib / 1024} GiB` : `${Math.round(mib)} MiB`;
}

/** An OOM kill counter and the memory limit it is counted against. */
export interface OomCounter {
  readonly kills: number;
  readonly limitBytes: number | null;
}

function readNumberFile(path: string): number | null {
  try {
    const text = readFileSync(path, 'utf8').trim();
    if (text === 'max') return null;
    const n = Number(text);
    // v1 says "no limit" with a page-rounded 2^63.
    return Number.isFinite(n) && n < 2 ** 62 ? n : null;
  } catch {
    return null;
  }
}

/** `oom_kill N` from a v2 memory.events or a v1 memory.oom_control file; null where unreadable. */
function readOomKills(file: string): number | null {
  try {
    const m = /^oom_kill (\d+)$/m.exec(readFileSync(file, 'utf8'));
    return m === null ? null : Number(m[1]);
  } catch {
    return null;
  }
}

/** The OOM counter of a v2 group directory, if it has the memory controller. */
export function readV2OomCounter(dir: string): OomCounter | null {
  const kills = readOomKills(join(dir, 'memory.events'));
  return kills === null ? null : { kills, limitBytes: readNumberFile(join(dir, 'memory.max')) };
}

/** supd's own ("the container's") OOM counter: v2 memory.events, else v1 memory.oom_control. */
export function readContainerOomCounter(paths = readCgroupPaths()): OomCounter | null {
  if (paths.v2Mount !== null && paths.v2Path !== null) {
    const counter = readV2OomCounter(join(paths.v2Mount, paths.v2Path));
    if (counter !== null) return counter;
  }
  if (paths.v1MemoryMount !== null && paths.v1MemoryPath !== null) {
    const dir = join(paths.v1MemoryMount, paths.v1MemoryPath);
    const kills = readOomKills(join(dir, 'memory.oom_control'));
    if (kills !== null) return { kills, limitBytes: readNumberFile(join(dir, 'memory.limit_in_bytes')) };
  }
  return null;
}

/** One cgroup per stopastree program under supd's base group; removed when supd exits. */
export class ProgramCgroups {
  private readonly made = new Set<string>();
  /** Programs whose pid went into their group: their group is where their processes are. */
  private readonly joined = new Set<string>();

  constructor(readonly base: string) {}

  private dirOf(key: string): string {
    // Group and process names are supervisord names: no '/', so ':' is the only character to spare.
    return join(this.base, key.replaceAll(':', '.'));
  }

  /** Moves `pid` into the program's group, making it first; an error text when the kernel refuses. */
  add(key: string, pid: number): string | null {
    const dir = this.dirOf(key);
    try {
      if (!this.made.has(key)) {
        mkdirSync(dir, { recursive: true });
        this.made.add(key);
      }
      writeFileSync(join(dir, 'cgroup.procs'), `${pid}\n`);
      this.joined.add(key);
      return null;
    } catch (error) {
      return `cannot move pid ${pid} into cgroup ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
    }
  }

  /** Whether the program has a group (its first pid went in). */
  has(key: string): boolean {
    return this.joined.has(key);
  }

  /** Every pid in the program's group now (empty when it has none or never had one). */
  pids(key: string): number[] {
    if (!this.made.has(key)) return [];
    try {
      return readFileSync(join(this.dirOf(key), 'cgroup.procs'), 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map(Number);
    } catch {
      return [];
    }
  }

  /** SIGKILL to every process of the group at once, in the kernel: nothing can fork away. */
  kill(key: string): string | null {
    if (!this.made.has(key)) return null;
    try {
      writeFileSync(join(this.dirOf(key), 'cgroup.kill'), '1');
      return null;
    } catch (error) {
      return `cgroup.kill of ${this.dirOf(key)} failed: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
    }
  }

  /** The program group's own OOM counter, where the memory controller is enabled for it. */
  oomCounter(key: string): OomCounter | null {
    return this.made.has(key) ? readV2OomCounter(this.dirOf(key)) : null;
  }

  /** Removes every empty group and the base (at exit); groups still holding processes stay. */
  dispose(): void {
    for (const key of this.made) {
      try {
        rmdirSync(this.dirOf(key));
        this.made.delete(key);
      } catch {
        // Still populated (a stuck process): the group is left for the container to clean up.
      }
    }
    try {
      rmdirSync(this.base); // refused while a program's group is left
    } catch {
      // Not empty or already gone.
    }
  }
}

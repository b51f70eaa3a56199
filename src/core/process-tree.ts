/**
 * A program's whole process tree from a /proc snapshot: its descendants, the memory and CPU they
 * hold together, and a descendant found by name (px-storage inside its launcher). Pure: the
 * snapshot comes in as data (read by src/os/proc-stat.ts); nothing here reads /proc.
 */

/** One process as /proc/<pid>/stat shows it. */
export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  /** One letter as /proc shows it: R, S, D, Z, T... */
  readonly state: string;
  readonly comm: string;
  /** User + system CPU seconds used so far (not its reaped children's). */
  readonly cpuSeconds: number;
  /** User + system CPU seconds of the children it has reaped (cutime + cstime). */
  readonly reapedCpuSeconds: number;
  /** Unix seconds. */
  readonly startedAt: number;
  readonly rssBytes: number;
}

export type ProcTable = ReadonlyMap<number, ProcStat>;
export type ChildIndex = ReadonlyMap<number, readonly ProcStat[]>;

/** One node of a drawn tree. */
export interface TreeNode {
  readonly proc: ProcStat;
  readonly children: readonly TreeNode[];
}

export interface TreeTotals {
  readonly processes: number;
  readonly rssBytes: number;
  readonly cpuSeconds: number;
}

/** Children by parent pid, each list by pid. Build once per snapshot. */
export function indexChildren(table: ProcTable): ChildIndex {
  const children = new Map<number, ProcStat[]>();
  for (const entry of table.values()) {
    const list = children.get(entry.ppid);
    if (list === undefined) children.set(entry.ppid, [entry]);
    else list.push(entry);
  }
  for (const list of children.values()) list.sort((a, b) => a.pid - b.pid);
  return children;
}

/** The process and all its descendants, parents before children. Empty when pid is not in the table. */
export function subtree(pid: number, table: ProcTable, children: ChildIndex): ProcStat[] {
  const root = table.get(pid);
  if (root === undefined) return [];
  const out: ProcStat[] = [root];
  // A pid cycle cannot happen in one consistent snapshot, but /proc is read over time: guard anyway.
  const seen = new Set<number>([pid]);
  for (let i = 0; i < out.length; i++) {
    for (const child of children.get(out[i]!.pid) ?? []) {
      if (seen.has(child.pid)) continue;
      seen.add(child.pid);
      out.push(child);
    }
  }
  return out;
}

/** Memory and CPU of a process and its descendants together (CPU including what they reaped). */
export function treeTotals(pid: number, table: ProcTable, children: ChildIndex): TreeTotals {
  let processes = 0;
  let rssBytes = 0;
  let cpuSeconds = 0;
  for (const proc of subtree(pid, table, children)) {
    processes += 1;
    rssBytes += proc.rssBytes;
    // A child that exits and is reaped inside the tree moves its time into its parent's
    // reapedCpuSeconds, so the sum only grows while the tree runs.
    cpuSeconds += proc.cpuSeconds + proc.reapedCpuSeconds;
  }
  return { processes, rssBytes, cpuSeconds };
}

/** The tree under pid as nested nodes, at most `maxNodes` of them (breadth first). */
export function buildTree(pid: number, table: ProcTable, children: ChildIndex, maxNodes = 200): TreeNode | null {
  const root = table.get(pid);
  if (root === undefined) return null;
  let budget = maxNodes - 1;
  const build = (proc: ProcStat, seen: Set<number>): TreeNode => {
    const kids: TreeNode[] = [];
    for (const child of children.get(proc.pid) ?? []) {
      if (budget <= 0 || seen.has(child.pid)) break;
      budget -= 1;
      seen.add(child.pid);
      kids.push(build(child, seen));
    }
    return { proc, children: kids };
  };
  return build(root, new Set([pid]));
}

/** The kernel keeps 15 bytes of a command's name in comm. */
const COMM_LENGTH = 15;

/**
 * The first descendant of any of `roots` named `name`, breadth first: by its comm (a script run
 * by its #! line has the script's name there), or by the last part of argv[0] or, for a script
 * run by an interpreter, argv[1] (`argvOf` tells). For names that are not programs but run inside one.
 */
export function findDescendant(
  name: string,
  roots: readonly number[],
  table: ProcTable,
  children: ChildIndex,
  argvOf: (proc: ProcStat) => readonly string[],
): { root: number; proc: ProcStat } | null {
  for (const root of roots) {
    for (const proc of subtree(root, table, children).slice(1)) {
      if (proc.comm === name.slice(0, COMM_LENGTH) && (name.length <= COMM_LENGTH || argvOf(proc).some((a) => basename(a) === name))) {
        return { root, proc };
      }
      if (argvOf(proc).slice(0, 2).some((a) => basename(a) === name)) return { root, proc };
    }
  }
  return null;
}

function basename(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? path : path.slice(slash + 1);
}

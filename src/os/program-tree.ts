/**
 * /proc readers for stopastree and stuck reports: which processes belong to a program (its session,
 * their descendants, and orphans supd adopted that carry the program's SUPERVISOR_* environment),
 * and what a process that will not die is doing (state, wchan, kernel stack, frozen cgroup). Thin
 * and Linux-only; reads once per call and never polls. Which pids to signal is the caller's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StatFields {
  readonly pid: number;
  readonly ppid: number;
  readonly session: number;
  /** One letter: R, S, D, Z, T... */
  readonly state: string;
}

function readStat(pid: number, root: string): StatFields | null {
  try {
    const stat = readFileSync(`${root}/${pid}/stat`, 'utf8');
    // comm is in parentheses and may itself contain spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, state: fields[0] ?? '?', ppid: Number(fields[1]), session: Number(fields[3]) };
  } catch {
    return null; // exited while we read
  }
}

/** pid, ppid, session and state of every process: one snapshot of /proc for programProcesses. */
export function readProcessStats(root = '/proc'): StatFields[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const stats: StatFields[] = [];
  for (const name of names) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    const stat = readStat(Number(name), root);
    if (stat !== null) stats.push(stat);
  }
  return stats;
}

function isOwnedBy(owner: { readonly group: string; readonly name: string } | null, program: ProgramIdentity): boolean {
  return owner !== null && owner.group === program.group && owner.name === program.name;
}

export interface ProgramIdentity {
  /** The program's main pid, alive or not: every program leads its own session, so it is also the session id. */
  readonly mainPid: number;
  readonly group: string;
  readonly name: string;
}

/**
 * Every living process that belongs to the program, main pid included while it lives: members of
 * its session, descendants of those (also the ones that called setsid()), and processes that supd
 * adopted (their parent is supd) whose environment names the program, with their descendants.
 * Zombies are left out: they are dead, and supd's reaper collects the ones it adopted.
 */
export function programProcesses(
  program: ProgramIdentity,
  supdPid = process.pid,
  root = '/proc',
  stats: readonly StatFields[] = readProcessStats(root),
  ownerOf: (pid: number) => { readonly group: string; readonly name: string } | null = (pid) => programOfProcess(pid, root),
): number[] {
  const children = new Map<number, number[]>();
  for (const s of stats) {
    const list = children.get(s.ppid);
    if (list === undefined) children.set(s.ppid, [s.pid]);
    else list.push(s.pid);
  }
  const roots = stats.filter(
    (s) =>
      s.pid === program.mainPid ||
      s.session === program.mainPid ||
      (s.ppid === supdPid && isOwnedBy(ownerOf(s.pid), program)),
  );
  const members = new Set<number>();
  const queue = roots.map((s) => s.pid);
  while (queue.length > 0) {
    const pid = queue.pop()!;
    if (members.has(pid) || pid === supdPid) continue;
    members.add(pid);
    for (const child of children.get(pid) ?? []) queue.push(child);
  }
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  return [...members].filter((pid) => byPid.get(pid)?.state !== 'Z').sort((a, b) => a - b);
}

/** What a process that will not die is doing, for the stuck report. */
export interface StuckDetail {
  readonly pid: number;
  readonly command: string;
  /** `D (disk sleep)` as /proc/PID/status says it, or `frozen` when its cgroup is frozen. */
  readonly state: string;
  readonly wchan: string | null;
  /** /proc/PID/stack, one frame a line, where readable (root). */
  readonly stack: string | null;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Whether the process's v1 freezer or v2 group is frozen (or freezing). */
function isFrozen(pid: number, root: string): boolean {
  const membership = readText(`${root}/${pid}/cgroup`) ?? '';
  for (const line of membership.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m === null) continue;
    if (m[1]!.split(',').includes('freezer')) {
      const state = readText(join('/sys/fs/cgroup/freezer', m[2]!, 'freezer.state'))?.trim();
      if (state === 'FROZEN' || state === 'FREEZING') return true;
    }
  }
  return false;
}

export function readStuckDetail(pid: number, root = '/proc'): StuckDetail | null {
  const status = readText(`${root}/${pid}/status`);
  if (status === null) return null;
  const stateLine = /^State:\s+(.*)$/m.exec(status)?.[1]?.trim() ?? '?';
  const argv = (readText(`${root}/${pid}/cmdline`) ?? '').split('\0').filter((a) => a !== '');
  const comm = /^Name:\s+(.*)$/m.exec(status)?.[1] ?? '?';
  const wchan = readText(`${root}/${pid}/wchan`)?.trim() ?? '';
  const stack = readText(`${root}/${pid}/stack`)?.trim() ?? '';
  return {
    pid,
    command: argv.length > 0 ? argv.join(' ') : `[${comm}]`,
    state: isFrozen(pid, root) ? `frozen (${stateLine})` : stateLine,
    wchan: wchan === '' || wchan === '0' ? null : wchan,
    stack: stack === '' ? null : stack,
  };
}

/** The program a process was started for, from the SUPERVISOR_* variables supd gives each program's environment. */
export function programOfProcess(pid: number, root = '/proc'): { readonly group: string; readonly name: string } | null {
  try {
    const env = readFileSync(`${root}/${pid}/environ`, 'latin1').split('\0');
    const value = (key: string) => env.find((e) => e.startsWith(`${key}=`))?.slice(key.length + 1);
    const group = value('SUPERVISOR_GROUP_NAME');
    const name = value('SUPERVISOR_PROCESS_NAME');
    return group === undefined || name === undefined ? null : { group, name };
  } catch {
    return null;
  }
}

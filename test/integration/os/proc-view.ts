// What /proc says about processes, for the os tests: state, parent and process group of a pid,
// and the zombie children of a process. Not part of supd (src/os needs none of this).
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  readonly pid: number;
  /** R, S, D, Z, T... */
  readonly state: string;
  readonly ppid: number;
  readonly pgrp: number;
}

/** /proc/<pid>/stat, or undefined when the process is gone. The comm field may hold spaces and ')'. */
export function readStat(pid: number, procRoot = '/proc'): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`${procRoot}/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, state: fields[0] ?? '?', ppid: Number(fields[1]), pgrp: Number(fields[2]) };
}

export function listProcesses(procRoot = '/proc'): ProcStat[] {
  return readdirSync(procRoot)
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readStat(Number(name), procRoot))
    .filter((stat): stat is ProcStat => stat !== undefined);
}

/** Every child of ppid, running or zombie. */
export function childrenOf(ppid: number): number[] {
  return listProcesses()
    .filter((p) => p.ppid === ppid)
    .map((p) => p.pid);
}

export function zombieChildrenOf(ppid: number): number[] {
  return listProcesses()
    .filter((p) => p.ppid === ppid && p.state === 'Z')
    .map((p) => p.pid);
}

export function readStatusField(pid: number, field: string): string | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${field}:`));
    return line?.slice(field.length + 1).trim();
  } catch {
    return undefined;
  }
}

import { describe, expect, it } from 'vitest';
import { buildTree, findDescendant, indexChildren, treeTotals, type ProcStat } from '../../../src/core/process-tree.js';
import { parseStat } from '../../../src/os/proc-stat.js';

const proc = (pid: number, ppid: number, comm: string, rssBytes = 1000, cpuSeconds = 1, reapedCpuSeconds = 0): ProcStat => ({
  pid,
  ppid,
  state: 'S',
  comm,
  cpuSeconds,
  reapedCpuSeconds,
  startedAt: 0,
  rssBytes,
});

// supd(1) -> launcher(10) -> px-storage(11) -> sleep(12); launcher -> px(13); other program(20)
const table = new Map(
  [proc(1, 0, 'supd'), proc(10, 1, 'node', 5000, 2, 0.5), proc(11, 10, 'px-storage'), proc(12, 11, 'sleep'), proc(13, 10, 'sh'), proc(20, 1, 'sleep')].map(
    (p) => [p.pid, p] as const,
  ),
);
const children = indexChildren(table);
const argv: Record<number, string[]> = { 11: ['/bin/sh', '/opt/bin/px-storage'], 13: ['/bin/sh', '/opt/bin/px', '-daemon'] };

describe('a program\'s process tree', () => {
  it('sums memory and CPU (reaped children included) over the process and every descendant', () => {
    expect(treeTotals(10, table, children)).toEqual({ processes: 4, rssBytes: 8000, cpuSeconds: 5.5 });
    expect(treeTotals(99, table, children)).toEqual({ processes: 0, rssBytes: 0, cpuSeconds: 0 });
  });

  it('builds the nested tree, children by pid', () => {
    const tree = buildTree(10, table, children);
    expect(tree?.children.map((c) => c.proc.pid)).toEqual([11, 13]);
    expect(tree?.children[0]?.children.map((c) => c.proc.pid)).toEqual([12]);
  });

  it('finds a descendant by its comm or by the script an interpreter runs, and names the program it is under', () => {
    const argvOf = (p: ProcStat): string[] => argv[p.pid] ?? [p.comm];
    expect(findDescendant('px-storage', [20, 10], table, children, argvOf)).toMatchObject({ root: 10, proc: { pid: 11 } });
    expect(findDescendant('px', [10], table, children, argvOf)).toMatchObject({ root: 10, proc: { pid: 13 } });
    expect(findDescendant('nosuch', [10, 20], table, children, argvOf)).toBeNull();
  });
});

describe('/proc/<pid>/stat', () => {
  it('reads a comm with spaces and parentheses, CPU ticks and resident pages', () => {
    const text = '42 (my (odd) name) S 1 42 42 0 -1 4194560 100 0 0 0 150 50 7 3 20 0 1 0 500 1000000 256 18446744073709551615';
    expect(parseStat(text, 4096, 1_700_000_000)).toEqual({
      ppid: 1,
      state: 'S',
      comm: 'my (odd) name',
      cpuSeconds: 2,
      reapedCpuSeconds: 0.1,
      startedAt: 1_700_000_005,
      rssBytes: 256 * 4096,
    });
  });
});

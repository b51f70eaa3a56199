import { describe, expect, it } from 'vitest';
import { formatTree } from '../../../src/cli/supctl/tree-format.js';
import type { ProcEntry } from '../../../src/os/proc-tree.js';

const NOW = 1_700_000_000;
const entry = (pid: number, ppid: number, comm: string): [number, ProcEntry] => [
  pid,
  { pid, ppid, comm, state: 'S', cmdline: comm, startedAt: NOW - 10, cpuSeconds: 0, rssBytes: 1024 * 1024 },
];

describe('supctl tree with processes whose parent died', () => {
  it('draws them under the program they belong to, marked (orphan), with their own children', () => {
    const table = new Map([entry(1, 0, 'supd'), entry(10, 1, 'php-fpm'), entry(20, 1, 'php-fpm'), entry(21, 20, 'sh'), entry(30, 1, 'other')]);
    const infos = [
      { name: 'fpm', group: 'fpm', statename: 'RUNNING', pid: 10, start: NOW - 10 },
      { name: 'gone', group: 'gone', statename: 'EXITED', pid: 0, start: NOW - 10 },
    ];
    const adopted = new Map([
      ['fpm:fpm', [20]],
      ['gone:gone', [30]],
    ]);
    const { lines } = formatTree(infos, table, NOW, adopted);
    expect(lines.map((l) => l.replace(/ +/g, ' ').trimEnd())).toEqual([
      'NAME PID STATE UPTIME RSS CPU% COMMAND',
      'fpm 10 RUNNING 0:00:10 1.0M 0.0 php-fpm',
      '└─ php-fpm (orphan) 20 S 0:00:10 1.0M 0.0 php-fpm',
      ' └─ sh 21 S 0:00:10 1.0M 0.0 sh',
      'gone - EXITED - - - ',
      '└─ other (orphan) 30 S 0:00:10 1.0M 0.0 other',
    ].map((l) => l.trimEnd()));
  });
});

import { describe, expect, it } from 'vitest';
import { formatProcessStatus, formatTreeRows } from '../../../src/cli/supctl/status-format.js';
import type { ProgramStatusReport, TreeRowReport } from '../../../src/rpc/process-status.js';

const row = (pid: number, depth: number, command: string): TreeRowReport => ({ pid, depth, state: 'S', command, rss: 2 * 1024 * 1024, cpu: 0, started: 0 });

const report: ProgramStatusReport = {
  kind: 'program',
  name: 'web',
  group: 'web',
  statename: 'RUNNING',
  since: 1_000_000,
  pid: 42,
  uptime: 65,
  command: 'node app.js',
  description: 'pid 42, uptime 0:01:05',
  restarts: { exit: 0, crash: 2, oom: 0, healthcheck: 0, operator: 1 },
  recent: [{ reason: 'crash', exitstatus: -1, description: 'terminated by SIGKILL', ended: 999_990, restarted: 999_991 }],
  health: { state: 'healthy', since: 999_995, last: 'exit status 0 in 12 ms' },
  memory: 6 * 1024 * 1024,
  cpu: 1.5,
  exitstatus: -1,
  tree: [row(42, 0, 'node app.js'), row(43, 1, 'sh -c worker'), row(44, 2, 'sleep 1'), row(45, 1, 'sleep 60')],
  stdout: ['one', 'two'],
  stderr: [],
};

describe('supctl status -v', () => {
  it('draws the tree as pstree does', () => {
    expect(formatTreeRows(report.tree).map((l) => l.trimEnd())).toEqual([
      '      Tree: 42 S   2.0M  node app.js',
      '            ├─ 43 S   2.0M  sh -c worker',
      '            │  └─ 44 S   2.0M  sleep 1',
      '            └─ 45 S   2.0M  sleep 60',
    ]);
  });

  it('shows state and health with since-when, restarts by reason with the last ones, memory, CPU and lines', () => {
    const text = formatProcessStatus(report, 1_000_065).join('\n');
    expect(text).toContain('● web - RUNNING since 1970-01-12 13:46:40 UTC (0:01:05 ago)');
    expect(text).toContain('    Health: healthy since 1970-01-12 13:46:35 UTC (0:01:10 ago); last check: exit status 0 in 12 ms');
    expect(text).toContain('  Restarts: 3 (crash 2, operator 1)\n            1970-01-12 13:46:31 UTC (0:01:14 ago): crash, terminated by SIGKILL');
    expect(text).toContain('    Memory: 6.0M (4 processes)\n       CPU: 1.50s');
    expect(text).toContain('Last 2 lines of stdout:\n  one\n  two');
    expect(text).not.toContain('stderr');
  });
});

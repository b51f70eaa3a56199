/**
 * `supd --check` for issue 14: a depends_on cycle is refused with the cycle printed (file and line),
 * the worst-case shutdown time is printed, and --grace warns when it exceeds the grace period.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir, NODE, SUPD } from '../../support/supd-harness.js';

function check(text: string, ...extra: string[]) {
  const dir = makeTempDir();
  const file = join(dir, 'supd.conf');
  writeFileSync(file, text);
  const result = spawnSync(NODE, [SUPD, '--check', '-c', file, ...extra], { encoding: 'utf8' });
  return { file, code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('supd --check with depends_on and health checks', () => {
  it('refuses a cycle, printing it with the file and line of each depends_on, and exits 2', () => {
    const r = check('[supervisord]\n[program:a]\ncommand=/bin/true\ndepends_on=b\n[program:b]\ncommand=/bin/true\ndepends_on=a\n');
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
    expect(r.stderr).toBe(`supd: ${r.file}:4: [program:a] depends_on forms a cycle: a -> b -> a; depends_on of a (${r.file}:4), b (${r.file}:7)\n`);
  });

  it('prints the worst-case shutdown time: levels one after another, each its slowest stopwaitsecs', () => {
    const r = check('[supervisord]\n[program:db]\ncommand=/bin/true\npriority=10\nstopwaitsecs=20\n[program:web]\ncommand=/bin/true\npriority=20\nstopwaitsecs=5\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('worst-case shutdown: 25 s over 2 priority levels; priority 20: 5 s (web), priority 10: 20 s (db)\n');
    expect(r.stderr).toBe('');
  });

  it('with --grace warns when the worst case exceeds it, still exiting 0', () => {
    const r = check('[supervisord]\n[program:db]\ncommand=/bin/true\nstopwaitsecs=45\n', '--grace', '30');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^supd: warning: worst-case shutdown 45 s exceeds --grace 30 s: /);
  });
});

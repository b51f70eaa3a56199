import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir, NODE, REPO, SUPD } from '../support/supd-harness.js';

const CONFIGS = resolve(REPO, '../shared/configs');
const hasConfigs = existsSync(CONFIGS);
const configs = hasConfigs ? readdirSync(CONFIGS).filter((f) => f.endsWith('.conf')).sort() : [];

function check(file: string, env: Record<string, string> = {}) {
  const result = spawnSync(NODE, [SUPD, '--check', '-c', file], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('supd --check', () => {
  it('prints the effective processes after numprocs expansion and exits 0, starting nothing', () => {
    const dir = makeTempDir();
    const file = join(dir, 'supd.conf');
    writeFileSync(
      file,
      '[supervisord]\n[program:web]\ncommand=/bin/sleep 100\nnumprocs=2\nprocess_name=%(program_name)s_%(process_num)d\npriority=5\nstdout_logfile=/dev/stdout\n',
    );
    const { code, stdout, stderr } = check(file);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/web_0/);
    expect(stdout).toMatch(/web_1/);
    expect(stdout).toContain('/bin/sleep 100');
    expect(stdout).toContain('/dev/stdout');
  });

  it('lists every error at once, one line each, and exits 2', () => {
    const dir = makeTempDir();
    const file = join(dir, 'supd.conf');
    writeFileSync(file, '[supervisord]\n[program:a]\ncommand=x\nstopsignal=NOPE\n[program:b]\nstartretries=-1\n');
    const { code, stderr } = check(file);
    expect(code).toBe(2);
    const lines = stderr.trim().split('\n');
    expect(lines.some((l) => /supd\.conf:4: \[program:a\] stopsignal=NOPE: /.test(l))).toBe(true);
    expect(lines.some((l) => /\[program:b\].*command/.test(l))).toBe(true);
  });

  it('warns about an unknown key but still passes', () => {
    const dir = makeTempDir();
    const file = join(dir, 'supd.conf');
    writeFileSync(file, '[supervisord]\n[program:a]\ncommand=/bin/true\ndependent_startup=true\n');
    const { code, stderr } = check(file);
    expect(code).toBe(0);
    expect(stderr).toMatch(/warning: .*supd\.conf:4: \[program:a\] unknown key 'dependent_startup' \(ignored\)/);
  });
});

describe.skipIf(!hasConfigs)(`real-world configs from ../shared/configs${hasConfigs ? '' : ' (absent: skipped)'}`, () => {
  it.each(configs)('%s passes --check, or is refused only for an unsupported section', (name) => {
    const text = readFileSync(join(CONFIGS, name), 'utf8');
    // Give every %(ENV_X)s the config uses a value, as its image's environment would.
    const env = Object.fromEntries([...text.matchAll(/%\(ENV_(\w+)\)s/g)].map((m) => [m[1]!, '1']));
    let file = join(CONFIGS, name);
    if (!/^\[supervisord\]/m.test(text)) {
      // A fragment its image includes from a main file; check it the way it is used.
      const dir = makeTempDir();
      file = join(dir, 'main.conf');
      writeFileSync(file, `[supervisord]\n[include]\nfiles = ${join(CONFIGS, name)}\n`);
    }
    const { code, stdout, stderr } = check(file, env);
    if (/^\[fcgi-program:/m.test(text)) {
      expect(code).toBe(2);
      expect(stderr).toMatch(/\[fcgi-program:\w+\] is not supported by supd/);
      return;
    }
    expect({ code, stderr }).toMatchObject({ code: 0 });
    for (const [, program] of text.matchAll(/^\[program:([^\]]+)\]/gm)) expect(stdout).toContain(program);
  });
});

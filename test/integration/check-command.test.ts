import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REAL_CONFIGS, REAL_CONFIGS_ABSENT_NOTE, REAL_CONFIGS_DIR } from '../support/real-configs.js';
import { makeTempDir, NODE, SUPD } from '../support/supd-harness.js';

const CONFIGS = REAL_CONFIGS_DIR ?? '';
const hasConfigs = REAL_CONFIGS_DIR !== null;
const configs = REAL_CONFIGS;

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
    expect(lines).toContainEqual(expect.stringMatching(/supd\.conf:4: \[program:a\] stopsignal=NOPE: /));
    expect(lines).toContainEqual(expect.stringMatching(/\[program:b\].*command/));
  });

  it('warns about an unknown key but still passes', () => {
    const dir = makeTempDir();
    const file = join(dir, 'supd.conf');
    writeFileSync(file, '[supervisord]\n[program:a]\ncommand=/bin/true\nstartdelay=5\n');
    const { code, stderr } = check(file);
    expect(code).toBe(0);
    expect(stderr).toMatch(/warning: .*supd\.conf:4: \[program:a\] unknown key 'startdelay' \(ignored\)/);
  });
});

/**
 * supervisord 4.2.5's verdict on each real config, on this machine and in the environment its
 * README gives (SUPERVISORD_STOPWAITSECS for litellm, PORT for sentry-seer): null when it loads,
 * else what supd must say. uvicorn's [fcgi-program:x] is refused by supd only (docs/differences.md).
 */
const VERDICTS: Record<string, RegExp | null> = {
  'continuouspipe-ubuntu.conf': null,
  'ddev-nginx-fpm.conf': /ddev-nginx-fpm\.conf: no \[supervisord\] section/,
  'ddev-webserver-main.conf': null,
  'docker-mailserver.conf': /:\d+: \[program:postgrey\] command=.*: environment variable POSTGREY_DELAY is not set/,
  'laradock-php-worker.conf': null,
  'laravel-sail-8x.conf': /:\d+: \[supervisord\] logfile=\/var\/log\/supervisord\/supervisord\.log: directory \/var\/log\/supervisord does not exist/,
  'litellm.conf': null,
  'mailcow-postfix.conf': null,
  'richarvey-nginx-php-fpm.conf': null,
  'selenium-base.conf': /:\d+: \[supervisord\] pidfile=\/var\/run\/supervisor\/supervisord\.pid: directory \/var\/run\/supervisor does not exist/,
  'sentry-seer.conf': null,
  'trafex-php-nginx.conf': null,
  'uvicorn-fcgi-program.conf': /:\d+: \[fcgi-program:uvicorn\] is not supported by supd/,
  'valheim-server.conf': /:\d+: \[program:valheim-server\] user=steam: Can't find username 'steam'/,
};
const README_ENV = { SUPERVISORD_STOPWAITSECS: '30', PORT: '9091' };

it.skipIf(hasConfigs)(REAL_CONFIGS_ABSENT_NOTE, () => undefined);

describe.skipIf(!hasConfigs)('real-world configs from ../shared/configs', () => {
  it('are all listed here with their verdict', () => {
    expect(configs).toEqual(Object.keys(VERDICTS).sort());
  });

  it.each(configs)('%s gets the verdict supervisord 4.2.5 gives it here', (name) => {
    const { code, stdout, stderr } = check(join(CONFIGS, name), README_ENV);
    const errors = stderr.split('\n').filter((l) => l.startsWith('supd: ') && !l.startsWith('supd: warning: '));
    const refusal = VERDICTS[name];
    if (refusal === null || refusal === undefined) {
      expect({ code, errors }).toEqual({ code: 0, errors: [] });
      const text = readFileSync(join(CONFIGS, name), 'utf8');
      for (const [, program] of text.matchAll(/^\[program:([^\]]+)\]/gm)) expect(stdout).toContain(program);
    } else {
      expect({ code, errors }).toMatchObject({ code: 2, errors: expect.arrayContaining([expect.stringMatching(refusal)]) });
    }
  });

  it('docker-mailserver, with its variables set, is refused for user fetchmail, as supervisord refuses it', () => {
    const text = readFileSync(join(CONFIGS, 'docker-mailserver.conf'), 'utf8');
    const env = Object.fromEntries([...text.matchAll(/%\(ENV_(\w+)\)s/g)].map((m) => [m[1]!, '1']));
    const { code, stderr } = check(join(CONFIGS, 'docker-mailserver.conf'), env);
    expect({ code, stderr }).toMatchObject({ code: 2, stderr: expect.stringMatching(/\[program:fetchmail\] user=fetchmail: Can't find username 'fetchmail'/) });
  });

  it('says which commands cannot be found, as warnings that do not change the verdict', () => {
    const { code, stderr } = check(join(CONFIGS, 'trafex-php-nginx.conf'), README_ENV);
    expect({ code, stderr }).toMatchObject({
      code: 0,
      stderr: expect.stringContaining("[program:nginx] command=nginx -g 'daemon off;': can't find command 'nginx' (the program will fail to start)"),
    });
  });
});

describe('supd --check of a large config', () => {
  it('reads a 3.9 MB command= within a 40 MB heap (it took 40x the input)', () => {
    const file = join(makeTempDir(), 'big.conf');
    writeFileSync(file, `[supervisord]\n[program:big]\ncommand=echo ${'a'.repeat(3_900_000)}\n`);
    const r = spawnSync(NODE, ['--max-old-space-size=40', SUPD, '--check', '-c', file], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
    expect({ code: r.status, stderr: r.stderr.slice(0, 300) }).toEqual({ code: 0, stderr: '' });
  });

  it('refuses a 50 MB config without reading it all', () => {
    const file = join(makeTempDir(), 'huge.conf');
    writeFileSync(file, `[supervisord]\n[program:big]\ncommand=echo ${'a'.repeat(50_000_000)}\n`);
    const r = spawnSync(NODE, ['--max-old-space-size=40', SUPD, '--check', '-c', file], { encoding: 'utf8', timeout: 60_000 });
    expect({ code: r.status, stderr: r.stderr }).toEqual({
      code: 2,
      stderr: `supd: ${file}: is larger than 4 MiB, the most supd reads from one config file\n`,
    });
  });
});

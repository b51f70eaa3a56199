// The bins as a user runs them after `npm ci && npm run build`: executable, checking the Node
// version before anything else, supd re-executing itself with its V8 flags, supctl's --version
// and per-action help, and a build that does nothing when nothing changed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { V8_FLAGS } from '../../../src/cli/v8-tuning.js';
import { makeTempDir, NODE, REPO, SUPD } from '../../support/supd-harness.js';

const SUPCTL = join(REPO, 'dist/cli/supctl.js');
/** The machine's own Node (20 on the CI machine), not the devDependency's. */
const SYSTEM_NODE = '/usr/bin/node';
const systemNodeMajor = existsSync(SYSTEM_NODE)
  ? Number(spawnSync(SYSTEM_NODE, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.split('.')[0])
  : null;
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
/** PATH with the test's Node first, as npm scripts and npx have it. */
const PATH = `${dirname(NODE)}:${process.env['PATH'] ?? '/usr/bin:/bin'}`;

function run(file: string, args: string[], node: string | null = NODE) {
  const argv = node === null ? [file, ...args] : [node, file, ...args];
  return spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 20_000, env: { ...process.env, PATH } });
}

describe('the bins on a Node that is too old', () => {
  it.skipIf(systemNodeMajor === null || systemNodeMajor >= 22)(
    'say what they need and how to get it, in a few lines and no stack, and exit 1 (needs /usr/bin/node < 22)',
    () => {
      for (const [name, bin] of [['supd', SUPD], ['supctl', SUPCTL]] as const) {
        const result = run(bin, name === 'supd' ? ['-c', '/nonexistent.conf'] : ['status'], SYSTEM_NODE);
        expect({ status: result.status, stdout: result.stdout, first: result.stderr.split('\n')[0] }).toEqual({
          status: 1,
          stdout: '',
          first: expect.stringMatching(new RegExp(`^${name}: needs Node\\.js 22\\.12 or newer; this is Node\\.js 2?\\d\\.`)),
        });
        expect(result.stderr).toContain(`npm run -s ${name} -- ...`);
        expect(result.stderr).not.toMatch(/TypeError|\n\s+at /);
      }
    },
  );
});

describe('the bins as built', () => {
  it('are executable, and run as commands through their #! line', () => {
    expect([SUPD, SUPCTL].map((bin) => (statSync(bin).mode & 0o111).toString(8))).toEqual(['111', '111']);
    expect(run(SUPCTL, ['--version'], null)).toMatchObject({ status: 0, stdout: `${VERSION}\n` });
    expect(run(SUPD, ['--version'], null)).toMatchObject({ status: 0, stdout: `${VERSION}\n` });
  });

  it("supctl help ACTION and ACTION --help print that action's help only", () => {
    for (const args of [['help', 'tail'], ['tail', '--help']]) {
      const result = run(SUPCTL, args);
      expect({ status: result.status, first: result.stdout.split('\n')[0] }).toEqual({ status: 0, first: 'Usage: supctl tail [-f|-N] NAME [stdout|stderr]' });
      expect(result.stdout).not.toContain('maintail');
    }
    expect(run(SUPCTL, ['help', 'nosuch'])).toMatchObject({ status: 2, stderr: "supctl: no help on 'nosuch': there is no such action (try supctl --help)\n" });
  });

  it("supd --help's usage line names its options", () => {
    const result = run(SUPD, ['--help']);
    expect(result.status).toEqual(0);
    expect(result.stdout.split('\n')[0]).toEqual('supd [-c FILE] [--check] [-n] [-e LEVEL] [-l FILE] [--grace SECONDS] [-h] [-v]');
  });
});

describe('supd started without its V8 flags', () => {
  let child: ReturnType<typeof spawn> | undefined;
  afterEach(async () => {
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    child = undefined;
  });

  it('re-executes itself with them, keeping its pid, and supervises as usual', async () => {
    const dir = makeTempDir('supd-bare-');
    const config = join(dir, 'supd.conf');
    writeFileSync(config, `[supervisord]\nlogfile=${join(dir, 'supd.log')}\n\n[program:idle]\ncommand=sleep 1000\nstartsecs=0\n`);
    child = spawn(NODE, [SUPD, '-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    const pid = child.pid!;
    const cmdline = () => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    await vi.waitFor(() => expect(cmdline()).toEqual([NODE, ...V8_FLAGS, SUPD, '-c', config, '']), { timeout: 10_000, interval: 20 });
    await vi.waitFor(() => expect(readFileSync(join(dir, 'supd.log'), 'utf8')).toContain("spawned: 'idle'"), { timeout: 10_000, interval: 50 });
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toEqual(0);
  });
});

describe('the build', () => {
  it('is up to date until a source changes, so npm start rebuilds only then', async () => {
    // @ts-expect-error: a plain .mjs script, no types
    const { isBuildUpToDate, BINS, STAMP } = (await import('../../../scripts/build-stamp.mjs')) as {
      isBuildUpToDate: (root: string) => boolean;
      BINS: string[];
      STAMP: string;
    };
    const root = makeTempDir('supd-build-');
    const at = (path: string, seconds: number) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), '');
      utimesSync(join(root, path), seconds, seconds);
    };
    for (const file of ['src/cli/supd.ts', 'package.json', ...BINS]) at(file, 1_000);
    expect(isBuildUpToDate(root)).toEqual(false); // never built
    at(STAMP, 2_000);
    expect(isBuildUpToDate(root)).toEqual(true);
    at('src/os/spawn.ts', 3_000);
    expect(isBuildUpToDate(root)).toEqual(false);
  });
});

/**
 * The demo layout (conf.d/) run as the image runs it: the Dockerfile's ENTRYPOINT
 * (`node ... dist/cli/supd.js -c conf.d/supd.conf`) as PID 1 of a fresh PID namespace, with a private /tmp as a container has, and the image's
 * HEALTHCHECK (`supctl health`) run inside it through nsenter. Not the stand-ins' own behaviour:
 * that is test/integration/demo-layout.test.ts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRpcClient, type RpcClient } from '../../src/rpc/client.js';
import { DEMO_ONE_SHOT, DEMO_PROGRAMS } from '../support/demo.js';
import { canUnshare, descendants, NODE, REPO, SUPD } from '../support/supd-harness.js';

const CONFIG = join(REPO, 'conf.d/supd.conf');
const SUPCTL = join(REPO, 'dist/cli/supctl.js');
/** The programs that stay RUNNING; ONE_SHOT exits 0 at once. */
const PROGRAMS = DEMO_PROGRAMS.filter((p) => p !== DEMO_ONE_SHOT);
const ONE_SHOT = DEMO_ONE_SHOT;
const GRACE_MS = 10_000; // docker stop's default: SIGTERM, then SIGKILL 10 s later

const unshareAvailable = canUnshare() && existsSync(SUPD);
const reason = 'needs unshare(1), root and a built dist/ (npm run build)';

interface Demo {
  readonly unshare: ChildProcess;
  /** supd's pid as seen from here (it is 1 inside). */
  readonly pid: number;
  readonly lines: string[];
  readonly exited: Promise<number>;
  readonly rpc: RpcClient;
  /** A path under the namespace's private /tmp, seen from here. */
  tmp(path: string): string;
}

let demo: Demo | undefined;
afterEach(() => {
  demo?.rpc.close();
  // Killing unshare (--kill-child) takes the whole namespace with it.
  if (demo !== undefined && demo.unshare.exitCode === null) demo.unshare.kill('SIGKILL');
  demo = undefined;
});

/**
 * Inside the new mount namespace: a private tmpfs on /tmp (the container's own /tmp), keeping the
 * checkout visible when it lives under /tmp itself (CI may clone there), then exec supd.
 */
const PRIVATE_TMP_THEN_EXEC = `set -e
case "$SUPD_REPO" in
  /tmp/*)
    host=/run/supd-test-host-tmp
    mkdir -p "$host"
    mount --bind /tmp "$host"
    mount -t tmpfs tmpfs /tmp
    mkdir -p "$SUPD_REPO"
    mount --bind "$host/\${SUPD_REPO#/tmp/}" "$SUPD_REPO" ;;
  *) mount -t tmpfs tmpfs /tmp ;;
esac
exec "$@"`;

/**
 * The Dockerfile's ENTRYPOINT (exec form), with the image's paths mapped to this checkout: the
 * command the container runs, node flags included, so a change to it is tested here.
 */
function entrypointArgv(): string[] {
  const line = readFileSync(join(REPO, 'Dockerfile'), 'utf8').split('\n').find((l) => l.startsWith('ENTRYPOINT '));
  if (line === undefined) throw new Error('Dockerfile has no ENTRYPOINT');
  const argv = JSON.parse(line.slice('ENTRYPOINT '.length)) as string[];
  return argv.map((arg) =>
    arg === 'node' ? NODE : arg === '/app/dist/cli/supd.js' ? SUPD : arg === '/etc/supd/conf.d/supd.conf' ? CONFIG : arg,
  );
}

/** Starts the demo as PID 1: a private tmpfs on /tmp (the container's own /tmp), then exec supd. */
async function startDemo(): Promise<Demo> {
  const supdArgv = entrypointArgv();
  expect(supdArgv).toEqual(expect.arrayContaining([NODE, SUPD, '-c', CONFIG]));
  const unshare = spawn(
    'unshare',
    ['--pid', '--fork', '--mount-proc', '--kill-child', '/bin/sh', '-c', PRIVATE_TMP_THEN_EXEC, 'sh', ...supdArgv],
    {
      cwd: REPO,
      // node on PATH is the Node running the tests (the image's is 24 too); PX_NS_PORT=0 so a
      // demo already running on this machine (npm start) does not hold px-ns's port.
      env: { ...process.env, PATH: `${dirname(NODE)}:${process.env.PATH ?? ''}`, PX_NS_PORT: '0', SUPD_REPO: REPO },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  let pending = '';
  const collect = (chunk: string): void => {
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop()!;
    lines.push(...parts);
  };
  unshare.stdout!.setEncoding('utf8').on('data', collect);
  unshare.stderr!.setEncoding('utf8').on('data', collect);
  const exited = new Promise<number>((resolve) => unshare.on('exit', (code, signal) => resolve(code ?? (signal === null ? -1 : 128))));
  let pid = 0;
  await vi.waitFor(
    () => {
      const children = readFileSync(`/proc/${unshare.pid}/task/${unshare.pid}/children`, 'utf8').trim();
      if (children === '') throw new Error('unshare has not forked yet');
      pid = Number(children.split(' ')[0]);
      // supd itself, after sh's exec
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(SUPD)) throw new Error('not exec-ed yet');
    },
    { timeout: 5_000, interval: 20 },
  );
  const tmp = (path: string): string => `/proc/${pid}/root/tmp/${path}`;
  const rpc = createRpcClient({ serverUrl: `unix://${tmp('supd-demo.sock')}` });
  return { unshare, pid, lines, exited, rpc, tmp };
}

interface Info {
  readonly name: string;
  readonly statename: string;
  readonly pid: number;
}

/** `/proc` of one of supd's descendants: its pid here, its pid inside the namespace, its argv. */
function describeTree(root: number): { pid: number; innerPid: number; ppid: number; argv: string[]; state: string }[] {
  return descendants(root).flatMap(({ pid, state }) => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const nspid = /^NSpid:\s+(.*)$/m.exec(status)![1]!.trim().split(/\s+/).map(Number);
      const ppid = Number(/^PPid:\s+(\d+)$/m.exec(status)![1]);
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      return [{ pid, innerPid: nspid.at(-1)!, ppid, argv, state }];
    } catch {
      return []; // gone meanwhile
    }
  });
}

const isScript = (argv: string[], name: string): boolean => argv.some((word) => word.endsWith(`/conf.d/bin/${name}`));

describe.skipIf(!unshareAvailable)(`the demo layout as PID 1 (${unshareAvailable ? 'unshare available' : reason})`, () => {
  it('runs every program, keeps the launcher\'s grandchildren alive, records every change, and stops cleanly on SIGTERM', async () => {
    const started = await startDemo();
    demo = started;
    const { pid, rpc } = started;
    const seen = (): string => `supd's output:\n${started.lines.join('\n')}`;

    // Every program and the event handler reach RUNNING.
    let infos: Info[] = [];
    try {
      await vi.waitFor(
        async () => {
          infos = (await rpc.call('supervisor.getAllProcessInfo')) as unknown as Info[];
          expect(Object.fromEntries(infos.map((i) => [i.name, i.statename]))).toEqual({
            ...Object.fromEntries(PROGRAMS.map((p) => [p, 'RUNNING'])),
            [ONE_SHOT]: 'EXITED',
          });
        },
        { timeout: 15_000, interval: 100 },
      );
    } catch (error) {
      throw new Error(`${String(error)}\nlast getAllProcessInfo: ${JSON.stringify(infos)}\n${seen()}`);
    }

    // The image's HEALTHCHECK, run inside the container's namespaces as `docker exec` would.
    const health = spawnSync('nsenter', ['-t', String(pid), '-m', '-p', '--', NODE, SUPCTL, '-c', CONFIG, 'health'], { encoding: 'utf8' });
    expect({ code: health.status, out: health.stdout, err: health.stderr }).toEqual({ code: 0, out: 'ready\n', err: '' });

    // The launcher's children are supd's grandchildren, as in the original layout.
    const launcherInner = infos.find((i) => i.name === 'start_pxcontroller_pxstorage')!.pid;
    const launcher = describeTree(pid).find((p) => p.innerPid === launcherInner)!;
    const grandchildren = () => describeTree(pid).filter((p) => p.ppid === launcher.pid);
    await vi.waitFor(
      () => {
        const argvs = grandchildren().map((p) => p.argv);
        const found = { 'px-storage': argvs.some((a) => isScript(a, 'px-storage')), 'px -daemon': argvs.some((a) => isScript(a, 'px') && a.includes('-daemon')), 'watchdog.sh': argvs.some((a) => isScript(a, 'watchdog.sh')) };
        expect({ found, argvs }).toMatchObject({ found: { 'px-storage': true, 'px -daemon': true, 'watchdog.sh': true } });
      },
      { timeout: 5_000, interval: 50 },
    );

    // kill -9 px-storage: the launcher starts it again, under a new pid, and no zombie stays.
    const storage = grandchildren().find((p) => isScript(p.argv, 'px-storage'))!;
    process.kill(storage.pid, 'SIGKILL');
    await vi.waitFor(
      () => {
        const again = grandchildren().find((p) => isScript(p.argv, 'px-storage'));
        expect(again?.pid).toBeDefined();
        expect(again!.pid).not.toBe(storage.pid);
      },
      { timeout: 5_000, interval: 50 },
    );
    await vi.waitFor(() => expect(describeTree(pid).filter((p) => p.state === 'Z').map((p) => p.argv.join(' '))).toEqual([]), {
      timeout: 3_000,
      interval: 50,
    });
    // supd itself saw no exit: the launcher kept px-storage to itself.
    const launcherNow = (await rpc.call('supervisor.getProcessInfo', ['start_pxcontroller_pxstorage'])) as unknown as Info;
    expect(launcherNow).toMatchObject({ statename: 'RUNNING', pid: launcherInner });

    // The event handler has recorded each program's way to RUNNING.
    const record = readFileSync(started.tmp('supd-demo/state-changes.log'), 'utf8');
    for (const name of PROGRAMS.filter((p) => p !== 'supervisord_event_handler')) {
      expect(record, `state-changes.log:\n${record}`).toContain(`${name}:${name} STARTING -> RUNNING`);
    }

    // SIGTERM (docker stop): every program stops on its own stop signal, supd exits 0 in time.
    rpc.close();
    const t0 = performance.now();
    process.kill(pid, 'SIGTERM');
    const code = await Promise.race([started.exited, new Promise<string>((r) => setTimeout(() => r('still running'), GRACE_MS))]);
    expect(code, seen()).toBe(0);
    expect(performance.now() - t0).toBeLessThan(GRACE_MS);
    const stopped = started.lines.flatMap((line) => / (?:INFO|WARN) stopped: (\S+) \((.*?)\)$/.exec(line)?.slice(1, 3).join(' ') ?? []);
    // Every stand-in and the event handler (state-log.mjs) exits 0 on TERM.
    expect(stopped.sort(), seen()).toEqual(PROGRAMS.map((p) => `${p} exit status 0`).sort());
    expect(started.lines).toContainEqual(expect.stringContaining('all processes stopped'));
    expect(readdirSync(`/proc`)).not.toContain(String(launcher.pid));
  });
});

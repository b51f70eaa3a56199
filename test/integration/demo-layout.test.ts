/**
 * The demo layout's parts, each on its own: conf.d/supd.conf passes `supd --check`, and every
 * stand-in in conf.d/bin/ does the observable thing it promises and exits 0 on its stop signal.
 * The whole layout under supd as PID 1 is test/pid1/demo-layout.test.ts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeTempDir, NODE, REPO, SUPD } from '../support/supd-harness.js';

const BIN = join(REPO, 'conf.d/bin');
const CONFIG = join(REPO, 'conf.d/supd.conf');

interface StandIn {
  readonly child: ChildProcess;
  readonly state: string;
  output(): string;
  readonly exited: Promise<number | string>;
}

const running: ChildProcess[] = [];
const stateDirs: string[] = [];
afterEach(() => {
  // Each stand-in leads its own process group (detached): kill the group, sleeps included.
  for (const child of running.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  for (const dir of stateDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs conf.d/bin/NAME with its state in a fresh temp dir, as supd would (own process group). */
function startStandIn(argv: string[], env: Record<string, string> = {}): StandIn {
  const state = env.PX_STATE_DIR ?? makeTempDir('supd-demo-');
  stateDirs.push(state);
  const command = argv[0]!.endsWith('.mjs') ? [NODE, join(BIN, argv[0]!)] : [join(BIN, argv[0]!)];
  const child = spawn(command[0]!, [...command.slice(1), ...argv.slice(1)], {
    env: { ...process.env, PATH: `${dirname(NODE)}:${process.env.PATH ?? ''}`, PX_STATE_DIR: state, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.push(child);
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal!)));
  return { child, state, output: () => output, exited };
}

async function waitForOutput(standIn: StandIn, pattern: RegExp, timeout = 5_000): Promise<RegExpMatchArray> {
  let found: RegExpMatchArray | null = null;
  try {
    await vi.waitFor(
      () => {
        found = pattern.exec(standIn.output());
        if (!found) throw new Error('not yet');
      },
      { timeout, interval: 20 },
    );
  } catch {
    throw new Error(`timed out after ${timeout} ms waiting for ${pattern}; output so far:\n${standIn.output()}`);
  }
  return found!;
}

/**
 * SIGTERM to the whole group, as stopasgroup does (the harder case for a shell loop). The deadline
 * is generous: the launcher waits for three stand-ins it started moments before, and the whole
 * suite loads the machine; how fast things stop is the benchmark's business.
 */
async function stopGroup(standIn: StandIn): Promise<number | string> {
  process.kill(-standIn.child.pid!, 'SIGTERM');
  return Promise.race([standIn.exited, new Promise<string>((r) => setTimeout(() => r('still running after 10 s'), 10_000))]);
}

describe.skipIf(!existsSync(SUPD))('the demo layout (conf.d/)', () => {
  it('passes supd --check with the eight programs (one a one-shot set-up job) and the event handler', () => {
    const check = spawnSync(NODE, [SUPD, '--check', '-c', CONFIG], { encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
    for (const name of ['px-setup', 'lttng-relayd', 'lttng.sh', 'pxexec', 'start_pxcontroller_pxstorage', 'px-ns', 'px-healthmon', 'px-diag']) {
      expect(check.stdout).toMatch(new RegExp(`^${name.replace('.', '\\.')}\\s`, 'm'));
    }
    expect(check.stdout).toMatch(/^supervisord_event_handler\s+supervisord_event_handler \(listener\)/m);
    expect(check.stdout).toContain('9 processes');
  });

  it.each([
    ['lttng-relayd', /relay up/],
    ['lttng.sh', /round 1:/],
    ['pxexec', /ready/],
    ['px-diag', /ready/],
    ['px-healthmon', /watching/],
    ['px-storage', /storage up/],
    ['px -daemon', /controller daemon up/],
    ['watchdog.sh', /checking px-storage/],
    ['px-ns.mjs', /listening/],
    ['start_pxcontroller_pxstorage.mjs', /started watchdog\.sh/],
  ])('%s exits 0 on SIGTERM to its process group', async (command, ready) => {
    const standIn = startStandIn(command.split(' '), { PX_NS_PORT: '0' });
    await waitForOutput(standIn, ready);
    expect(await stopGroup(standIn), standIn.output()).toBe(0);
    expect(standIn.output()).toMatch(/stopping/);
    // Not asserted: the absence of dash's job report ("Terminated"). The group-wide SIGTERM also
    // reaches a stand-in's `sleep`, and whether dash reaps it inside the trap's quiet `wait` or
    // reports it first is a race that a loaded machine loses now and then (seen in CI for
    // px-storage, and earlier under the launcher); the exit code and the clean stop are what count.
  });

  it('lttng-relayd writes trace lines to its directory', async () => {
    const relay = startStandIn(['lttng-relayd']);
    await waitForOutput(relay, /relay up/);
    await vi.waitFor(() => expect(readFileSync(join(relay.state, 'lttng/traces/px.trace'), 'utf8')).toMatch(/px_trace:io_done event=1\n/));
  });

  it('px-storage keeps a fresh health file that px-healthmon reports as healthy', async () => {
    const storage = startStandIn(['px-storage']);
    await waitForOutput(storage, /storage up \(pid (\d+)\)/);
    // the first write follows the "storage up" line
    await vi.waitFor(() => expect(readFileSync(join(storage.state, 'px-storage.health'), 'utf8')).toMatch(new RegExp(`^ok \\d+ ${storage.child.pid}\\n$`)));
    const monitor = startStandIn(['px-healthmon'], { PX_STATE_DIR: storage.state });
    await waitForOutput(monitor, new RegExp(`px-storage pid ${storage.child.pid} healthy`));
  });

  it('px-diag collects diagnostics on SIGUSR1 and goes on running', async () => {
    const diag = startStandIn(['px-diag']);
    await waitForOutput(diag, /ready/);
    diag.child.kill('SIGUSR1');
    // It reads every /proc/N/cmdline through a `tr`: the more processes on the machine, the longer.
    const [, file] = await waitForOutput(diag, /collected diagnostics \(SIGUSR1\) into (\S+)/, 30_000);
    expect(readFileSync(file!, 'utf8')).toMatch(/== processes\n/);
    expect(diag.child.exitCode).toBeNull();
  });

  it('px-ns answers on its loopback port', async () => {
    const ns = startStandIn(['px-ns.mjs'], { PX_NS_PORT: '0' });
    const [, port] = await waitForOutput(ns, /listening on 127\.0\.0\.1:(\d+)/);
    expect(readFileSync(join(ns.state, 'px-ns.port'), 'utf8').trim()).toBe(port);
    const answer = await new Promise<string>((resolve, reject) => {
      let text = '';
      connect(Number(port), '127.0.0.1')
        .setEncoding('utf8')
        .on('data', (chunk: string) => (text += chunk))
        .on('end', () => resolve(text))
        .on('error', reject);
    });
    expect(answer).toBe('px-ns: export service ok, 1 served\n');
  });

  it('pxexec runs a request it finds and leaves the output beside it', async () => {
    const exec = startStandIn(['pxexec']);
    await waitForOutput(exec, /ready/);
    writeFileSync(join(exec.state, 'pxexec/hello.req'), 'echo hello from pxexec\n');
    await waitForOutput(exec, /ran hello\.req: exit 0/);
    expect(readFileSync(join(exec.state, 'pxexec/hello.out'), 'utf8')).toBe('hello from pxexec\n');
    expect(readdirSync(join(exec.state, 'pxexec'))).toEqual(['hello.out']);
  });

  it('the launcher starts px-storage again after kill -9, as a child of its own', async () => {
    const launcher = startStandIn(['start_pxcontroller_pxstorage.mjs']);
    const [, first] = await waitForOutput(launcher, /started px-storage \(pid (\d+)\)/);
    process.kill(Number(first), 'SIGKILL');
    await waitForOutput(launcher, new RegExp(`px-storage \\(pid ${first}\\) killed by SIGKILL`));
    const [, second] = await waitForOutput(launcher, new RegExp(`started px-storage \\(pid (?!${first}\\))(\\d+)\\)`));
    const ppid = /^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${second}/status`, 'utf8'))![1];
    expect(Number(ppid)).toBe(launcher.child.pid);
  });
});

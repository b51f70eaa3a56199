/**
 * The real supervisord 4.2.5 (Debian's /usr/bin/supervisord) and supervisorctl, for tests that
 * compare supd with the reference: start supervisord on a config in its own temp dir, drive
 * supervisorctl, normalise what differs between any two runs (pids, uptimes, dates, temp dirs).
 * Not supd's harness: see test/support/supd-harness.ts.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { vi } from 'vitest';
import { createRpcClient } from '../../../src/rpc/client.js';
import { makeTempDir } from '../../support/supd-harness.js';

export const SUPERVISORD = '/usr/bin/supervisord';
export const SUPERVISORCTL = '/usr/bin/supervisorctl';
/** The Python that can import supervisor (plain `python3` may not). */
export const SYSTEM_PYTHON = '/usr/bin/python3';
export const hasSupervisor = existsSync(SUPERVISORD) && existsSync(SUPERVISORCTL) && existsSync(SYSTEM_PYTHON);

export interface RunningSupervisord {
  readonly dir: string;
  readonly configPath: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** SIGTERM by pid and wait (supervisord stops its programs first); SIGKILL after 15 s. */
  stop(): Promise<void>;
}

/**
 * Starts `supervisord -n` on `config(dir)` in a fresh temp dir and resolves once `readyProgram`
 * is RUNNING (or, without one, once the socket answers). The config must have [unix_http_server]
 * file=DIR/rpc.sock and [rpcinterface:supervisor].
 */
export async function startSupervisord(config: (dir: string) => string, readyProgram?: string): Promise<RunningSupervisord> {
  const dir = makeTempDir('supervisord-ref-');
  const configPath = join(dir, 'supervisord.conf');
  writeFileSync(configPath, config(dir));
  let output = '';
  const child = spawn(SUPERVISORD, ['-n', '-c', configPath], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (output += c));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running: RunningSupervisord = {
    dir,
    configPath,
    pid: child.pid!,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(child.pid!, 'SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
  const client = createRpcClient({ serverUrl: `unix://${join(dir, 'rpc.sock')}` });
  try {
    await vi.waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`supervisord exited ${child.exitCode}:\n${output}`);
        if (readyProgram === undefined) return void (await client.call('supervisor.getState'));
        const info = (await client.call('supervisor.getProcessInfo', [readyProgram])) as { statename: string };
        if (info.statename !== 'RUNNING') throw new Error(`${readyProgram} is ${info.statename}`);
      },
      { timeout: 15_000, interval: 50 },
    );
  } catch (error) {
    await running.stop();
    throw new Error(`supervisord did not get ready: ${(error as Error).message}\n${output}`);
  } finally {
    client.close();
  }
  return running;
}

export interface CtlResult {
  readonly code: number;
  readonly out: string;
}

/** Runs `supervisorctl -c CONFIG ...args` (stdout and stderr together, as a user sees them). */
export function supervisorctl(configPath: string, ...args: string[]): Promise<CtlResult> {
  return new Promise((resolve, reject) => {
    execFile(SUPERVISORCTL, ['-c', configPath, ...args], { timeout: 20_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') return reject(error);
      resolve({ code: error === null ? 0 : (error.code as number), out: stdout + stderr });
    });
  });
}

/**
 * Makes two runs comparable: the temp dir becomes DIR, pids PID, uptimes UPTIME, the
 * `Nov 23 02:03 PM` stop dates DATE. Anything else must match exactly.
 */
export function normalise(text: string, dir: string): string {
  return text
    .replaceAll(dir, 'DIR')
    .replace(/pid \d+/g, 'pid PID')
    .replace(/^[1-9]\d*$/gm, 'PID')
    .replace(/uptime \d+:\d\d:\d\d/g, 'uptime UPTIME')
    .replace(/\b[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M\b/g, 'DATE');
}

/**
 * The real supervisord 4.2.5 (Debian's /usr/bin/supervisord) and supervisorctl, for tests that
 * compare supd with the reference: start supervisord on a config in its own temp dir, drive
 * supervisorctl, normalise what differs between any two runs (pids, uptimes, dates, temp dirs).
 * Not supd's harness: see test/support/supd-harness.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
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
 * The sections startSupervisord needs (and supd reads alike): logs, pidfile and AUTO logs in `dir`,
 * [unix_http_server] file=DIR/rpc.sock and [rpcinterface:supervisor]. Flush-left: an indented line
 * continues the previous value in this dialect.
 */
export function supervisordSections(dir: string): string {
  return `[supervisord]
logfile=${dir}/main.log
pidfile=${dir}/main.pid
childlogdir=${dir}

[unix_http_server]
file=${dir}/rpc.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
`;
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
  /** stdout and stderr together, as a user sees them. */
  readonly out: string;
}

export interface Supervisorctl {
  /** Runs `supervisorctl -c CONFIG ...args` and resolves with its exit code and output. */
  run(...args: string[]): Promise<CtlResult>;
  /** Ends the driver process (by pid). */
  close(): void;
}

/**
 * Runs the real supervisorctl's main() once per command inside one Python process, so a command
 * costs milliseconds instead of a 250 ms interpreter start: same code, same output, and the exit
 * code main() passes to sys.exit().
 */
const CTL_DRIVER = String.raw`
import io, json, sys
from supervisor import supervisorctl
config = sys.argv[1]
for line in sys.stdin:
    out = io.StringIO()
    real = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = out
    code = 0
    try:
        supervisorctl.main(['-c', config] + json.loads(line))
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException as e:
        out.write('driver: %r\n' % (e,))
        code = -1
    finally:
        sys.stdout, sys.stderr = real
    print(json.dumps({'code': code, 'out': out.getvalue()}), flush=True)
`;

export function startSupervisorctl(configPath: string): Supervisorctl {
  const child = spawn(SYSTEM_PYTHON, ['-c', CTL_DRIVER, configPath], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let pending = '';
  const waiting: ((line: string) => void)[] = [];
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n')) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      waiting.shift()?.(line);
    }
  });
  let queue = Promise.resolve();
  return {
    run(...args) {
      const result = queue.then(
        () =>
          new Promise<CtlResult>((resolve, reject) => {
            if (child.exitCode !== null) return reject(new Error(`supervisorctl driver exited ${child.exitCode}: ${stderr}`));
            const timer = setTimeout(() => reject(new Error(`supervisorctl ${args.join(' ')} took over 20 s: ${stderr}`)), 20_000);
            waiting.push((line) => {
              clearTimeout(timer);
              resolve(JSON.parse(line) as CtlResult);
            });
            child.stdin!.write(`${JSON.stringify(args)}\n`);
          }),
      );
      queue = result.then(() => undefined, () => undefined);
      return result;
    },
    close() {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
    },
  };
}

/**
 * Makes two runs comparable: the temp dir becomes DIR, pids PID, uptimes UPTIME, the
 * `Nov 23 02:03 PM` stop dates DATE. Anything else must match exactly.
 */
export function normalise(text: string, dir: string): string {
  return text
    .replaceAll(dir, 'DIR')
    .replace(/pid \d+/g, 'pid PID')
    .replace(/^ready \d+$/gm, 'ready PID') // the puppet's first line
    .replace(/^[1-9]\d*$/gm, 'PID')
    .replace(/uptime \d+:\d\d:\d\d/g, 'uptime UPTIME')
    .replace(/\b[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M\b/g, 'DATE');
}

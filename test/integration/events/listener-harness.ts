/**
 * Runs a real listener process wired to a real EventListenerPool, as the daemon will: its stdin is
 * the pool's channel, its stdout feeds the pool, its close is reported as the listener's exit.
 * Test support only; production spawning belongs to the daemon. Cleanup is by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { vi } from 'vitest';
import type { EventListenerPool, EventLogger } from '../../../src/events/pool.js';

export interface RunningListener {
  readonly child: ChildProcess;
  readonly pid: number;
  stderr(): string;
  /** Resolves with the exit code, or the signal's name, once stdout and stderr have closed. */
  readonly closed: Promise<number | string>;
  /** Waits until the pool says this listener is in `state`; the timeout error shows its stderr. */
  waitForState(state: string, timeout?: number): Promise<void>;
  /** SIGTERM by pid (then SIGKILL after 2 s), or SIGKILL to its group if detached; waits for close. */
  stop(): Promise<void>;
}

/** A logger that keeps every line, to assert supervisord's messages and show them on failure. */
export function recordingLogger(): EventLogger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (m) => lines.push(`debug ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
}

export function runListener(
  pool: EventListenerPool,
  processName: string,
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; detached?: boolean } = {},
): RunningListener {
  // detached: in a process group of its own, which stop() kills whole (for listeners run via sh)
  const detached = options.detached ?? false;
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env, detached });
  if (child.pid === undefined) throw new Error(`could not spawn ${command}`);
  let stderr = '';
  child.stdin.on('error', () => {}); // EPIPE once it has exited: the pool hears of the exit on close
  const handle = pool.listenerSpawned(processName, { write: (data) => void child.stdin.write(data) });
  child.stdout.on('data', (chunk: Buffer) => pool.listenerOutput(handle, chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const closed = new Promise<number | string>((resolve) =>
    child.on('close', (code, signal) => {
      pool.listenerExited(handle);
      resolve(code ?? signal ?? -1);
    }),
  );
  pool.processStateChanged(processName, 'RUNNING');
  return {
    child,
    pid: child.pid,
    stderr: () => stderr,
    closed,
    waitForState: (state, timeout = 10_000) =>
      vi.waitFor(
        () => {
          const now = pool.listenerState(processName);
          if (now !== state) throw new Error(`${processName} is ${now}, not ${state}; its stderr:\n${stderr}`);
        },
        { timeout, interval: 20 },
      ),
    async stop() {
      if (detached) {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // the group is already gone
        }
      } else if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid!, 'SIGTERM');
        const timer = setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), 2_000);
        await closed;
        clearTimeout(timer);
      }
      await closed;
    },
  };
}

// Collects a spawned child's stdout as lines and waits for a line with a deadline, for the os
// tests (on timeout the error shows every line seen so far), and stops children by process group.
import type { Readable } from 'node:stream';
import type { SpawnedChild } from '../../../src/os/spawn.js';
import { vi } from 'vitest';

export interface Lines {
  readonly all: string[];
  /** Resolves with the first line matching, or fails after timeoutMs showing what was seen. */
  waitFor(match: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

export function collectLines(stream: Readable): Lines {
  const all: string[] = [];
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    all.push(...parts);
  });
  return {
    all,
    waitFor: (match, timeoutMs = 10_000) =>
      vi.waitFor(
        () => {
          for (const line of all) {
            const m = line.match(match);
            if (m) return m;
          }
          throw new Error(`no line matching ${match} yet; saw: ${JSON.stringify(all)}`);
        },
        { timeout: timeoutMs, interval: 10 },
      ),
  };
}

/** Fails after ms naming what never happened, instead of hanging until the test timeout. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** SIGKILL each child's process group (grandchildren too), or the pid if it leads none; then waits for the exits. */
export async function killChildren(children: readonly SpawnedChild[]): Promise<void> {
  for (const child of children) {
    for (const target of [-child.pid, child.pid]) {
      try {
        process.kill(target, 'SIGKILL');
        break;
      } catch {
        // no such group (or already gone): try the pid itself
      }
    }
  }
  await withDeadline(Promise.all(children.map((c) => c.exit)), 5_000, 'killed children to exit');
}

// Collects a spawned child's stdout as lines and waits for a line with a deadline, for the os
// tests. On timeout the error shows every line seen so far.
import type { Readable } from 'node:stream';
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

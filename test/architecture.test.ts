import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Pure layers take text and time as arguments; only src/os, src/logs, src/events, src/rpc and
// src/cli may touch the OS.
const PURE_DIRS = ['src/config', 'src/core'];
const EFFECTFUL = /from '(node:[a-z_/]+|execa|koffi|pino)'/g;
// Dependencies point one way: cli -> rpc/logs/events/os -> core -> config.
const FORBIDDEN_UPWARD: Record<string, RegExp> = {
  'src/config': /from '\.\.\/(core|os|logs|events|rpc|cli|daemon)\//g,
  'src/core': /from '\.\.\/(os|logs|events|rpc|cli|daemon)\//g,
};

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
}

describe('architecture', () => {
  it.each(PURE_DIRS)('%s imports nothing that touches the OS', (dir) => {
    const offenders = tsFiles(dir).flatMap((file) =>
      [...readFileSync(join(dir, file), 'utf8').matchAll(EFFECTFUL)].map((m) => `${join(dir, file)}: ${m[1]}`),
    );
    expect(offenders).toEqual([]);
  });

  it.each(PURE_DIRS)('%s imports nothing from the layers above it', (dir) => {
    const offenders = tsFiles(dir).flatMap((file) =>
      [...readFileSync(join(dir, file), 'utf8').matchAll(FORBIDDEN_UPWARD[dir]!)].map((m) => `${join(dir, file)}: ${m[0]}`),
    );
    expect(offenders).toEqual([]);
  });

  it('only src/os/libc.ts loads koffi', () => {
    const offenders = tsFiles('src')
      .filter((file) => /from 'koffi'|import\('koffi'\)/.test(readFileSync(join('src', file), 'utf8')))
      .filter((file) => file !== join('os', 'libc.ts'));
    expect(offenders).toEqual([]);
  });
});

// The house's architecture as tests: which directory of src/ may import which, which may touch
// the OS, who loads koffi, and that src/os keeps no state at module level.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layers of src/, lowest first. A file may import from its own directory and from a
 * directory of a lower rank, never from its own rank or above:
 *   0 config   PURE: text in, typed SupdConfig or ConfigErrors out
 *   1 core     PURE: state machines and rules; time comes in as `now`
 *   2 os, logs, events, rpc   effects and protocols, each on its own: siblings never import
 *              each other (the daemon joins them)
 *   3 daemon   the composition: runs the core and wires os, logs, events and rpc to it
 *   4 cli      the commands: supd (composition root) and supctl
 * The files at the top of src/ (index.ts, listener.ts) are the package's library surface, ranked
 * with cli. Written out in docs/supd.md ("Source layout").
 */
const LAYERS: Readonly<Record<string, number>> = { config: 0, core: 1, os: 2, logs: 2, events: 2, rpc: 2, daemon: 3, cli: 4 };
const ROOT_RANK = 4;

// Pure layers take text and time as arguments.
const PURE_DIRS = ['src/config', 'src/core'];
// Pure rules inside an effect layer, kept apart from the I/O around them and tested without it.
const PURE_FILES = ['src/logs/std-sink-policy.ts', 'src/logs/fifo-ring.ts'];
const EFFECTFUL = /from '(node:[a-z_/]+|execa|koffi|pino)'/g;
const IMPORT = /(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
}

/** The top directory of src/ a path is in, or '' for a file directly in src/. */
function layerOf(pathInSrc: string): string {
  return pathInSrc.includes('/') ? (pathInSrc.split('/')[0] ?? '') : '';
}

function rankOf(layer: string): number {
  return layer === '' ? ROOT_RANK : (LAYERS[layer] ?? Number.NaN);
}

/** Every import of a file of src/ that points at its own rank or above, as `file: import`. */
function upwardImports(file: string, text: string): string[] {
  const from = layerOf(file);
  return [...text.matchAll(IMPORT)].flatMap((m) => {
    const target = relative('src', resolve(dirname(join('src', file)), m[1]!));
    const to = layerOf(target);
    if (to === from) return [];
    return rankOf(to) < rankOf(from) ? [] : [`src/${file}: ${m[1]}`];
  });
}

/**
 * Top-level state in a file: a `let`/`var`, or a Map, Set or array made at load and not typed
 * read-only. A value loaded once (`const libc = once(...)`) is not state; a table of pids is.
 */
function moduleState(text: string): string[] {
  const patterns = [
    /^(?:export )?(?:let|var) [^\n]*/gm,
    /^(?:export )?const \w+(?!: Readonly)(?:: [^=\n]+)? = new (?:Map|Set|WeakMap|WeakSet|Array)\b[^\n]*/gm,
    /^(?:export )?const \w+(?:: (?!readonly)[^=\n]+)? = \[\];[^\n]*/gm,
  ];
  return patterns.flatMap((pattern) => [...text.matchAll(pattern)].map((m) => m[0]));
}

describe('architecture', () => {
  it('places every directory of src/ in a layer', () => {
    const dirs = readdirSync('src', { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(dirs.filter((d) => !(d in LAYERS))).toEqual([]);
  });

  it('has no import from a layer to its own rank or above', () => {
    const offenders = tsFiles('src').flatMap((file) => upwardImports(file, readFileSync(join('src', file), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('catches an upward import (the check itself)', () => {
    expect(upwardImports('core/bad.ts', "import { x } from '../os/spawn.js';")).toEqual(['src/core/bad.ts: ../os/spawn.js']);
    expect(upwardImports('rpc/bad.ts', "import type { X } from '../logs/tail.js';")).toEqual(['src/rpc/bad.ts: ../logs/tail.js']);
    expect(upwardImports('cli/supctl/ok.ts', "import { y } from '../../rpc/client.js';")).toEqual([]);
    expect(upwardImports('os/bad.ts', "const m = await import('../daemon/daemon.js');")).toEqual(['src/os/bad.ts: ../daemon/daemon.js']);
  });

  it.each(PURE_DIRS)('%s imports nothing that touches the OS', (dir) => {
    const offenders = tsFiles(dir).flatMap((file) =>
      [...readFileSync(join(dir, file), 'utf8').matchAll(EFFECTFUL)].map((m) => `${join(dir, file)}: ${m[1]}`),
    );
    expect(offenders).toEqual([]);
  });

  it.each(PURE_FILES)('%s imports nothing that touches the OS', (file) => {
    expect([...readFileSync(file, 'utf8').matchAll(EFFECTFUL)].map((m) => `${file}: ${m[1]}`)).toEqual([]);
  });

  it('only src/os/libc.ts loads koffi', () => {
    const offenders = tsFiles('src')
      .filter((file) => /from 'koffi'|import\('koffi'\)/.test(readFileSync(join('src', file), 'utf8')))
      .filter((file) => file !== join('os', 'libc.ts'));
    expect(offenders).toEqual([]);
  });

  it('keeps no mutable state at module level in src/os: pids belong to the ChildTable passed in', () => {
    const offenders = tsFiles('src/os').flatMap((file) =>
      moduleState(readFileSync(join('src/os', file), 'utf8')).map((line) => `src/os/${file}: ${line}`),
    );
    expect(offenders).toEqual([]);
  });

  it('catches module-level state (the check itself)', () => {
    expect(moduleState('let orphans = null;\nconst owned = new Set<number>();\nconst waiters: number[] = [];')).toEqual([
      'let orphans = null;',
      'const owned = new Set<number>();',
      'const waiters: number[] = [];',
    ]);
    expect(moduleState('const NAMES: ReadonlyMap<number, string> = new Map();\nfunction f() {\n  let x = 1;\n}')).toEqual([]);
  });
});

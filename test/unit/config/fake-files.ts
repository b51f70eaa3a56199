/** Test helper: a ConfigFiles over a Map of fake files, and a loader for config text. */
import type { ConfigFiles } from '../../../src/config/includes.js';
import { loadConfig, type LoadResult } from '../../../src/config/load.js';

/** Globs support '*' and '?' within one path segment, like Python's glob for these tests. */
export function fakeFiles(files: ReadonlyMap<string, string | Uint8Array>): ConfigFiles {
  return {
    readFile(path) {
      const text = files.get(path);
      if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
      return text;
    },
    glob(pattern) {
      const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
      return [...files.keys()].filter((p) => re.test(p)).sort();
    },
  };
}

export const MAIN = '/etc/supd/supd.conf';

/** Loads `text` as /etc/supd/supd.conf (plus `others`), with a small fixed environment. */
export function load(
  text: string | Uint8Array,
  others: Record<string, string | Uint8Array> = {},
  env: Record<string, string | undefined> = { HOME: '/home/u', APP: 'shop' },
): LoadResult {
  const files = new Map([[MAIN, text], ...Object.entries(others)]);
  return loadConfig(MAIN, fakeFiles(files), env, 'box1');
}

/** The error lines of a load that must fail. */
export function errorsOf(text: string | Uint8Array, others?: Record<string, string | Uint8Array>): string[] {
  const r = load(text, others);
  if (r.ok) throw new Error('expected the config to be refused, but it loaded');
  return r.errors.map((e) => e.message);
}

export function configOf(text: string, others?: Record<string, string>, env?: Record<string, string | undefined>) {
  const r = load(text, others, env);
  if (!r.ok) throw new Error(`expected the config to load, got:\n${r.errors.map((e) => e.message).join('\n')}`);
  return { config: r.config, warnings: r.warnings.map((w) => w.message) };
}

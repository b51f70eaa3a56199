/**
 * Keeps the reference docs in step with the code, as fastify does for its error catalogue: every
 * row of every config key table has a row (with the same default) in its section's table in
 * docs/configuration.md, and every XML-RPC method and fault has one in docs/rpc.md. Reads the
 * Markdown only; it does not judge the prose.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { KeyTable } from '../src/config/key-spec.js';
import { EVENTLISTENER_KEYS, GROUP_KEYS, PROGRAM_KEYS } from '../src/config/program-keys.js';
import {
  INCLUDE_KEYS,
  INET_HTTP_SERVER_KEYS,
  SUPERVISORCTL_KEYS,
  SUPERVISORD_KEYS,
  UNIX_HTTP_SERVER_KEYS,
} from '../src/config/supervisord-keys.js';
import { STATUS_HTTP_SERVER_KEYS } from '../src/config/health-keys.js';
import { FAULTS } from '../src/rpc/faults.js';
import { METHOD_DOCS } from '../src/rpc/method-docs.js';
import { createRpcMethods, SUPD_EXTENSIONS } from '../src/rpc/methods.js';
import { FakePort } from './unit/rpc/fake-port.js';

function readDoc(name: string): string {
  return readFileSync(new URL(`../docs/${name}`, import.meta.url), 'utf8');
}

/** A Markdown table row's cells, trimmed; null for a line that is not a row. */
function cells(line: string): string[] | null {
  if (!line.startsWith('|')) return null;
  // `\|` inside a cell is a literal bar, not a column separator.
  return line
    .slice(1, line.endsWith('|') ? -1 : undefined)
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

/**
 * The rows of the tables under the heading whose text (backticks aside) is `heading`, up to the
 * next heading: the first cell's backticked name -> the other cells. null if there is no such heading.
 */
function rowsUnder(markdown: string, heading: string): Map<string, string[]> | null {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => /^#+\s/.test(line) && line.replace(/^#+\s+/, '').replaceAll('`', '').trim() === heading);
  if (start === -1) return null;
  const rows = new Map<string, string[]>();
  for (const line of lines.slice(start + 1)) {
    if (/^#+\s/.test(line)) break;
    const row = cells(line);
    const name = row === null ? undefined : /^`([^`]+)`$/.exec(row[0] ?? '')?.[1];
    if (row !== null && name !== undefined) rows.set(name, row.slice(1));
  }
  return rows;
}

const CONFIG_SECTIONS: readonly (readonly [string, KeyTable])[] = [
  ['[supervisord]', SUPERVISORD_KEYS],
  ['[program:x]', PROGRAM_KEYS],
  ['[eventlistener:x]', EVENTLISTENER_KEYS],
  ['[group:x]', GROUP_KEYS],
  ['[include]', INCLUDE_KEYS],
  ['[unix_http_server]', UNIX_HTTP_SERVER_KEYS],
  ['[inet_http_server]', INET_HTTP_SERVER_KEYS],
  ['[supervisorctl]', SUPERVISORCTL_KEYS],
  ['[status_http_server]', STATUS_HTTP_SERVER_KEYS],
];

describe('docs/configuration.md', () => {
  const doc = readDoc('configuration.md');

  it('has a row for every key of every section, showing the default supd uses', () => {
    const problems: string[] = [];
    for (const [section, table] of CONFIG_SECTIONS) {
      const rows = rowsUnder(doc, section);
      if (rows === null) {
        problems.push(`no heading for ${section}`);
        continue;
      }
      for (const [key, spec] of Object.entries(table)) {
        const row = rows.get(key);
        if (row === undefined) problems.push(`${section}: no row for \`${key}\``);
        else if (row[0] !== spec.defaultText) problems.push(`${section} ${key}: the default shown is '${row[0] ?? ''}', supd's is '${spec.defaultText}'`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('documents no key that supd does not read', () => {
    const stale = CONFIG_SECTIONS.flatMap(([section, table]) =>
      [...(rowsUnder(doc, section)?.keys() ?? [])].filter((key) => !Object.hasOwn(table, key)).map((key) => `${section}: \`${key}\``),
    );
    expect(stale).toEqual([]);
  });

  it('describes the sections supd accepts without reading and the one it refuses', () => {
    const missing = ['[rpcinterface:x]', '[fcgi-program:x]'].filter((section) => rowsUnder(doc, section) === null);
    expect(missing).toEqual([]);
  });
});

describe('docs/rpc.md', () => {
  const doc = readDoc('rpc.md');
  /** Every method table's rows, whichever subsection they are in. */
  const methodRows = new Map<string, string[]>();
  for (const line of doc.split('\n')) {
    const row = cells(line);
    const name = row === null ? undefined : /^`((?:supervisor|system|supd)\.\w+)`$/.exec(row[0] ?? '')?.[1];
    if (row !== null && name !== undefined) methodRows.set(name, row.slice(1));
  }

  async function knownMethods(): Promise<string[]> {
    const listed = await createRpcMethods(new FakePort()).call('system.listMethods', []);
    return [...new Set([...(listed as string[]), ...Object.keys(METHOD_DOCS), ...Object.keys(SUPD_EXTENSIONS)])].sort();
  }

  it('has a row for every method the dispatcher lists', async () => {
    const missing = (await knownMethods()).filter((name) => !methodRows.has(name));
    expect(missing).toEqual([]);
  });

  it('documents no method the dispatcher does not know', async () => {
    const known = new Set(await knownMethods());
    expect([...methodRows.keys()].filter((name) => !known.has(name))).toEqual([]);
  });

  it('shows each method with the types system.methodSignature reports', () => {
    const mismatches: string[] = [];
    for (const [name, { signature }] of Object.entries({ ...METHOD_DOCS, ...SUPD_EXTENSIONS })) {
      const shown = methodRows.get(name)?.[0];
      if (shown === undefined) continue; // reported as missing above
      const m = /^`\(([^)]*)\) → (\w+)`$/.exec(shown);
      const params = m?.[1] === '' ? [] : (m?.[1] ?? '').split(',').map((p) => /:\s*(\w+)/.exec(p)?.[1] ?? '?');
      const types = m === null ? [] : [m[2] ?? '', ...params];
      if (types.join(',') !== signature.join(',')) mismatches.push(`${name}: docs show ${shown}, signature is [${signature.join(', ')}]`);
    }
    expect(mismatches).toEqual([]);
  });

  it('lists every fault with its code', () => {
    const rows = rowsUnder(doc, 'Faults') ?? new Map<string, string[]>();
    const problems = Object.entries(FAULTS).flatMap(([name, code]) => {
      const row = rows.get(name);
      if (row === undefined) return [`no row for fault \`${name}\``];
      return row[0] === String(code) ? [] : [`${name}: docs say code ${row[0] ?? ''}, FAULTS says ${code}`];
    });
    const stale = [...rows.keys()].filter((name) => !Object.hasOwn(FAULTS, name)).map((name) => `unknown fault \`${name}\``);
    expect([...problems, ...stale]).toEqual([]);
  });
});

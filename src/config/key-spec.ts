/**
 * The shape of one row in a key table (program-keys.ts, supervisord-keys.ts): how to parse the
 * value, its supervisord 4.2.5 default, and which %-expansion names supervisord offers it. Tables
 * feed the section readers (section-reader.ts), --check and the docs test; no behaviour lives here.
 */
import type { ValueParser } from './values.js';

/** The default of a key that must be given (command=, [unix_http_server] file=...). */
export const REQUIRED: unique symbol = Symbol('required');

/**
 * 'section': expanded once per section (here, program_name, group_name, host_node_name, ENV_X).
 * 'process': expanded per process, also with process_num, numprocs and the program's own ENV_X.
 */
export type Expansion = 'section' | 'process';

export interface KeySpec<T, D extends T | typeof REQUIRED = T | typeof REQUIRED> {
  readonly parse: ValueParser<T>;
  readonly default: D;
  readonly expands: Expansion;
  /** The default as docs/configuration.md shows it ("50MB", "AUTO", "%(program_name)s"). */
  readonly defaultText: string;
}

export type KeyTable = Readonly<Record<string, KeySpec<unknown>>>;

export type ValueOf<S> = S extends KeySpec<infer T, infer _D> ? T : never;

/** One typed value per row of a table. */
export type Settings<Table> = { -readonly [K in keyof Table]: ValueOf<Table[K]> };

function describe(value: unknown): string {
  if (value === REQUIRED) return '(required)';
  if (value === null) return '(none)';
  if (Array.isArray(value)) return value.length === 0 ? '(empty)' : value.join(',');
  if (typeof value === 'object') return Object.keys(value as object).length === 0 ? '(empty)' : JSON.stringify(value);
  return String(value);
}

/** A row whose default is `fallback` (typed T, so readers use it without checking for REQUIRED). */
export function key<T>(parse: ValueParser<T>, fallback: typeof REQUIRED, expands?: Expansion, defaultText?: string): KeySpec<T, typeof REQUIRED>;
export function key<T>(parse: ValueParser<T>, fallback: T, expands?: Expansion, defaultText?: string): KeySpec<T, T>;
export function key<T>(parse: ValueParser<T>, fallback: T | typeof REQUIRED, expands: Expansion = 'section', defaultText?: string): KeySpec<T> {
  return { parse, default: fallback, expands, defaultText: defaultText ?? describe(fallback) };
}

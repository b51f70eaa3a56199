/**
 * What every section validator shares: the merged document, the findings (errors and warnings,
 * collected, never thrown), and readKeys(), which turns one section's rows of a key table into
 * typed values with the table's defaults. Keys are named by the table's own types, never by free
 * strings. Pure: the environment and host name arrive in the context.
 */
import { ConfigError, ConfigWarning } from './config-error.js';
import { lookup, type IniDocument, type IniSection, type RawValue } from './dialect.js';
import { dirname, envExpansions, expand, layer, type Expansions } from './expand.js';
import { REQUIRED, type KeySpec, type KeyTable, type Settings } from './key-spec.js';
import type { HostChecks } from './host-checks.js';
import { checkName, fail, type ParseResult } from './values.js';

export interface ValidateContext {
  /** Absolute path of the main config file. */
  readonly mainFile: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly hostNodeName: string;
  /** Checks against the machine (users, directories, commands); none when absent (unit tests). */
  readonly host?: HostChecks;
}

/** Errors and warnings of one validation, deduplicated (per-process keys are read once per process). */
export class Findings {
  readonly errors: ConfigError[] = [];
  readonly warnings: ConfigWarning[] = [];
  private readonly seen = new Set<string>();

  error(e: ConfigError): void {
    if (this.seen.has(e.message)) return;
    this.seen.add(e.message);
    this.errors.push(e);
  }

  warn(w: ConfigWarning): void {
    if (this.seen.has(`w:${w.message}`)) return;
    this.seen.add(`w:${w.message}`);
    this.warnings.push(w);
  }
}

/** The keys of a table that were written in the section (or [DEFAULT]), with where. */
export type Present<T> = { readonly [K in keyof T]?: RawValue };

export interface ReadKeys<T> {
  readonly values: Settings<T>;
  readonly present: Present<T>;
  readonly failed: boolean;
}

/** Every row's default (undefined for REQUIRED rows): the settings of a section that is absent. */
export function defaultsOf<T extends KeyTable>(table: T): Settings<T> {
  return Object.fromEntries(
    Object.entries(table).map(([name, spec]) => [name, spec.default === REQUIRED ? undefined : spec.default]),
  ) as Settings<T>;
}

/** What an unexpected exception says, on one line, for a config error. */
export function describeThrown(e: unknown): string {
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return text.split('\n')[0] ?? text;
}

/** os.path.expanduser for "~" and "~/...", which supervisord applies to log and pid paths. */
export function expandUser(path: string, env: ValidateContext['env']): string {
  const home = env['HOME'];
  if (home === undefined || home === '') return path;
  if (path === '~') return home;
  if (path.startsWith('~/')) return home.replace(/\/$/, '') + path.slice(1);
  return path;
}

export class SectionReader {
  readonly found = new Findings();
  /** ENV_X for supd's environment, then for [supervisord] environment= (options.py read_config). */
  private globalNames: Expansions;

  constructor(
    readonly doc: IniDocument,
    readonly ctx: ValidateContext,
  ) {
    this.globalNames = envExpansions(ctx.env);
  }

  /** [supervisord] environment=, which every child gets over supd's own environment. */
  supervisordEnvironment: Readonly<Record<string, string>> = {};

  /** "extend expansions for global from [supervisord] environment definition" (options.py) */
  extendGlobalNames(environment: Readonly<Record<string, string>>): void {
    this.supervisordEnvironment = environment;
    this.globalNames = layer(this.globalNames, Object.fromEntries(envExpansions(environment)));
  }

  error(e: ConfigError): void {
    this.found.error(e);
  }

  warn(w: ConfigWarning): void {
    this.found.warn(w);
  }

  /** A key of the section as written (or from [DEFAULT]), unexpanded. */
  raw<T extends KeyTable>(section: IniSection, _table: T, name: keyof T & string): RawValue | undefined {
    return lookup(this.doc, section, name);
  }

  /**
   * Reads the rows of `table` that `only` selects: expands each value with the names supervisord
   * offers it, parses it, and falls back to the default when the key is absent or wrong.
   */
  readKeys<T extends KeyTable>(
    section: IniSection,
    table: T,
    names: Expansions,
    only: (key: keyof T & string) => boolean = () => true,
  ): ReadKeys<T> {
    const values: Record<string, unknown> = {};
    const present: Record<string, RawValue> = {};
    let failed = false;
    for (const [name, spec] of Object.entries(table)) {
      if (!only(name)) continue;
      const fallback = spec.default === REQUIRED ? undefined : spec.default;
      const raw = lookup(this.doc, section, name);
      if (raw === undefined) {
        if (spec.default === REQUIRED) {
          this.error(new ConfigError(section.origin, `missing ${name}= (it is required in this section)`));
          failed = true;
        }
        values[name] = fallback;
        continue;
      }
      present[name] = raw;
      const parsed = this.parseOne(spec, raw, names);
      if (!parsed.ok) {
        this.error(new ConfigError(raw.origin, parsed.reason, name, raw.value));
        failed = true;
        values[name] = fallback;
        continue;
      }
      values[name] = parsed.value;
    }
    return { values: values as Settings<T>, present: present as Present<T>, failed };
  }

  /**
   * One value expanded and parsed. Anything thrown on the way is a bug in supd, but the value is
   * the user's: it becomes an error about this key, so supd never dies from a config it reads.
   */
  private parseOne(spec: KeySpec<unknown>, raw: RawValue, names: Expansions): ParseResult<unknown> {
    try {
      const expanded = expand(raw.value, layer(names, { here: dirname(raw.origin.file) }));
      if (!expanded.ok) return expanded;
      const parsed = spec.parse(expanded.value);
      if (parsed.ok || expanded.value === raw.value) return parsed;
      return fail(`${parsed.reason} (it expands to '${expanded.value}')`);
    } catch (e) {
      return fail(`cannot be read (${describeThrown(e)})`);
    }
  }

  warnUnknownKeys(section: IniSection, table: KeyTable): void {
    for (const [name, raw] of section.values) {
      if (!Object.hasOwn(table, name)) {
        this.warn(new ConfigWarning(raw.origin, `unknown key '${name}' (ignored)`, name));
      }
    }
  }

  /** The names a value of this section may use: ENV_X, here, and `extra`. */
  sectionNames(section: IniSection, extra: Readonly<Record<string, string | number>> = {}): Expansions {
    return layer(this.globalNames, { here: dirname(section.origin.file), ...extra });
  }

  /** The x of [program:x], checked as supervisord's process_or_group_name. */
  nameOf(section: IniSection): string | null {
    const checked = checkName(section.name.slice(section.name.indexOf(':') + 1));
    if (!checked.ok) {
      this.error(new ConfigError(section.origin, checked.reason));
      return null;
    }
    return checked.value;
  }

  expandUser(path: string): string {
    return expandUser(path, this.ctx.env);
  }
}

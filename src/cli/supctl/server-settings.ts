/**
 * Which server supctl talks to, and as whom, found as supervisorctl finds it: -s/-u/-p, then
 * SUPCTL_SERVERURL, then the config's [supervisorctl] serverurl/username/password, then (supd's
 * addition) its [unix_http_server] file or [inet_http_server] port, else http://localhost:9001.
 * Reads only those sections with a minimal INI reader (%(here)s and %(ENV_X)s expanded), so no
 * full config load is paid for on every `supctl status`. findConfigFile is the only effect.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { findConfigFile as findSupdConfigFile } from '../../config/config-search.js';
import { SUPERVISORCTL_KEYS } from '../../config/supervisord-keys.js';

export const DEFAULT_SERVER_URL = SUPERVISORCTL_KEYS.serverurl.default;

export interface ServerSettings {
  readonly serverUrl: string;
  readonly username: string | null;
  readonly password: string | null;
  /** Where serverUrl came from, so a failure to connect can say which file to look at. */
  readonly source: ServerSource;
}

/** The config file read: given with -c, or found by the search (when the user may not know which). */
export interface ConfigSource {
  readonly file: string;
  readonly isSearched: boolean;
}

export type ServerSource =
  | { readonly kind: 'option' }
  | { readonly kind: 'env' }
  | { readonly kind: 'config'; readonly config: ConfigSource; readonly setting: '[supervisorctl] serverurl' | '[unix_http_server] file' | '[inet_http_server] port' }
  /** supervisorctl's default URL: no config at all, or one without any control server. */
  | { readonly kind: 'default'; readonly config: ConfigSource | null };

export interface ServerOverrides {
  readonly serverUrl: string | null;
  readonly username: string | null;
  readonly password: string | null;
}

/** A problem the user can fix (missing -c file, unreadable config): one line, exit 2. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

/** The first config file that exists, in supd's search order (config-search.ts); null when none. */
export function findConfigFile(cwd: string, exists: (path: string) => boolean = existsSync): string | null {
  return findSupdConfigFile(exists, cwd);
}

/** Reads the config file (given with -c, or found) and resolves the server settings. */
export function loadServerSettings(
  overrides: ServerOverrides,
  configFile: string | null,
  env: NodeJS.ProcessEnv,
  cwd: string,
): ServerSettings {
  const file = configFile === null ? findConfigFile(cwd) : resolve(cwd, configFile);
  let text: string | null = null;
  if (file !== null) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new SettingsError(`could not read config file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  return resolveServerSettings(overrides, text === null || file === null ? null : { file, text, isSearched: configFile === null }, env);
}

/** Pure: the settings from the command line, the environment and the config text. */
export function resolveServerSettings(
  overrides: ServerOverrides,
  config: { readonly file: string; readonly text: string; readonly isSearched?: boolean } | null,
  env: NodeJS.ProcessEnv,
): ServerSettings {
  const read: ConfigSource | null = config === null ? null : { file: config.file, isSearched: config.isSearched ?? false };
  const sections = config === null ? new Map<string, Map<string, string>>() : readSections(config.text, dirname(config.file), env);
  const ctl = sections.get('supervisorctl');
  const unix = sections.get('unix_http_server');
  const inet = sections.get('inet_http_server');

  let fromConfig: ServerSettings | null = null;
  const fromFile = (setting: Extract<ServerSource, { kind: 'config' }>['setting']): ServerSource =>
    read === null ? { kind: 'default', config: null } : { kind: 'config', config: read, setting };
  if (ctl?.get('serverurl') !== undefined) {
    fromConfig = {
      serverUrl: normalizeUrl(ctl.get('serverurl') as string, config?.file),
      username: ctl.get('username') ?? null,
      password: ctl.get('password') ?? null,
      source: fromFile('[supervisorctl] serverurl'),
    };
  } else if (unix?.get('file') !== undefined) {
    fromConfig = {
      serverUrl: `unix://${resolve(dirname(config?.file ?? '/'), unix.get('file') as string)}`,
      username: ctl?.get('username') ?? unix.get('username') ?? null,
      password: ctl?.get('password') ?? unix.get('password') ?? null,
      source: fromFile('[unix_http_server] file'),
    };
  } else if (inet?.get('port') !== undefined) {
    const port = inet.get('port') as string;
    const hostPort = port.includes(':') ? port.replace(/^(\*|0\.0\.0\.0)?:/, 'localhost:') : `localhost:${port}`;
    fromConfig = {
      serverUrl: `http://${hostPort}`,
      username: ctl?.get('username') ?? inet.get('username') ?? null,
      password: ctl?.get('password') ?? inet.get('password') ?? null,
      source: fromFile('[inet_http_server] port'),
    };
  } else if (ctl !== undefined) {
    fromConfig = {
      serverUrl: DEFAULT_SERVER_URL,
      username: ctl.get('username') ?? null,
      password: ctl.get('password') ?? null,
      source: { kind: 'default', config: read },
    };
  }

  const envUrl = env.SUPCTL_SERVERURL !== undefined && env.SUPCTL_SERVERURL !== '' ? env.SUPCTL_SERVERURL : null;
  const serverUrl = overrides.serverUrl ?? envUrl ?? fromConfig?.serverUrl ?? DEFAULT_SERVER_URL;
  const source: ServerSource =
    overrides.serverUrl !== null
      ? { kind: 'option' }
      : envUrl !== null
        ? { kind: 'env' }
        : (fromConfig?.source ?? { kind: 'default', config: read });
  return {
    serverUrl: normalizeUrl(serverUrl, undefined),
    username: overrides.username ?? fromConfig?.username ?? null,
    password: overrides.password ?? fromConfig?.password ?? null,
    source,
  };
}

/** supervisorctl makes a unix:// path absolute (options.py read_config normalize_path). */
function normalizeUrl(url: string, configFile: string | undefined): string {
  if (!url.startsWith('unix://')) return url;
  return `unix://${resolve(configFile === undefined ? process.cwd() : dirname(configFile), url.slice('unix://'.length))}`;
}

/** The sections supctl reads; every other one (a [program:x] each, hundreds in a big config) is skipped unread. */
const SECTIONS = new Set(['supervisorctl', 'unix_http_server', 'inet_http_server']);

/**
 * The few sections supctl needs, read as Python's RawConfigParser reads them: `key = value` or
 * `key: value`, `;`/`#` comments (inline ones after whitespace), indented continuation lines.
 */
export function readSections(text: string, here: string, env: NodeJS.ProcessEnv): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  // A header is `[name]` at the start of a line; one regular-expression scan finds them all, so
  // the lines of the sections supctl does not read (a [program:x] each, hundreds in a big config)
  // are never split or looked at.
  const headers = /^\[([^\]\r\n]+)\]/gm;
  let header = nextHeader(headers, text);
  while (header !== null) {
    const name = (header[1] as string).trim();
    const lineEnd = text.indexOf('\n', header.index);
    const next = nextHeader(headers, text);
    if (SECTIONS.has(name)) {
      const section = sections.get(name) ?? new Map<string, string>();
      sections.set(name, section);
      if (lineEnd !== -1) readLines(text.slice(lineEnd + 1, next === null ? text.length : next.index), section);
    }
    header = next;
  }
  for (const section of sections.values()) {
    for (const [key, value] of section) section.set(key, expand(value, here, env));
  }
  return sections;
}

/** The next header match that starts a line ('\n' only, as the config is split; the regex's ^ also matches after '\r'). */
function nextHeader(headers: RegExp, text: string): RegExpExecArray | null {
  for (let m = headers.exec(text); m !== null; m = headers.exec(text)) {
    if (m.index === 0 || text.charCodeAt(m.index - 1) === 0x0a) return m;
  }
  return null;
}

/** The lines of one section into `section`: `key = value`, comments, indented continuation lines. */
function readLines(body: string, section: Map<string, string>): void {
  let lastKey: string | null = null;
  // split('\n') rather than split(/\r?\n/): a regex split tries the pattern at every character.
  for (const fullLine of body.split('\n')) {
    const rawLine = fullLine.endsWith('\r') ? fullLine.slice(0, -1) : fullLine;
    if (/^\s*([;#]|$)/.test(rawLine)) continue;
    const line = rawLine.replace(/\s[;#].*$/, '');
    if (/^\s/.test(line) && lastKey !== null) {
      section.set(lastKey, `${section.get(lastKey) ?? ''}\n${line.trim()}`);
      continue;
    }
    const pair = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (pair === null) continue;
    lastKey = (pair[1] as string).trim().toLowerCase();
    section.set(lastKey, (pair[2] as string).trim());
  }
}

function expand(value: string, here: string, env: NodeJS.ProcessEnv): string {
  return value.replace(/%%|%\(([^)]+)\)s/g, (whole, name?: string) => {
    if (name === undefined) return '%';
    if (name === 'here') return here;
    if (name.startsWith('ENV_')) return env[name.slice(4)] ?? whole;
    return whole;
  });
}

/**
 * The config layer's entry point: main file (+ includes) in, SupdConfig or every ConfigError out,
 * with warnings either way. Pure: files, environment and host name are arguments.
 */
import { ConfigError, type ConfigWarning } from './config-error.js';
import type { HostChecks } from './host-checks.js';
import { readConfigFiles, type ConfigFiles } from './includes.js';
import { describeThrown } from './section-reader.js';
import type { SupdConfig } from './types.js';
import { validateConfig } from './validate.js';

export type { ConfigFiles } from './includes.js';

export type LoadResult =
  | { readonly ok: true; readonly config: SupdConfig; readonly warnings: ConfigWarning[] }
  | { readonly ok: false; readonly errors: ConfigError[]; readonly warnings: ConfigWarning[] };

/** Messages in reading order: by file (main first, then includes as read), then line. */
function inFileOrder<T extends { readonly origin: { readonly file: string; readonly line: number } }>(items: T[], files: string[]): T[] {
  const rank = (file: string) => {
    const i = files.indexOf(file);
    return i === -1 ? files.length : i;
  };
  return [...items].sort((a, b) => rank(a.origin.file) - rank(b.origin.file) || a.origin.line - b.origin.line);
}

/**
 * Loads `mainFile` (an absolute path) as supervisord 4.2.5 would, and never throws. `env` gives %(ENV_X)s and the
 * defaults that depend on it ($HOME for "~", $TMPDIR for childlogdir); `hostNodeName` gives
 * %(host_node_name)s; `host` checks users, directories and commands on the machine (host-checks.ts).
 */
export function loadConfig(
  mainFile: string,
  files: ConfigFiles,
  env: Readonly<Record<string, string | undefined>>,
  hostNodeName: string,
  host?: HostChecks,
): LoadResult {
  try {
    return loadOrThrow(mainFile, files, env, hostNodeName, host);
  } catch (e) {
    // A bug in supd, not in the config; it must still be a config error (exit 2, or a rejected
    // reload), never a crash of PID 1.
    const reason = `cannot load the config: ${describeThrown(e)} (a bug in supd; please report it)`;
    return { ok: false, errors: [new ConfigError({ file: mainFile, line: 0, section: '' }, reason)], warnings: [] };
  }
}

function loadOrThrow(
  mainFile: string,
  files: ConfigFiles,
  env: Readonly<Record<string, string | undefined>>,
  hostNodeName: string,
  host: HostChecks | undefined,
): LoadResult {
  const read = readConfigFiles(mainFile, files, env, hostNodeName);
  if (read.files.length === 0) return { ok: false, errors: read.errors, warnings: read.warnings };
  const validated = validateConfig(read.document, { mainFile, env, hostNodeName, ...(host === undefined ? {} : { host }) });
  const warnings = inFileOrder([...read.warnings, ...validated.warnings], read.files);
  if (read.errors.length > 0 || !validated.ok) {
    const errors = inFileOrder([...read.errors, ...(validated.ok ? [] : validated.errors)], read.files);
    return { ok: false, errors, warnings };
  }
  return { ok: true, config: validated.config, warnings };
}

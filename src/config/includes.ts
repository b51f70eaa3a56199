/**
 * Reads the main config file and the files its [include] files= names, as supervisord 4.2.5's
 * read_config does: globs relative to the main file's directory, each glob's matches in sorted
 * order, only the main file's [include] counts. Files come through the ConfigFiles port, so this
 * stays pure; src/os/config-files.ts is the real adapter.
 */
import { ConfigError, ConfigWarning } from './config-error.js';
import { createIniDocument, lookup, readIni, type IniDocument } from './dialect.js';
import { dirname, envExpansions, expand, layer } from './expand.js';
import { decodeConfigFile } from './config-text.js';
import { describeBytes, MAX_CONFIG_FILE_BYTES, MAX_CONFIG_TOTAL_BYTES } from './limits.js';
import { INCLUDE_KEYS } from './supervisord-keys.js';

/** How the config layer reads files. Unit tests pass a Map of fake files. */
export interface ConfigFiles {
  /**
   * The file's bytes (or text, from fake files), at most `maxBytes + 1` of them, so that a file
   * past the bound is known without reading it all. Throws if it cannot be read, or is not a
   * regular file (a FIFO or /dev/zero would never end).
   */
  readFile(path: string, maxBytes: number): Uint8Array | string;
  /** Absolute paths matching the absolute pattern, sorted. */
  glob(pattern: string): string[];
}

export interface ReadFilesResult {
  readonly document: IniDocument;
  readonly errors: ConfigError[];
  readonly warnings: ConfigWarning[];
  /** Every file read, main first. */
  readonly files: string[];
}

function reasonOf(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  switch ((e as NodeJSLikeError).code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'is a directory';
    case 'EACCES':
      return 'permission denied';
    default:
      return e.message;
  }
}

/**
 * Reads and decodes one file, or says why not (file:line for bytes that are not UTF-8). `total`
 * counts what was read so far, against the bound on a config with all its includes.
 */
function readOne(
  files: ConfigFiles,
  file: string,
  total: number,
): { ok: true; text: string; bytes: number } | { ok: false; error: ConfigError } | { ok: false; reason: string } {
  let content: Uint8Array | string;
  try {
    content = files.readFile(file, MAX_CONFIG_FILE_BYTES);
  } catch (e) {
    return { ok: false, reason: reasonOf(e) };
  }
  const decoded = decodeConfigFile(content);
  if (!decoded.ok) return { ok: false, error: new ConfigError({ file, line: decoded.line, section: '' }, decoded.reason) };
  if (total + decoded.bytes > MAX_CONFIG_TOTAL_BYTES) {
    const reason = `brings the config with its includes past ${describeBytes(MAX_CONFIG_TOTAL_BYTES)}, the most supd reads`;
    return { ok: false, error: new ConfigError({ file, line: 0, section: '' }, reason) };
  }
  return decoded;
}

interface NodeJSLikeError extends Error {
  readonly code?: string;
}

/** Python os.path.join(base, pattern): an absolute pattern stands alone. */
function joinPath(base: string, pattern: string): string {
  if (pattern.startsWith('/')) return pattern;
  return base.endsWith('/') ? base + pattern : `${base}/${pattern}`;
}

export function readConfigFiles(
  mainFile: string,
  files: ConfigFiles,
  env: Readonly<Record<string, string | undefined>>,
  hostNodeName: string,
): ReadFilesResult {
  const document = createIniDocument();
  const errors: ConfigError[] = [];
  const warnings: ConfigWarning[] = [];
  const read: string[] = [];

  const main = readOne(files, mainFile, 0);
  if (!main.ok) {
    errors.push('error' in main ? main.error : new ConfigError({ file: mainFile, line: 0, section: '' }, `cannot read config file: ${main.reason}`));
    return { document, errors, warnings, files: read };
  }
  let total = main.bytes;
  read.push(mainFile);
  errors.push(...readIni(document, main.text, mainFile).errors);

  const include = document.sections.get('include');
  if (include === undefined) return { document, errors, warnings, files: read };

  for (const [name, raw] of include.values) {
    if (!Object.hasOwn(INCLUDE_KEYS, name)) warnings.push(new ConfigWarning(raw.origin, `unknown key '${name}' (ignored)`, name));
  }
  const filesRaw = lookup(document, include, 'files');
  if (filesRaw === undefined) {
    errors.push(new ConfigError(include.origin, 'missing files= (an [include] section needs one)'));
    return { document, errors, warnings, files: read };
  }
  const base = dirname(mainFile);
  const names = layer(envExpansions(env), { here: base, host_node_name: hostNodeName });
  const expanded = expand(filesRaw.value, names);
  if (!expanded.ok) {
    errors.push(new ConfigError(filesRaw.origin, expanded.reason, 'files', filesRaw.value));
    return { document, errors, warnings, files: read };
  }

  for (const pattern of expanded.value.split(/\s+/).filter((p) => p !== '')) {
    const absolute = joinPath(base, pattern);
    let matches: string[];
    try {
      matches = [...files.glob(absolute)].sort();
    } catch (e) {
      errors.push(new ConfigError(filesRaw.origin, `cannot list include pattern ${absolute}: ${reasonOf(e)}`, 'files', filesRaw.value));
      continue;
    }
    if (matches.length === 0) {
      warnings.push(new ConfigWarning(filesRaw.origin, `no file matches include pattern ${absolute}`, 'files', filesRaw.value));
      continue;
    }
    for (const file of matches) {
      const included = readOne(files, file, total);
      if (!included.ok) {
        errors.push(
          'error' in included
            ? included.error
            : new ConfigError(filesRaw.origin, `cannot read included file ${file}: ${included.reason}`, 'files', filesRaw.value),
        );
        continue;
      }
      total += included.bytes;
      read.push(file);
      const result = readIni(document, included.text, file);
      errors.push(...result.errors);
      const nested = result.sectionsInFile.find((o) => o.section === 'include');
      if (nested !== undefined) {
        warnings.push(
          new ConfigWarning(nested, 'ignored: only the main config file\'s [include] is read, as in supervisord'),
        );
      }
    }
  }
  return { document, errors, warnings, files: read };
}

/**
 * Reads the main config file and the files its [include] files= names, as supervisord 4.2.5's
 * read_config does: globs relative to the main file's directory, each glob's matches in sorted
 * order, only the main file's [include] counts. Files come through the ConfigFiles port, so this
 * stays pure; src/os/config-files.ts is the real adapter.
 */
import { ConfigError, ConfigWarning } from './config-error.js';
import { createIniDocument, lookup, readIni, type IniDocument } from './dialect.js';
import { dirname, envExpansions, expand, layer } from './expand.js';
import { INCLUDE_KEYS } from './supervisord-keys.js';

/** How the config layer reads files. Unit tests pass a Map of fake files. */
export interface ConfigFiles {
  /** The file's text; throws if it cannot be read. */
  readFile(path: string): string;
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
  if (e instanceof Error) return (e as NodeJSLikeError).code === 'ENOENT' ? 'no such file' : e.message;
  return String(e);
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

  let text: string;
  try {
    text = files.readFile(mainFile);
  } catch (e) {
    errors.push(new ConfigError({ file: mainFile, line: 0, section: '' }, `cannot read config file: ${reasonOf(e)}`));
    return { document, errors, warnings, files: read };
  }
  read.push(mainFile);
  errors.push(...readIni(document, text, mainFile).errors);

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
    const matches = [...files.glob(absolute)].sort();
    if (matches.length === 0) {
      warnings.push(new ConfigWarning(filesRaw.origin, `no file matches include pattern ${absolute}`, 'files', filesRaw.value));
      continue;
    }
    for (const file of matches) {
      let included: string;
      try {
        included = files.readFile(file);
      } catch (e) {
        errors.push(new ConfigError(filesRaw.origin, `cannot read included file ${file}: ${reasonOf(e)}`, 'files', filesRaw.value));
        continue;
      }
      read.push(file);
      const result = readIni(document, included, file);
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

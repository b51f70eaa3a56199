/**
 * Where supd looks for its config when no -c is given: its own names first, then supervisord's
 * default search path (options.py Options.searchpaths, less the paths relative to the executable).
 * Pure: existence is asked through `exists`.
 */

/** In search order; relative entries are resolved against the working directory. */
export const CONFIG_SEARCH_PATHS = [
  'supd.conf',
  'etc/supd.conf',
  '/etc/supd/supd.conf',
  'supervisord.conf',
  '/etc/supervisord.conf',
  '/etc/supervisor/supervisord.conf',
] as const;

export function findConfigFile(exists: (path: string) => boolean, cwd: string): string | null {
  for (const candidate of CONFIG_SEARCH_PATHS) {
    const path = candidate.startsWith('/') ? candidate : `${cwd.replace(/\/+$/, '')}/${candidate}`;
    if (exists(path)) return path;
  }
  return null;
}

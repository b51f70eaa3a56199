// supd's version, from package.json, for `supd --version`, `supctl --version` and getSupervisorVersion.
// This file sits in dist/cli/ both as tsc leaves it and bundled into dist/cli/*.js chunks, so
// package.json is two directories up either way.
import { readFileSync } from 'node:fs';

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

// Whether dist/ is older than what it is built from, for `node scripts/build.mjs --if-changed`
// (npm start). dist/.build-stamp is written after each build.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const STAMP = 'dist/.build-stamp';
export const BINS = ['dist/cli/supd.js', 'dist/cli/supctl.js'];
/** What the build reads: a change to any of these makes dist/ stale. */
export const INPUTS = ['src', 'dashboard', 'scripts/build.mjs', 'tsconfig.json', 'tsconfig.build.json', 'rolldown.config.mjs', 'package.json', 'package-lock.json'];

function newestInput(root) {
  let newest = 0;
  for (const input of INPUTS) {
    const path = join(root, input);
    if (!existsSync(path)) continue;
    const files = statSync(path).isDirectory() ? readdirSync(path, { recursive: true, encoding: 'utf8' }).map((f) => join(path, f)) : [path];
    for (const file of files) {
      const stat = statSync(file);
      if (stat.isFile()) newest = Math.max(newest, stat.mtimeMs);
    }
  }
  return newest;
}

/** True when the bins exist and no input changed since the last build of `root`. */
export function isBuildUpToDate(root) {
  const stamp = join(root, STAMP);
  return existsSync(stamp) && BINS.every((bin) => existsSync(join(root, bin))) && statSync(stamp).mtimeMs >= newestInput(root);
}

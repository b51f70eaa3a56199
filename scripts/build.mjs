#!/usr/bin/env node
// supd's build: tsc (src/ -> dist/), then rolldown bundles supd and supctl (rolldown.config.mjs),
// then the bins are made executable. Prints nothing unless something fails.
//   node scripts/build.mjs               build
//   node scripts/build.mjs --if-changed  build only when a source is newer than the last build
//                                        (npm start, so a second start does not rebuild)
import { spawnSync } from 'node:child_process';
import { chmodSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BINS, isBuildUpToDate, STAMP } from './build-stamp.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));

if (process.argv.includes('--if-changed') && isBuildUpToDate(REPO)) process.exit(0);

const startedAt = Date.now();
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: REPO, stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);

const { build } = await import('rolldown');
const { default: configs } = await import(new URL('../rolldown.config.mjs', import.meta.url).href);
for (const config of Array.isArray(configs) ? configs : [configs]) await build({ ...config, cwd: REPO });

// npm links these as bins; a build that leaves them 644 gives "permission denied" when run directly.
for (const bin of BINS) chmodSync(join(REPO, bin), 0o755);
// Dated when the build began: a source saved while it ran is newer, and the next start rebuilds.
writeFileSync(join(REPO, STAMP), `${new Date(startedAt).toISOString()}\n`);
utimesSync(join(REPO, STAMP), startedAt / 1000, startedAt / 1000);

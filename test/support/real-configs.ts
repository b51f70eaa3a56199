/**
 * Where the real-world configs live (see their README): $SUPD_REAL_CONFIGS, else ../shared/configs
 * beside the checkout (or beside its worktree folder). Tests read them in place and never copy
 * them into the repository; when absent, they skip and say so.
 */
import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');

export const REAL_CONFIGS_DIR: string | null =
  [process.env['SUPD_REAL_CONFIGS'], resolve(REPO, '../shared/configs'), resolve(REPO, '../../shared/configs')].find(
    (dir): dir is string => dir !== undefined && dir !== '' && existsSync(dir),
  ) ?? null;

/** The .conf files of REAL_CONFIGS_DIR, sorted; empty when it is absent. */
export const REAL_CONFIGS: string[] =
  REAL_CONFIGS_DIR === null ? [] : readdirSync(REAL_CONFIGS_DIR).filter((f) => f.endsWith('.conf')).sort();

export const REAL_CONFIGS_ABSENT_NOTE = 'the real-world configs (../shared/configs or $SUPD_REAL_CONFIGS) are absent: skipped';

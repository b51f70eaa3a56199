/**
 * The real ConfigFiles adapter: the config layer's only way to the disk (node:fs readFileSync and
 * fs.globSync, Node 22+). Not a parser: everything about the dialect lives in src/config.
 */
import { globSync, readFileSync } from 'node:fs';
import type { ConfigFiles } from '../config/includes.js';

export const nodeConfigFiles: ConfigFiles = {
  readFile: (path) => readFileSync(path, 'utf8'),
  // Python's glob.glob as supervisord uses it: no match for a missing directory, sorted by caller.
  glob: (pattern) => globSync(pattern).sort(),
};

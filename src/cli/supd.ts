#!/usr/bin/env node
/**
 * The `supd` bin. Before anything that needs a recent Node loads: checks the Node version (exit 1
 * with what to do on an old one), and re-executes itself, same pid, with the V8 flags supd is
 * measured with when they are missing (cli/v8-tuning.ts). Then runs cli/supd/main.ts.
 */
import { nodeVersionProblem } from './node-version.js';
import { tunedArgv } from './v8-tuning.js';

const problem = nodeVersionProblem('supd', process.versions.node, process.execPath);
if (problem !== null) {
  process.stderr.write(problem);
  process.exit(1);
}
const tuned = tunedArgv(process.execPath, process.execArgv, process.argv, process.env['NODE_OPTIONS']);
// process.execve: Node 22.15 / 23.11 and later; on 22.12-22.14 supd runs untuned.
if (tuned !== null && typeof process.execve === 'function') process.execve(process.execPath, tuned, process.env);
const { runSupd } = await import('./supd/main.js');
runSupd(process.argv.slice(2));

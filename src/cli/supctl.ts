#!/usr/bin/env node
/**
 * The `supctl` bin: checks the Node version before anything that needs a recent Node loads (exit 1
 * with what to do on an old one), then runs cli/supctl/main.ts.
 */
import { nodeVersionProblem } from './node-version.js';

const problem = nodeVersionProblem('supctl', process.versions.node, process.execPath);
if (problem !== null) {
  process.stderr.write(problem);
  process.exit(1);
}
const { runSupctl } = await import('./supctl/main.js');
runSupctl();

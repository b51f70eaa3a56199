import { describe, expect, it } from 'vitest';
import { nodeVersionProblem } from '../../../src/cli/node-version.js';

describe('the Node version check both bins run first', () => {
  it('accepts Node 22.12 and anything newer', () => {
    expect(['22.12.0', '22.20.1', '23.0.0', '24.21.0'].map((v) => nodeVersionProblem('supd', v, '/usr/bin/node'))).toEqual([null, null, null, null]);
  });

  it('refuses an older Node naming what it needs, what it found, and how to run the devDependency Node', () => {
    const text = nodeVersionProblem('supctl', '20.20.2', '/usr/bin/node');
    expect(text?.split('\n')).toEqual([
      'supctl: needs Node.js 22.12 or newer; this is Node.js 20.20.2 (/usr/bin/node).',
      '  In a clone of supd, `npm ci` installs Node 24 as a devDependency, which npm scripts and npx run:',
      '  `npm start`, `npm run -s supctl -- ...`, or node_modules/.bin/node dist/cli/supctl.js ...',
      '  Elsewhere, install Node.js 22.12 or newer (https://nodejs.org/en/download, or the node:24 image).',
      '',
    ]);
    expect(nodeVersionProblem('supd', '22.11.0', '/n')).toContain('supd: needs Node.js 22.12 or newer; this is Node.js 22.11.0 (/n).');
  });
});

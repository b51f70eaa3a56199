// The Node.js check both bins run before loading anything that needs a recent Node (require of
// ES modules, fs.globSync, process.getBuiltinModule): on an older Node they would die with a
// TypeError and a stack. Pure, and plain enough for any Node that can parse it.

/** The oldest Node supd and supctl run on (package.json engines). */
export const REQUIRED_NODE = { major: 22, minor: 12 } as const;

/** null when `version` (process.versions.node) is new enough, else what to print, lines ending in \n. */
export function nodeVersionProblem(command: 'supd' | 'supctl', version: string, execPath: string): string | null {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major > REQUIRED_NODE.major || (major === REQUIRED_NODE.major && minor >= REQUIRED_NODE.minor)) return null;
  const wanted = `${REQUIRED_NODE.major}.${REQUIRED_NODE.minor}`;
  return [
    `${command}: needs Node.js ${wanted} or newer; this is Node.js ${version} (${execPath}).`,
    `  In a clone of supd, \`npm ci\` installs Node 24 as a devDependency, which npm scripts and npx run:`,
    `  \`npm start\`, \`npm run -s ${command} -- ...\`, or node_modules/.bin/node dist/cli/${command}.js ...`,
    `  Elsewhere, install Node.js ${wanted} or newer (https://nodejs.org/en/download, or the node:24 image).`,
    '',
  ].join('\n');
}

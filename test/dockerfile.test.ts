// `docker build` must find every file the Dockerfile copies in the context .dockerignore leaves.
// No Docker needed: Docker's ignore rules are applied here (test/support/dockerignore.ts).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { copySources, isInContext, parseDockerignore } from './support/dockerignore.js';

/** The repository's files, as a fresh clone has them. */
const FILES = execFileSync('git', ['ls-files'], { encoding: 'utf8' }).split('\n').filter((f) => f !== '');

describe('the Dockerfile and .dockerignore', () => {
  it('copies only sources that exist in the repository and that .dockerignore leaves in the context', () => {
    const rules = parseDockerignore(readFileSync('.dockerignore', 'utf8'));
    const problems = copySources(readFileSync('Dockerfile', 'utf8')).flatMap(({ line, source }) => {
      const files = source === '.' ? FILES : FILES.filter((f) => f === source || f.startsWith(`${source}/`));
      if (files.length === 0) return [`Dockerfile:${line}: COPY ${source}: no such file in the repository`];
      const left = files.filter((f) => !isInContext(rules, f));
      return left.length === 0 ? [] : [`Dockerfile:${line}: COPY ${source}: left out of the context by .dockerignore: ${left.join(', ')}`];
    });
    expect(problems).toEqual([]);
  });
});

describe("Docker's ignore rules (the check itself)", () => {
  const context = (ignore: string, files: string[]) => files.filter((f) => isInContext(parseDockerignore(ignore), f));

  it('excludes a file when a pattern matches it or any directory above it', () => {
    expect(context('docs\n*.md', ['docs/a.txt', 'README.md', 'src/x.md', 'src/x.ts'])).toEqual(['src/x.md', 'src/x.ts']);
  });

  it('lets the last matching pattern decide, so ! re-includes what * left out', () => {
    expect(context('*\n!src/\n!package.json', ['src/os/a.ts', 'package.json', 'rolldown.config.mjs'])).toEqual([
      'src/os/a.ts',
      'package.json',
    ]);
    expect(context('!src\nsrc', ['src/a.ts'])).toEqual([]);
    expect(context('src\n!src/keep.ts', ['src/a.ts', 'src/keep.ts'])).toEqual(['src/keep.ts']);
  });

  it('matches ** across any number of directories, * and ? within one', () => {
    expect(context('**/*.map', ['a.map', 'dist/cli/supd.js.map', 'dist/cli/supd.js'])).toEqual(['dist/cli/supd.js']);
    expect(context('src/**/test', ['src/test/a', 'src/a/b/test/c', 'src/tests/d'])).toEqual(['src/tests/d']);
    expect(context('s?c/*.ts', ['src/a.ts', 'src/os/b.ts', 'sxyc/c.ts'])).toEqual(['src/os/b.ts', 'sxyc/c.ts']);
  });

  it('ignores comments and blank lines, and a leading / or trailing /', () => {
    expect(context('# *\n\n/bench/\n', ['bench/run.mjs', 'src/a.ts'])).toEqual(['src/a.ts']);
  });

  it('reads COPY sources in shell and JSON form, over continued lines, skipping --from', () => {
    const dockerfile = [
      'COPY package.json package-lock.json ./',
      'COPY --chown=1:1 tsconfig.json \\',
      '     rolldown.config.mjs ./',
      'COPY --from=build /app/dist ./dist',
      'ADD ["conf.d/", "/etc/supd/conf.d"]',
    ].join('\n');
    expect(copySources(dockerfile)).toEqual([
      { line: 1, source: 'package.json' },
      { line: 1, source: 'package-lock.json' },
      { line: 2, source: 'tsconfig.json' },
      { line: 2, source: 'rolldown.config.mjs' },
      { line: 5, source: 'conf.d' },
    ]);
  });
});

describe("the image's entry point", () => {
  it('starts supd with the V8 flags the bin would re-execute itself with', async () => {
    const { V8_FLAGS } = await import('../src/cli/v8-tuning.js');
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(readFileSync('Dockerfile', 'utf8'))?.[1];
    const argv = JSON.parse(entrypoint ?? '[]') as string[];
    expect(argv.slice(0, 1 + V8_FLAGS.length)).toEqual(['node', ...V8_FLAGS]);
  });
});

// Docker's build-context rules, for test/dockerfile.test.ts: which files .dockerignore leaves in
// the context, and which sources a Dockerfile COPYs from it. The matcher follows
// moby/patternmatcher (what `docker build` and BuildKit use): Go filepath.Match syntax plus `**`,
// a pattern excludes a path when it matches the path or any directory above it, `!` re-includes,
// and the last pattern that matches decides.

export interface IgnoreRule {
  readonly pattern: string;
  readonly isException: boolean;
  readonly regex: RegExp;
}

/** .dockerignore's lines as Docker reads them (moby/patternmatcher/ignorefile ReadAll). */
export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const isException = line.startsWith('!');
    if (isException) line = line.slice(1).trim();
    if (line === '') continue;
    const pattern = cleanPath(line.replace(/^\/+/, ''));
    rules.push({ pattern, isException, regex: compilePattern(pattern) });
  }
  return rules;
}

/** Go's filepath.Clean for relative paths: no `.` parts, no empty parts, no trailing slash. */
function cleanPath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
    else parts.push(part);
  }
  return parts.length === 0 ? '.' : parts.join('/');
}

/** patternmatcher's compile(): `**` any number of directories, `*` and `?` within one. */
function compilePattern(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') i++; // `**/` is `**`
        re += i + 1 >= pattern.length ? '.*' : '(.*/)?';
      } else {
        re += '[^/]*';
      }
    } else if (ch === '?') {
      re += '[^/]';
    } else if (ch === '\\' && i + 1 < pattern.length) {
      re += `\\${pattern[++i]!}`;
    } else if (ch === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close === -1) throw new Error(`bad pattern ${pattern}: unclosed [`);
      re += `[${pattern.slice(i + 1, close)}]`;
      i = close;
    } else {
      re += /[.+()|{}^$]/.test(ch) ? `\\${ch}` : ch;
    }
  }
  return new RegExp(`${re}$`);
}

/** Whether `file` (relative to the context, with `/`) stays in the build context. */
export function isInContext(rules: readonly IgnoreRule[], file: string): boolean {
  const parts = file.split('/');
  const paths = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let isExcluded = false;
  for (const rule of rules) {
    // MatchesOrParentMatches: the file itself or any directory above it.
    if (paths.some((path) => rule.regex.test(path))) isExcluded = !rule.isException;
  }
  return !isExcluded;
}

export interface CopySource {
  readonly line: number;
  readonly source: string;
}

/**
 * The sources of every COPY/ADD that reads the build context (not `--from=`), in shell or JSON
 * form, with their Dockerfile line. The last argument is the destination.
 */
export function copySources(dockerfile: string): CopySource[] {
  const sources: CopySource[] = [];
  const lines = dockerfile.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let instruction = lines[i]!;
    while (instruction.trimEnd().endsWith('\\') && i + 1 < lines.length) instruction = `${instruction.trimEnd().slice(0, -1)} ${lines[++i]!}`;
    const m = /^\s*(COPY|ADD)\s+(.*)$/i.exec(instruction);
    if (m === null) continue;
    let rest = m[2]!.trim();
    const flags: string[] = [];
    while (rest.startsWith('--')) {
      const [flag = '', ...others] = rest.split(/\s+/);
      flags.push(flag);
      rest = others.join(' ');
    }
    if (flags.some((flag) => flag.startsWith('--from='))) continue;
    const args = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
    for (const source of args.slice(0, -1)) sources.push({ line: start + 1, source: cleanPath(source) });
  }
  return sources;
}

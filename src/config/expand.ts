/**
 * supervisord's %-expansion (options.py expand(): Python `value % expansions`): %(name)s,
 * %(process_num)02d, %% and the rest of Python's printf-style conversions. Pure; which names a
 * key may use is decided by the caller (section-reader.ts), not here.
 */
import { describeBytes, MAX_EXPANDED_CHARS } from './limits.js';
import { CONVERSIONS, formatConversion, sizesOf } from './py-format.js';
import { fail, ok, type ParseResult } from './values.js';

/** Names available to one value: strings (program_name, ENV_X...) and integers (process_num, numprocs). */
export interface Expansions {
  get(name: string): string | number | undefined;
  keys(): Iterable<string>;
}

/** `extra` over `base` without copying base (which holds every ENV_X). */
export function layer(base: Expansions, extra: Readonly<Record<string, string | number>>): Expansions {
  return {
    get: (name) => (Object.hasOwn(extra, name) ? extra[name] : base.get(name)),
    keys: () => new Set([...base.keys(), ...Object.keys(extra)]),
  };
}

/** Why a %(name)s cannot be expanded, naming what could have been used instead. */
function unknownName(name: string, names: Expansions): string {
  if (name.startsWith('ENV_')) return `%(${name})s: environment variable ${name.slice(4)} is not set`;
  const available = [...names.keys()].filter((k) => !k.startsWith('ENV_')).sort();
  return `%(${name})s cannot be expanded here; available: ${[...available, 'ENV_<variable>'].join(', ')} (write %% for a literal %)`;
}

/**
 * `template % names` as Python computes it with a mapping. A conversion without a (name), an
 * unknown name, or a malformed % is a reason, not an exception.
 */
export function expand(template: string, names: Expansions): ParseResult<string> {
  if (!template.includes('%')) return ok(template);
  let out = '';
  let i = 0;
  while (i < template.length) {
    const pct = template.indexOf('%', i);
    if (pct === -1) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, pct);
    let j = pct + 1;
    let name: string | null = null;
    if (template[j] === '(') {
      // Python matches nested parentheses in the key: %(a(b)c)s names "a(b)c".
      let depth = 1;
      const start = ++j;
      while (j < template.length && depth > 0) {
        if (template[j] === '(') depth++;
        else if (template[j] === ')') depth--;
        j++;
      }
      if (depth > 0) return fail(`incomplete format key (write %% for a literal %)`);
      name = template.slice(start, j - 1);
    }
    const spec = /^([-+ #0]*)(\*|\d*)(?:\.(\*|\d*))?[hlL]?/.exec(template.slice(j)) as RegExpExecArray;
    j += spec[0].length;
    const conv = template[j];
    if (conv === undefined) return fail(`incomplete format (write %% for a literal %)`);
    j++;
    if (conv === '%' && name === null) {
      out += '%';
      i = j;
      continue;
    }
    if (!CONVERSIONS.includes(conv)) {
      const code = template.codePointAt(j - 1) ?? 0;
      // Python prints a non-ASCII character as '?' and counts its index in characters.
      const shown = code < 0x80 ? conv : '?';
      const at = [...template.slice(0, j - 1)].length;
      return fail(`unsupported format character '${shown}' (0x${code.toString(16)}) at index ${at} (write %% for a literal %)`);
    }
    if (name === null) return fail(`'%${conv}' at index ${pct} has no (name); write %(name)${conv}, or %% for a literal %`);
    const value = names.get(name);
    if (value === undefined) return fail(unknownName(name, names));
    if (spec[2] === '*' || spec[3] === '*') {
      // '*' takes a width from the next positional argument, and supervisord passes only names.
      const why = typeof value === 'number' ? 'not enough arguments for format string' : '* wants int';
      return fail(`%(${name})${conv}: ${why} (write the width as digits)`);
    }
    const tooLarge = `%(${name})${conv}: expands to more than ${describeBytes(MAX_EXPANDED_CHARS)}, the most supd accepts in one value`;
    const parsed = { flags: spec[1] ?? '', width: spec[2] ?? '', precision: spec[3] ?? null, conv };
    const sizes = sizesOf(parsed, MAX_EXPANDED_CHARS);
    if (!sizes.ok) return fail('tooLarge' in sizes ? tooLarge : `%(${name})${conv}: ${sizes.reason}`);
    const formatted = formatConversion(value, parsed, sizes.value.width, sizes.value.precision);
    if (!formatted.ok) return fail(`%(${name})${conv}: ${formatted.reason}`);
    out += formatted.value;
    if (out.length > MAX_EXPANDED_CHARS) return fail(tooLarge);
    i = j;
  }
  return ok(out);
}

/** ENV_X for every set variable, as supervisord's environ_expansions. */
export function envExpansions(env: Readonly<Record<string, string | undefined>>): Map<string, string> {
  const names = new Map<string, string>();
  for (const [k, v] of Object.entries(env)) if (v !== undefined) names.set(`ENV_${k}`, v);
  return names;
}

/** The directory of a file path, which is what %(here)s means for a value written in that file. */
export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  if (i === -1) return '.';
  if (i === 0) return '/';
  return path.slice(0, i);
}

/**
 * supervisord's %-expansion (options.py expand(): Python `value % expansions`): %(name)s,
 * %(process_num)02d, %% and the rest of Python's printf-style conversions. Pure; which names a
 * key may use is decided by the caller (section-reader.ts), not here.
 */
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

const CONVERSIONS = 'diouxXeEfFgGcrsa';

function pyRepr(s: string): string {
  // Python repr() of a str: single quotes unless the text has a ' and no ".
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s
    .replaceAll('\\', '\\\\')
    .replaceAll('\n', '\\n')
    .replaceAll('\r', '\\r')
    .replaceAll('\t', '\\t')
    .replaceAll(quote, `\\${quote}`);
  return `${quote}${body}${quote}`;
}

function pad(body: string, sign: string, width: number, flags: string, numeric: boolean): string {
  const len = sign.length + body.length;
  if (width <= len) return sign + body;
  if (flags.includes('-')) return sign + body + ' '.repeat(width - len);
  if (numeric && flags.includes('0')) return sign + '0'.repeat(width - len) + body;
  return ' '.repeat(width - len) + sign + body;
}

function formatOne(value: string | number, flags: string, width: number, precision: number | null, conv: string): ParseResult<string> {
  if (conv === 's' || conv === 'r' || conv === 'a') {
    let s = typeof value === 'number' ? String(value) : conv === 's' ? value : pyRepr(value);
    if (precision !== null) s = s.slice(0, precision);
    return ok(pad(s, '', width, flags.replaceAll('0', ''), false));
  }
  if (conv === 'c') {
    const s = typeof value === 'number' ? String.fromCodePoint(value) : value;
    if ([...s].length !== 1) return fail('%c requires an int or a single character');
    return ok(pad(s, '', width, flags, false));
  }
  if (typeof value !== 'number') return fail(`%${conv} format: a real number is required, not str`);
  const sign = value < 0 ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
  const abs = Math.abs(value);
  let body: string;
  switch (conv) {
    case 'd':
    case 'i':
    case 'u':
      body = String(Math.trunc(abs));
      if (precision !== null) body = body.padStart(precision, '0');
      break;
    case 'o':
      body = (flags.includes('#') ? '0o' : '') + Math.trunc(abs).toString(8);
      break;
    case 'x':
    case 'X': {
      body = (flags.includes('#') ? '0x' : '') + Math.trunc(abs).toString(16);
      if (conv === 'X') body = body.toUpperCase();
      break;
    }
    case 'e':
    case 'E': {
      body = abs.toExponential(precision ?? 6).replace(/e([+-])(\d)$/, 'e$10$2');
      if (conv === 'E') body = body.toUpperCase();
      break;
    }
    case 'f':
    case 'F':
      body = abs.toFixed(precision ?? 6);
      break;
    default: {
      // g/G: shortest of %e and %f at the given precision, trailing zeros dropped.
      const p = precision === 0 ? 1 : (precision ?? 6);
      const exp = abs === 0 ? 0 : Math.floor(Math.log10(abs));
      body =
        exp < -4 || exp >= p
          ? abs.toExponential(p - 1).replace(/\.?0+e/, 'e').replace(/e([+-])(\d)$/, 'e$10$2')
          : String(Number(abs.toPrecision(p)));
      if (conv === 'G') body = body.toUpperCase();
    }
  }
  return ok(pad(body, sign, width, flags, true));
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
      if (depth > 0) return fail(`incomplete format key at index ${pct} (write %% for a literal %)`);
      name = template.slice(start, j - 1);
    }
    const spec = /^([-+ #0]*)(\d*)(?:\.(\d*))?[hlL]?/.exec(template.slice(j)) as RegExpExecArray;
    j += spec[0].length;
    const conv = template[j];
    if (conv === undefined) return fail(`incomplete format at index ${pct} (write %% for a literal %)`);
    j++;
    if (conv === '%' && name === null) {
      out += '%';
      i = j;
      continue;
    }
    if (!CONVERSIONS.includes(conv)) {
      const code = conv.codePointAt(0) ?? 0;
      return fail(`unsupported format character '${conv}' (0x${code.toString(16)}) at index ${j - 1} (write %% for a literal %)`);
    }
    if (name === null) return fail(`'%${conv}' at index ${pct} has no (name); write %(name)${conv}, or %% for a literal %`);
    const value = names.get(name);
    if (value === undefined) return fail(unknownName(name, names));
    const formatted = formatOne(value, spec[1] ?? '', Number(spec[2] || 0), spec[3] === undefined ? null : Number(spec[3] || 0), conv);
    if (!formatted.ok) return fail(`%(${name})${conv}: ${formatted.reason}`);
    out += formatted.value;
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

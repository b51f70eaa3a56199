/**
 * One conversion of Python 3's printf-style formatting (`'%(name)05.2f' % names`), for the two kinds
 * of value supervisord expands: integers (process_num, numprocs) and strings (program_name, ENV_X).
 * Output and error texts are CPython 3.11's (unicodeobject.c, pystrtod.c); integers are formatted
 * exactly with round-half-even, so any precision works as in Python. Pure.
 */
import { fail, ok, type ParseResult } from './values.js';

/** Python rejects a width or precision above PY_SSIZE_T_MAX while parsing the format. */
const PY_SSIZE_T_MAX = 2n ** 63n - 1n;

export const CONVERSIONS = 'diouxXeEfFgGcrsa';

export interface ConversionSpec {
  readonly flags: string;
  /** Digits as written; '' when absent. */
  readonly width: string;
  /** Digits after '.', '' for a bare '.', null when there is no '.'. */
  readonly precision: string | null;
  readonly conv: string;
}

/**
 * Width and precision as numbers, or Python's "width too big"/"precision too big". A value above
 * `maxChars` is refused here, before anything that large is built (the caller names the bound).
 */
export function sizesOf(
  spec: ConversionSpec,
  maxChars: number,
): ParseResult<{ width: number; precision: number | null }> | { ok: false; reason: string; tooLarge: true } {
  const width = spec.width === '' ? 0n : BigInt(spec.width);
  if (width > PY_SSIZE_T_MAX) return fail('width too big');
  const precision = spec.precision === null ? null : spec.precision === '' ? 0n : BigInt(spec.precision);
  if (precision !== null && precision > PY_SSIZE_T_MAX) return fail('precision too big');
  if (width > BigInt(maxChars) || (precision !== null && precision > BigInt(maxChars))) {
    return { ok: false, reason: 'too large', tooLarge: true };
  }
  return ok({ width: Number(width), precision: precision === null ? null : Number(precision) });
}

/** Python's repr() of a str (ascii() when `asciiOnly`): quotes, escapes of control characters. */
export function pyRepr(s: string, asciiOnly = false): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let body = '';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\' || ch === quote) body += `\\${ch}`;
    else if (ch === '\n') body += '\\n';
    else if (ch === '\r') body += '\\r';
    else if (ch === '\t') body += '\\t';
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0) || (asciiOnly && code > 0x7f && code <= 0xff)) {
      body += `\\x${code.toString(16).padStart(2, '0')}`;
    } else if (asciiOnly && code > 0xff && code <= 0xffff) body += `\\u${code.toString(16).padStart(4, '0')}`;
    else if (asciiOnly && code > 0xffff) body += `\\U${code.toString(16).padStart(8, '0')}`;
    else body += ch;
  }
  return `${quote}${body}${quote}`;
}

function pad(body: string, sign: string, width: number, flags: string, zeroFill: boolean): string {
  const len = sign.length + [...body].length;
  if (width <= len) return sign + body;
  if (flags.includes('-')) return sign + body + ' '.repeat(width - len);
  if (zeroFill && flags.includes('0')) return sign + '0'.repeat(width - len) + body;
  return ' '.repeat(width - len) + sign + body;
}

/** `digits` (no leading zeros, or "0") rounded to `keep` significant digits, half to even. */
function roundDigits(digits: string, keep: number): { digits: string; carried: boolean } {
  if (digits.length <= keep) return { digits: digits + '0'.repeat(keep - digits.length), carried: false };
  const head = digits.slice(0, keep);
  const rest = digits.slice(keep);
  const first = rest.charCodeAt(0) - 48;
  const tail = /[1-9]/.test(rest.slice(1));
  const last = keep === 0 ? 0 : head.charCodeAt(keep - 1) - 48;
  const up = first > 5 || (first === 5 && (tail || last % 2 === 1));
  if (!up) return { digits: head, carried: false };
  const bumped = (BigInt(head === '' ? '0' : head) + 1n).toString();
  if (bumped.length > keep && keep > 0) return { digits: bumped.slice(0, keep), carried: true };
  if (keep === 0) return { digits: '', carried: true };
  return { digits: bumped.padStart(keep, '0'), carried: false };
}

/** Python's %e of a non-negative integer: mantissa with `precision` decimals, exponent of 2+ digits. */
function exponential(abs: bigint, precision: number, alt: boolean): { text: string; exp: number } {
  const digits = abs.toString();
  let exp = abs === 0n ? 0 : digits.length - 1;
  const rounded = roundDigits(abs === 0n ? '0' : digits, precision + 1);
  if (rounded.carried) exp += 1;
  const mantissa = rounded.digits.slice(0, 1) + (precision > 0 || alt ? '.' : '') + rounded.digits.slice(1);
  const e = `e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return { text: mantissa + e, exp };
}

/** Python's %g: %e or %f by the exponent, trailing zeros removed unless '#'. */
function general(abs: bigint, precision: number, alt: boolean): string {
  const p = precision === 0 ? 1 : precision;
  const { exp } = exponential(abs, p - 1, false);
  let text: string;
  if (exp < -4 || exp >= p) {
    text = exponential(abs, p - 1, alt).text;
    if (!alt) text = text.replace(/\.?0*e/, 'e');
  } else {
    const decimals = p - 1 - exp;
    text = abs.toString() + (decimals > 0 || alt ? '.' : '') + '0'.repeat(decimals);
    if (!alt && text.includes('.')) text = text.replace(/\.?0+$/, '');
  }
  return text;
}

function typeName(value: string | number): string {
  return typeof value === 'number' ? 'int' : 'str';
}

/** Formats one value; Python's error text as the reason when Python raises. */
export function formatConversion(
  value: string | number,
  spec: ConversionSpec,
  width: number,
  precision: number | null,
): ParseResult<string> {
  const { flags, conv } = spec;
  switch (conv) {
    case 's':
    case 'r':
    case 'a': {
      let s = typeof value === 'number' ? String(value) : conv === 's' ? value : pyRepr(value, conv === 'a');
      if (precision !== null) s = [...s].slice(0, precision).join('');
      return ok(pad(s, '', width, flags, false));
    }
    case 'c': {
      let s: string;
      if (typeof value === 'number') {
        if (!Number.isInteger(value) || value < 0 || value > 0x10ffff) return fail('%c arg not in range(0x110000)');
        s = String.fromCodePoint(value);
      } else {
        if ([...value].length !== 1) return fail('%c requires int or char');
        s = value;
      }
      return ok(pad(s, '', width, flags, false));
    }
  }
  const sign = (negative: boolean) => (negative ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '');
  const alt = flags.includes('#');
  switch (conv) {
    case 'd':
    case 'i':
    case 'u':
    case 'o':
    case 'x':
    case 'X': {
      if (typeof value !== 'number') {
        const what = 'diu'.includes(conv) ? 'a real number' : 'an integer';
        return fail(`%${conv} format: ${what} is required, not ${typeName(value)}`);
      }
      const n = BigInt(Math.trunc(value));
      const abs = n < 0n ? -n : n;
      const radix = conv === 'o' ? 8 : conv === 'x' || conv === 'X' ? 16 : 10;
      let digits = abs.toString(radix);
      if (precision !== null) digits = digits.padStart(precision, '0');
      const prefix = alt && radix === 8 ? '0o' : alt && radix === 16 ? '0x' : '';
      const out = pad(digits, sign(n < 0n) + prefix, width, flags, true);
      return ok(conv === 'X' ? out.toUpperCase() : out);
    }
  }
  if (typeof value !== 'number') return fail(`must be real number, not ${typeName(value)}`);
  const n = BigInt(Math.trunc(value));
  const abs = n < 0n ? -n : n;
  const p = precision ?? 6;
  let body: string;
  switch (conv) {
    case 'e':
    case 'E':
      body = exponential(abs, p, alt).text;
      break;
    case 'f':
    case 'F':
      body = abs.toString() + (p > 0 || alt ? '.' : '') + '0'.repeat(p);
      break;
    default:
      body = general(abs, p, alt);
  }
  if (conv === 'E' || conv === 'G') body = body.toUpperCase();
  return ok(pad(body, sign(n < 0n), width, flags, true));
}

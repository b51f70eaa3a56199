/**
 * Parsers for single config values, each a copy of a supervisord 4.2.5 datatypes.py function
 * (boolean, integer, byte_size, octal_type, signal_number, list_of_exitcodes, auto_restart,
 * dict_of_key_value_pairs, logfile_name, inet_address...). Text in, typed value or a reason out;
 * nothing here checks the file system or the user database.
 */
import type { Autorestart, SignalName } from './types.js';

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };
export type ValueParser<T> = (raw: string) => ParseResult<T>;

export const ok = <T>(value: T): ParseResult<T> => ({ ok: true, value });
export const fail = <T = never>(reason: string): ParseResult<T> => ({ ok: false, reason });

/** Any text, as written. */
export const text: ValueParser<string> = (raw) => ok(raw);

/** Text, but an empty value is the same as not setting the key (null). */
export const optionalText: ValueParser<string | null> = (raw) => ok(raw === '' ? null : raw);

// Python int(): surrounding whitespace, a sign, and underscores between digits are accepted.
const PY_INT = /^\s*([+-]?)(\d+(?:_\d+)*)\s*$/;

function pythonInt(raw: string): number | null {
  const m = PY_INT.exec(raw);
  if (m === null) return null;
  const n = Number((m[2] ?? '').replaceAll('_', ''));
  return m[1] === '-' ? -n : n;
}

/** datatypes.integer */
export const integer: ValueParser<number> = (raw) => {
  const n = pythonInt(raw);
  return n === null ? fail('expected an integer') : ok(n);
};

export const nonNegativeInteger: ValueParser<number> = (raw) => {
  const n = pythonInt(raw);
  if (n === null) return fail('expected an integer');
  return n < 0 ? fail('expected an integer >= 0') : ok(n);
};

const TRUTHY = ['yes', 'true', 'on', '1'];
const FALSY = ['no', 'false', 'off', '0'];

/** datatypes.boolean: yes/true/on/1 and no/false/off/0, any case. */
export const bool: ValueParser<boolean> = (raw) => {
  const s = raw.toLowerCase();
  if (TRUTHY.includes(s)) return ok(true);
  if (FALSY.includes(s)) return ok(false);
  return fail('expected true or false (or yes/no, on/off, 1/0)');
};

const BYTE_SUFFIXES: Record<string, number> = { kb: 1024, mb: 1024 * 1024, gb: 1024 * 1024 * 1024 };

/** datatypes.byte_size: a number of bytes, optionally with a KB, MB or GB suffix (any case). */
export const byteSize: ValueParser<number> = (raw) => {
  const v = raw.toLowerCase();
  const multiplier = BYTE_SUFFIXES[v.slice(-2)];
  const n = pythonInt(multiplier === undefined ? v : v.slice(0, -2));
  if (n === null) return fail('expected a byte size such as 1024, 500KB, 50MB or 1GB');
  return ok(n * (multiplier ?? 1));
};

/** datatypes.octal_type: Python int(x, 8), so 022, 22 and 0o22 are all 18. */
export const octal: ValueParser<number> = (raw) => {
  const m = /^\s*([+-]?)(?:0o)?([0-7]+(?:_[0-7]+)*)\s*$/i.exec(raw);
  if (m === null) return fail('expected an octal number such as 022');
  const n = parseInt((m[2] ?? '').replaceAll('_', ''), 8);
  return ok(m[1] === '-' ? -n : n);
};

/** Linux signal numbers by name (without SIG), as Python's signal module has them on Linux. */
export const SIGNAL_NUMBERS: Readonly<Record<string, number>> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, IOT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10,
  SEGV: 11, USR2: 12, PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CLD: 17, CONT: 18,
  STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22, URG: 23, XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27,
  WINCH: 28, IO: 29, POLL: 29, PWR: 30, SYS: 31, RTMIN: 34, RTMAX: 64,
};

const SIGNAL_ALIASES: Readonly<Record<string, string>> = { IOT: 'ABRT', CLD: 'CHLD', POLL: 'IO' };

/** Linux's real-time signals as glibc numbers them: SIGRTMIN is 34 (32 and 33 are its own). */
const RT_MIN = 34;
const RT_MAX = 64;

/**
 * The canonical name for a signal number (15 -> "TERM"), or undefined if Linux has none. The
 * real-time signals between RTMIN and RTMAX are named as kill -l names them: RTMIN+1 .. RTMIN+15,
 * RTMAX-14 .. RTMAX-1 (supd's extension: supervisord accepts only RTMIN and RTMAX).
 */
export function signalNameOf(num: number): SignalName | undefined {
  const named = Object.entries(SIGNAL_NUMBERS).find(([name, n]) => n === num && SIGNAL_ALIASES[name] === undefined)?.[0];
  if (named !== undefined || !Number.isInteger(num) || num <= RT_MIN || num >= RT_MAX) return named;
  return num - RT_MIN <= (RT_MAX - RT_MIN) / 2 ? `RTMIN+${num - RT_MIN}` : `RTMAX-${RT_MAX - num}`;
}

/** The number of a signal named without SIG, canonical or not ("TERM", "RTMIN+2", "RTMAX-3"). */
export function signalNumberOf(name: SignalName): number | undefined {
  const known = SIGNAL_NUMBERS[name];
  if (known !== undefined) return known;
  const rt = /^RT(MIN\+|MAX-)(\d{1,2})$/.exec(name);
  if (rt === null) return undefined;
  const num = rt[1] === 'MIN+' ? RT_MIN + Number(rt[2]) : RT_MAX - Number(rt[2]);
  return num >= RT_MIN && num <= RT_MAX ? num : undefined;
}

/**
 * datatypes.signal_number: TERM, SIGTERM, term or a number. Returned as the canonical upper-case
 * name without SIG ("TERM"), aliases mapped (IOT -> ABRT, CLD -> CHLD, POLL -> IO).
 */
export const signalName: ValueParser<SignalName> = (raw) => {
  const n = pythonInt(raw);
  if (n !== null) {
    const name = signalNameOf(n);
    return name === undefined ? fail(`${n} is not a signal number on Linux`) : ok(name);
  }
  let name = raw.trim().toUpperCase();
  if (name.startsWith('SIG')) name = name.slice(3);
  const num = signalNumberOf(name);
  if (num === undefined) {
    return fail('unknown signal; expected a name such as TERM, HUP, INT, QUIT, KILL, USR1, USR2 or a number');
  }
  return ok(SIGNAL_ALIASES[name] ?? signalNameOf(num) ?? name);
};

/** supd's forward_signals: signal names separated by whitespace and/or commas ("USR1 WINCH"). */
export const signalList: ValueParser<readonly SignalName[]> = (raw) => {
  const names: SignalName[] = [];
  for (const word of raw.split(/[\s,]+/).filter((w) => w !== '')) {
    const parsed = signalName(word);
    if (!parsed.ok) return fail(`'${word}': ${parsed.reason}`);
    if (!names.includes(parsed.value)) names.push(parsed.value);
  }
  return ok(names);
};

/** datatypes.list_of_exitcodes: comma-separated integers 0..255; empty is an empty list. */
export const exitcodes: ValueParser<readonly number[]> = (raw) => {
  if (raw === '') return ok([]);
  const codes: number[] = [];
  for (const part of raw.split(',')) {
    const n = pythonInt(part);
    if (n === null || n < 0 || n > 255) return fail('expected a comma-separated list of exit codes (0-255)');
    codes.push(n);
  }
  return ok(codes);
};

/** datatypes.auto_restart */
export const autorestart: ValueParser<Autorestart> = (raw) => {
  const s = raw.toLowerCase();
  if (TRUTHY.includes(s)) return ok('true');
  if (FALSY.includes(s)) return ok('false');
  if (s === 'unexpected') return ok('unexpected');
  return fail('expected true, false or unexpected');
};

/** datatypes.list_of_strings: comma-separated, each item stripped; empty is an empty list. */
export const listOfStrings: ValueParser<readonly string[]> = (raw) =>
  ok(raw === '' ? [] : raw.split(',').map((s) => s.trim()));

// Python shlex.shlex(s) in its default non-POSIX mode, with supervisord's extra wordchars.
const SHLEX_WORDCHARS = new Set('abcdfeghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_/.+-():');
const SHLEX_WHITESPACE = new Set(' \t\r\n');
const SHLEX_QUOTES = new Set('\'"');

/**
 * The token stream of Python's non-POSIX shlex.shlex over `s` (commenters '#'): words, quoted
 * strings with their quotes kept, and any other character as a token of its own.
 */
function nonPosixShlexTokens(s: string): { ok: true; tokens: string[] } | { ok: false; reason: string } {
  const tokens: string[] = [];
  let i = 0;
  let pushback: string | null = null;
  const skipComment = (): void => {
    while (i < s.length && s[i] !== '\n') i++;
    if (i < s.length) i++; // readline() consumes the newline too
  };
  for (;;) {
    if (pushback !== null) {
      tokens.push(pushback);
      pushback = null;
      continue;
    }
    let state: string = ' ';
    let token = '';
    let done = false;
    while (!done) {
      const c = i < s.length ? (s[i++] as string) : '';
      if (state === ' ') {
        if (c === '') return { ok: true, tokens };
        if (SHLEX_WHITESPACE.has(c)) continue;
        if (c === '#') skipComment();
        else if (SHLEX_WORDCHARS.has(c)) {
          token = c;
          state = 'a';
        } else if (SHLEX_QUOTES.has(c)) {
          token = c;
          state = c;
        } else {
          token = c;
          done = true;
        }
      } else if (SHLEX_QUOTES.has(state)) {
        if (c === '') return { ok: false, reason: 'No closing quotation' };
        token += c;
        if (c === state) done = true;
      } else {
        // word state
        if (c === '') done = true;
        else if (SHLEX_WHITESPACE.has(c)) done = true;
        else if (c === '#') skipComment();
        else if (SHLEX_WORDCHARS.has(c) || SHLEX_QUOTES.has(c)) token += c;
        else {
          pushback = c;
          done = true;
        }
      }
    }
    // A word ended by the end of input is still a token; the next read then meets the end.
    tokens.push(token);
  }
}

/**
 * datatypes.dict_of_key_value_pairs: `A=1,B="x,y"` -> {A: '1', B: 'x,y'}. Same tokenizer, so the
 * same things fail as in supervisord (an unquoted value with '@', '$', ',', spaces...: quote it).
 */
export const keyValuePairs: ValueParser<Readonly<Record<string, string>>> = (raw) => {
  const lexed = nonPosixShlexTokens(raw);
  if (!lexed.ok) return fail(`${lexed.reason}; expected KEY=value pairs separated by commas`);
  const tokens = lexed.tokens;
  const pairs: Record<string, string> = {};
  for (let i = 0; i < tokens.length; i += 4) {
    const [k, eq, v] = [tokens[i], tokens[i + 1], tokens[i + 2]];
    if (k === undefined || eq !== '=' || v === undefined) {
      return fail(
        'expected KEY=value pairs separated by commas; quote values containing spaces, commas or other punctuation (KEY="a b")',
      );
    }
    pairs[k] = v.replace(/^['"]+|['"]+$/g, '');
  }
  return ok(pairs);
};

/** A stream log target: null for NONE/OFF, 'AUTO', or a path ('~' expanded by the caller). */
export type LogfileValue = string | null | 'AUTO' | { readonly syslog: true };

/** datatypes.logfile_name: none/off and auto in any case; the deprecated `syslog` is reported to the caller. */
export const logfile: ValueParser<LogfileValue> = (raw) => {
  const s = raw.toLowerCase();
  if (s === 'none' || s === 'off') return ok(null);
  if (s === 'auto') return ok('AUTO');
  if (s === 'syslog') return ok({ syslog: true });
  return ok(raw);
};

/** supervisord's loglevel names (loggers.LevelsByDescription), any case. */
export const LOG_LEVELS = ['critical', 'error', 'warn', 'info', 'debug', 'trace', 'blather'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const loglevel: ValueParser<LogLevel> = (raw) => {
  const s = raw.toLowerCase();
  const level = LOG_LEVELS.find((l) => l === s);
  return level === undefined ? fail(`expected one of ${LOG_LEVELS.join(', ')}`) : ok(level);
};

/** supd extension [supervisord] logformat: how supd's own lines look on stdout. */
export const logFormat: ValueParser<'text' | 'json'> = (raw) => {
  const value = raw.trim().toLowerCase();
  return value === 'text' || value === 'json' ? ok(value) : fail('expected text or json');
};

/** datatypes.inet_address: `host:port`, `:port`, `*:port` or `port`; '' means every interface. */
export const inetAddress: ValueParser<{ readonly host: string; readonly port: number }> = (raw) => {
  let host = '';
  let portText = raw;
  const colon = raw.lastIndexOf(':');
  if (colon !== -1) {
    host = raw.slice(0, colon).toLowerCase();
    portText = raw.slice(colon + 1);
  }
  const port = pythonInt(portText);
  if (port === null || port < 1 || port > 65535) return fail('expected a port (1-65535) or host:port');
  return ok({ host: host === '*' ? '' : host, port });
};

/**
 * datatypes.process_or_group_name: stripped, and without ' ', ':' or '/' (they break the event
 * listener protocol and the web UI's URLs).
 */
export function checkName(name: string): ParseResult<string> {
  const s = name.trim();
  if (s === '') return fail('a name cannot be empty');
  for (const c of [' ', ':', '/']) {
    if (s.includes(c)) return fail(`invalid name '${s}': it contains '${c}'`);
  }
  return ok(s);
}

/** supd's container_logs_format: how a program's lines are copied to supd's stdout. */
export const containerLogFormat: ValueParser<'plain' | 'prefixed' | 'json'> = (raw) => {
  const value = raw.trim().toLowerCase();
  return value === 'plain' || value === 'prefixed' || value === 'json'
    ? ok(value)
    : fail('expected plain, prefixed or json');
};

/** A per-program override: absent means "as [supervisord] says". */
export function inheriting<T>(parse: ValueParser<T>): ValueParser<T | null> {
  return (raw) => parse(raw);
}

/**
 * Reads supervisord's INI dialect (Python configparser as supervisord 4.2.5's UnhosedConfigParser
 * sets it up: RawConfigParser, inline_comment_prefixes=(';', '#'), strict=False) into sections of
 * values that remember file, line and section. Text in, no I/O, no expansion, no typing.
 */
import { ConfigError } from './config-error.js';
import type { Origin } from './types.js';

/** One key's value as written (continuation lines joined with "\n"), with where it was written. */
export interface RawValue {
  readonly value: string;
  readonly origin: Origin;
}

export interface IniSection {
  /** Section name exactly as in the header (case-sensitive, as configparser keeps it). */
  readonly name: string;
  /** Where the section was first opened. */
  readonly origin: Origin;
  /** Lower-cased key -> value; a later occurrence (same file or a later one) wins. */
  readonly values: Map<string, RawValue>;
}

/** The merged result of reading one or more files, as one configparser instance holds it. */
export interface IniDocument {
  /** In order of first appearance, duplicates merged (configparser strict=False). */
  readonly sections: Map<string, IniSection>;
  /** configparser's [DEFAULT] section: fallback values for every section. */
  readonly defaults: Map<string, RawValue>;
}

export interface ReadResult {
  readonly errors: ConfigError[];
  /** Each section whose header appears in this file, where it first appears there (in order). */
  readonly sectionsInFile: Origin[];
}

const COMMENT_PREFIXES = ['#', ';'] as const;
const INLINE_COMMENT_PREFIXES = [';', '#'] as const;
// configparser's SECTCRE and OPTCRE, unchanged ("very permissive!").
const SECTION_HEADER = /^\[(.+)\]/;
const OPTION_LINE = /^(.*?)\s*(=|:)\s*(.*)$/;
const DEFAULT_SECTION = 'DEFAULT';

export function createIniDocument(): IniDocument {
  return { sections: new Map(), defaults: new Map() };
}

/**
 * Where the comment on this line starts, or null. A port of configparser._read's loop: an inline
 * prefix counts only at column 0 or after whitespace, so `sh -c "cd /app;exec x"` keeps its `;`.
 * Like Python, each round advances every prefix by one occurrence and stops at the first round in
 * which any occurrence qualifies.
 */
function commentStart(line: string): number | null {
  let start = Number.MAX_SAFE_INTEGER;
  let pending = new Map<string, number>(INLINE_COMMENT_PREFIXES.map((p) => [p, -1]));
  while (start === Number.MAX_SAFE_INTEGER && pending.size > 0) {
    const next = new Map<string, number>();
    for (const [prefix, from] of pending) {
      const index = line.indexOf(prefix, from + 1);
      if (index === -1) continue;
      next.set(prefix, index);
      if (index === 0 || /\s/.test(line[index - 1] ?? '')) start = Math.min(start, index);
    }
    pending = next;
  }
  const stripped = line.trim();
  if (COMMENT_PREFIXES.some((p) => stripped.startsWith(p))) start = 0;
  return start === Number.MAX_SAFE_INTEGER ? null : start;
}

interface Pending {
  readonly lines: string[];
  readonly origin: Origin;
}

/**
 * Reads one file's text into `doc` (merging with what earlier files put there), as
 * RawConfigParser.read does. Bad lines are errors; the rest of the file is still read, except after
 * a key line before any [section], which stops the file as configparser does.
 */
export function readIni(doc: IniDocument, text: string, file: string): ReadResult {
  const errors: ConfigError[] = [];
  const sectionsInFile: Origin[] = [];
  const touched = new Map<Map<string, RawValue>, Map<string, Pending>>();
  let current: { name: string; values: Map<string, RawValue> } | null = null;
  let option: string | null = null;
  let indentLevel = 0;

  const pendingOf = (values: Map<string, RawValue>): Map<string, Pending> => {
    let p = touched.get(values);
    if (p === undefined) touched.set(values, (p = new Map()));
    return p;
  };

  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const lineNo = i + 1;
    const cut = commentStart(line);
    const value = (cut === null ? line : line.slice(0, cut)).trim();
    if (value === '') {
      // empty_lines_in_values=True: a blank line (without a comment) may sit inside a value.
      if (cut === null && current !== null && option !== null) pendingOf(current.values).get(option)?.lines.push('');
      continue;
    }
    const firstNonSpace = line.search(/\S/);
    const indent = firstNonSpace === -1 ? 0 : firstNonSpace;
    if (current !== null && option !== null && indent > indentLevel) {
      // An indented line continues the previous value.
      pendingOf(current.values).get(option)?.lines.push(value);
      continue;
    }
    indentLevel = indent;
    const header = SECTION_HEADER.exec(value);
    if (header !== null) {
      const name = header[1] ?? '';
      option = null;
      if (name === DEFAULT_SECTION) {
        current = { name, values: doc.defaults };
      } else {
        let section = doc.sections.get(name);
        if (section === undefined) {
          section = { name, origin: { file, line: lineNo, section: name }, values: new Map() };
          doc.sections.set(name, section);
        }
        current = { name, values: section.values };
      }
      if (!sectionsInFile.some((o) => o.section === name)) sectionsInFile.push({ file, line: lineNo, section: name });
      continue;
    }
    if (current === null) {
      errors.push(
        new ConfigError({ file, line: lineNo, section: '' }, `'${line.trim()}' comes before any [section] header`),
      );
      break;
    }
    const match = OPTION_LINE.exec(value);
    const key = match?.[1] ?? '';
    if (match === null || key === '') {
      errors.push(
        new ConfigError(
          { file, line: lineNo, section: current.name },
          `cannot parse '${line.trim()}': expected key=value, key: value or [section]`,
        ),
      );
      option = null;
      continue;
    }
    option = key.trimEnd().toLowerCase();
    pendingOf(current.values).set(option, {
      lines: [(match[3] ?? '').trim()],
      origin: { file, line: lineNo, section: current.name },
    });
  }

  // configparser joins a value's lines with "\n" and strips trailing whitespace (blank lines).
  for (const [values, pending] of touched) {
    for (const [key, p] of pending) values.set(key, { value: p.lines.join('\n').trimEnd(), origin: p.origin });
  }
  return { errors, sectionsInFile };
}

/** Reads one text into a fresh document. */
export function parseIni(text: string, file: string): { document: IniDocument; errors: ConfigError[] } {
  const document = createIniDocument();
  const { errors } = readIni(document, text, file);
  return { document, errors };
}

/** A key's value in a section, falling back to [DEFAULT] as configparser's get() does. */
export function lookup(doc: IniDocument, section: IniSection, key: string): RawValue | undefined {
  return section.values.get(key) ?? doc.defaults.get(key);
}

import { describe, expect, it } from 'vitest';
import { parseIni } from '../../../src/config/dialect.js';

function values(text: string, section = 'program:x'): Record<string, string> {
  const { document, errors } = parseIni(text, '/c.conf');
  expect(errors.map((e) => e.message)).toEqual([]);
  return Object.fromEntries([...(document.sections.get(section)?.values ?? [])].map(([k, v]) => [k, v.value]));
}

describe('comments', () => {
  it('keeps a ; or # that does not follow whitespace, so shell commands survive', () => {
    expect(values('[program:x]\ncommand=sh -c "cd /app;exec x"\nb=a#b\n')).toEqual({
      command: 'sh -c "cd /app;exec x"',
      b: 'a#b',
    });
  });

  it('drops an inline comment that follows whitespace, a tab included', () => {
    expect(values('[program:x]\ncommand=nginx ; the web server\nuser=root\t; tab\nc=1 # hash\n')).toEqual({
      command: 'nginx',
      user: 'root',
      c: '1',
    });
  });

  it('ignores full-line comments starting with ; or #, indented or not', () => {
    expect(values('; top\n[program:x]\n# hash\na=1\n   ; indented comment\nb=2\n')).toEqual({ a: '1', b: '2' });
  });

  it('keeps "a;b" and cuts at " #" on the same line, as configparser does', () => {
    expect(values('[program:x]\ny=a;b #c\n')).toEqual({ y: 'a;b' });
  });
});

describe('keys and values', () => {
  it('accepts key=value and key: value, trimming spaces around the delimiter', () => {
    expect(values('[program:x]\na = 1\nb: 2\nc:3\nd =\n')).toEqual({ a: '1', b: '2', c: '3', d: '' });
  });

  it('splits at the first = or :, so a value may contain either', () => {
    expect(values('[program:x]\nserverurl=unix:///tmp/s.sock\nx: a=b\n')).toEqual({ serverurl: 'unix:///tmp/s.sock', x: 'a=b' });
  });

  it('lower-cases keys but keeps section names as written', () => {
    const { document } = parseIni('[Program:X]\nCommand=run\n', '/c.conf');
    expect([...document.sections.keys()]).toEqual(['Program:X']);
    expect(document.sections.get('Program:X')?.values.get('command')?.value).toBe('run');
  });

  it('remembers file, line and section of every value', () => {
    const { document } = parseIni('[supervisord]\n\n[program:x]\n\ncommand=run\n', '/c.conf');
    expect(document.sections.get('program:x')?.values.get('command')?.origin).toEqual({
      file: '/c.conf',
      line: 5,
      section: 'program:x',
    });
  });
});

describe('continuation lines', () => {
  it('joins indented lines to the previous value with a newline', () => {
    expect(values('[program:x]\ncommand=run\n  --flag\n\t--other\nnext=1\n')).toEqual({
      command: 'run\n--flag\n--other',
      next: '1',
    });
  });

  it('keeps a multi-line environment= with its blank lines, and drops trailing blank lines', () => {
    expect(values('[program:x]\nenvironment=A=1,\n  B="x,y",\n\n  C=3\n\n\nother=2\n')).toEqual({
      environment: 'A=1,\nB="x,y",\n\nC=3',
      other: '2',
    });
  });

  it('treats an indented line after a section header as a key, not a continuation', () => {
    expect(values('[program:x]\n  command=run\n')).toEqual({ command: 'run' });
  });
});

describe('sections', () => {
  it('merges a repeated section, later keys winning', () => {
    expect(values('[program:x]\ncommand=first\na=1\n[other]\n[program:x]\ncommand=second\n')).toEqual({
      command: 'second',
      a: '1',
    });
  });

  it('reports a line that is neither a header nor key=value, with its file and line', () => {
    const { errors } = parseIni('[program:x]\ncommand=run\nnot a key\n', '/c.conf');
    expect(errors.map((e) => e.message)).toEqual([
      "/c.conf:3: [program:x] cannot parse 'not a key': expected key=value, key: value or [section]",
    ]);
  });

  it('reports a key before any section header', () => {
    const { errors } = parseIni('command=run\n[program:x]\n', '/c.conf');
    expect(errors.map((e) => e.message)).toEqual(["/c.conf:1: 'command=run' comes before any [section] header"]);
  });

  it('uses [DEFAULT] values as fallbacks, as configparser does', () => {
    const { document } = parseIni('[DEFAULT]\nautostart=false\n[program:x]\ncommand=run\n', '/c.conf');
    expect(document.defaults.get('autostart')?.value).toBe('false');
    expect([...document.sections.keys()]).not.toContain('DEFAULT');
  });
});

import { describe, expect, it } from 'vitest';
import { LineAssembler, type LineSink } from '../../../src/logs/line-assembler.js';
import type { ContainerLogFormat } from '../../../src/logs/log-settings.js';

interface Batch {
  readonly text: string;
  readonly lines: number;
  readonly program: string;
}

function assembler(format: ContainerLogFormat, lineMaxBytes = 1024, program = 'web') {
  const batches: Batch[] = [];
  const sink: LineSink = { writeLines: (data, lines, p) => batches.push({ text: data.toString(), lines, program: p }) };
  const lines = new LineAssembler({ program, stream: 'stdout', format, lineMaxBytes, sink, now: () => new Date(0) });
  const feed = (...chunks: string[]): void => chunks.forEach((c) => lines.feed(Buffer.from(c)));
  return { lines, batches, feed, text: () => batches.map((b) => b.text).join('') };
}

describe('assembling whole lines', () => {
  it('holds a partial line until its newline arrives, then writes it whole', () => {
    const { feed, batches } = assembler('plain');
    feed('one\ntw', 'o\nthr');
    expect(batches).toEqual([
      { text: 'one\n', lines: 1, program: 'web' },
      { text: 'two\n', lines: 1, program: 'web' },
    ]);
  });

  it('holds a line spread over many reads and writes it in one piece', () => {
    const { feed, batches } = assembler('prefixed');
    feed('a', 'b', 'c', 'd\n');
    expect(batches).toEqual([{ text: 'web | abcd\n', lines: 1, program: 'web' }]);
  });

  it('writes the held partial line when flushed at end of stream', () => {
    const { lines, feed, text } = assembler('prefixed');
    feed('no newline');
    expect(text()).toBe('');
    lines.flushPartial();
    expect(text()).toBe('web | no newline\n');
    expect(lines.hasPartial).toBe(false);
  });

  it('prefixes every line with the process name', () => {
    const { feed, text } = assembler('prefixed', 1024, 'worker_01');
    feed('a\nb\n\nc\n');
    expect(text()).toBe('worker_01 | a\nworker_01 | b\nworker_01 | \nworker_01 | c\n');
  });

  it('passes plain lines from one read through as one slice of it', () => {
    const batches: Buffer[] = [];
    const lines = new LineAssembler({ program: 'web', stream: 'stdout', format: 'plain', lineMaxBytes: 100, sink: { writeLines: (d) => batches.push(d) } });
    const chunk = Buffer.from('a\nbb\nccc');
    lines.feed(chunk);
    expect(batches[0]!.buffer).toBe(chunk.buffer);
    expect(batches[0]!.toString()).toBe('a\nbb\n');
  });

  it('cuts a line without a newline at lineMaxBytes', () => {
    const { feed, text, lines } = assembler('prefixed', 4);
    feed('abcdefghij');
    expect(text()).toBe('web | abcd\nweb | efgh\n');
    feed('\n');
    expect(text()).toBe('web | abcd\nweb | efgh\nweb | ij\n');
    expect(lines.hasPartial).toBe(false);
  });

  it('cuts a long complete line into pieces of lineMaxBytes', () => {
    const { feed, text } = assembler('plain', 3);
    feed('abcdefg\nxy\n');
    expect(text()).toBe('abc\ndef\ng\nxy\n');
  });

  it('keeps order when a read ends in a partial line longer than lineMaxBytes', () => {
    const { feed, text } = assembler('prefixed', 4);
    feed('a\nb\nabcdefghij');
    expect(text()).toBe('web | a\nweb | b\nweb | abcd\nweb | efgh\n');
  });

  it('keeps order when a completed partial line and short lines arrive in one read', () => {
    const { feed, text } = assembler('plain', 100);
    feed('par', 'tial\nx\ny\n');
    expect(text()).toBe('partial\nx\ny\n');
  });

  it('never cuts inside a UTF-8 character', () => {
    const { feed, text } = assembler('plain', 4);
    feed('abc\u00e9\u00e9\n'); // é is 2 bytes: "abc" + é would be 5
    expect(text()).toBe('abc\n\u00e9\u00e9\n');
  });

  it('writes JSON lines a log collector can parse, marking cut pieces as partial', () => {
    const { feed, text } = assembler('json', 5);
    feed('hello "world"\r\nok\n');
    const records = text().trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(records).toEqual([
      { time: '1970-01-01T00:00:00.000Z', program: 'web', stream: 'stdout', line: 'hello', partial: true },
      { time: '1970-01-01T00:00:00.000Z', program: 'web', stream: 'stdout', line: ' "wor', partial: true },
      { time: '1970-01-01T00:00:00.000Z', program: 'web', stream: 'stdout', line: 'ld"' },
      { time: '1970-01-01T00:00:00.000Z', program: 'web', stream: 'stdout', line: 'ok' },
    ]);
  });

  it('drops only the CR of a CRLF line ending in JSON', () => {
    const { feed, text } = assembler('json');
    feed('dos line\r\n');
    expect(JSON.parse(text())).toMatchObject({ line: 'dos line' });
  });
});

describe('borrowed chunks (a read buffer the caller reuses)', () => {
  it.each<ContainerLogFormat>(['plain', 'prefixed', 'json'])(
    'keeps neither output nor a held partial line pointing into the caller buffer (%s)',
    (format) => {
      const batches: Buffer[] = [];
      const sink: LineSink = { writeLines: (data) => batches.push(data) };
      const lines = new LineAssembler({ program: 'web', stream: 'stdout', format, lineMaxBytes: 1024, sink, now: () => new Date(0) });
      const reused = Buffer.alloc(12);
      const feedBorrowed = (text: string): void => {
        reused.write(text);
        lines.feed(reused.subarray(0, text.length), true);
        reused.fill('#');
      };
      feedBorrowed('one\ntwo\nthr');
      feedBorrowed('ee\n');
      const text = Buffer.concat(batches).toString();
      expect(text).not.toContain('#');
      const expected = { plain: 'one\ntwo\nthree\n', prefixed: 'web | one\nweb | two\nweb | three\n' }[format as 'plain' | 'prefixed'];
      if (expected !== undefined) expect(text).toBe(expected);
      else expect(text.split('\n').filter(Boolean).map((l) => JSON.parse(l).line)).toEqual(['one', 'two', 'three']);
    },
  );
});

describe('prefixing many lines of one read', () => {
  it('moves every line of a run into place after lines completed from an earlier read', () => {
    const { feed, text } = assembler('prefixed');
    const run = Array.from({ length: 500 }, (_, i) => `line ${i} ${'y'.repeat(i % 37)}\n`).join('');
    feed('held ', `partial\n${run}tail`);
    expect(text()).toBe(`web | held partial\n${run.replace(/^/gm, 'web | ').replace(/web \| $/, '')}`);
  });
});

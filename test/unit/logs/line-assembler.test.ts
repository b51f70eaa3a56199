import { describe, expect, it } from 'vitest';
import { LineAssembler, type LineSink } from '../../../src/logs/line-assembler.js';
import { createLineKernel, INPUT_BYTES, KERNEL_MAX_LINE_BYTES, type LineKernel, OUTPUT_BYTES } from '../../../src/logs/line-kernel.js';
import type { ContainerLogFormat } from '../../../src/logs/log-settings.js';

// Every test runs twice: with the WebAssembly kernel rendering ordinary lines, and as on a Node
// without WebAssembly SIMD, where every line is rendered in JS. Both must give the same output.
const KERNELS: [string, LineKernel][] = [
  ['WebAssembly kernel', createLineKernel()],
  ['JS only', createLineKernel({ withWasm: false })],
];

describe.each(KERNELS)('%s', (_name, kernel) => {
  interface Batch {
    readonly text: string;
    readonly lines: number;
    readonly program: string;
  }

  function assembler(format: ContainerLogFormat, lineMaxBytes = 1024, program = 'web') {
    const batches: Batch[] = [];
    const sink: LineSink = { writeLines: (data, lines, p) => batches.push({ text: data.toString(), lines, program: p }) };
    const lines = new LineAssembler({ kernel, program, stream: 'stdout', format, lineMaxBytes, sink, now: () => new Date(0) });
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
      expect({ text: text(), hasPartial: lines.hasPartial }).toEqual({ text: 'web | no newline\n', hasPartial: false });
    });

    it('prefixes every line with the process name', () => {
      const { feed, text } = assembler('prefixed', 1024, 'worker_01');
      feed('a\nb\n\nc\n');
      expect(text()).toBe('worker_01 | a\nworker_01 | b\nworker_01 | \nworker_01 | c\n');
    });

    it('passes plain lines from one read through as one slice of it', () => {
      const batches: Buffer[] = [];
      const lines = new LineAssembler({ kernel, program: 'web', stream: 'stdout', format: 'plain', lineMaxBytes: 100, sink: { writeLines: (d) => batches.push(d) } });
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
      expect({ text: text(), hasPartial: lines.hasPartial }).toEqual({ text: 'web | abcd\nweb | efgh\nweb | ij\n', hasPartial: false });
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
      'keeps no held partial line pointing into the caller buffer (%s)',
      (format) => {
        const batches: Buffer[] = [];
        // A batch is lent for the call only (the sink writes it or copies it), as StdSink does.
        const sink: LineSink = { writeLines: (data) => batches.push(Buffer.from(data)) };
        const lines = new LineAssembler({ kernel, program: 'web', stream: 'stdout', format, lineMaxBytes: 1024, sink, now: () => new Date(0) });
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

  describe('lines split at arbitrary points', () => {
    const formats: ContainerLogFormat[] = ['plain', 'prefixed', 'json'];
    // Short, empty, cut (lineMaxBytes 16), CRLF, quoted, multi-byte, invalid UTF-8 and control-byte lines.
    const input = Buffer.concat([
      Buffer.from('short\n\nexactly sixteen!\nseventeen bytes!!\n'),
      Buffer.from(`${'long '.repeat(9)}line\r\nsay "hi"\\ \t tab\n`),
      Buffer.from('\u00e9t\u00e9 \u{1f600} caf\u00e9\n'),
      Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x0a, 0x7f, 0x0a]),
      Buffer.concat([Buffer.alloc(40, 1), Buffer.from('\n')]), // each byte escapes to six: \u0001
      Buffer.from('no newline at the end'),
    ]);

    function render(format: ContainerLogFormat, chunks: Buffer[], isBorrowed: boolean): Buffer {
      const out: Buffer[] = [];
      const lines = new LineAssembler({
        kernel,
        program: 'web',
        stream: 'stdout',
        format,
        lineMaxBytes: 16,
        sink: { writeLines: (data) => out.push(Buffer.from(data)) },
        now: () => new Date(0),
      });
      const reused = Buffer.alloc(input.length);
      for (const chunk of chunks) {
        if (!isBorrowed) {
          lines.feed(Buffer.from(chunk));
          continue;
        }
        chunk.copy(reused);
        lines.feed(reused.subarray(0, chunk.length), true);
        reused.fill(0x23); // '#': anything kept by reference shows up
      }
      lines.flushPartial();
      return Buffer.concat(out);
    }

    /** Every way of cutting input into 1, 2 or 3 reads, plus one read per byte. */
    function splits(): Buffer[][] {
      const all: Buffer[][] = [[input], [...input].map((b) => Buffer.from([b]))];
      for (let i = 1; i < input.length; i++) {
        all.push([input.subarray(0, i), input.subarray(i)]);
        for (let j = i + 1; j < input.length; j += 7) all.push([input.subarray(0, i), input.subarray(i, j), input.subarray(j)]);
      }
      return all;
    }

    it.each(formats)('gives the same output however the reads are cut, owned or borrowed (%s)', (format) => {
      const whole = render(format, [input], false);
      const differing = splits().filter((chunks) => !render(format, chunks, false).equals(whole) || !render(format, chunks, true).equals(whole));
      expect(differing.map((chunks) => chunks.map((c) => c.length))).toEqual([]);
    });

    it('writes JSON exactly as JSON.stringify would, line by line', () => {
      const output = render('json', [input], false);
      const text = output.toString();
      const expected = input
        .toString()
        .split('\n')
        .flatMap((line, i, all) => (i === all.length - 1 && line === '' ? [] : [line]))
        .map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
      const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as { line: string; partial?: true });
      // Cut pieces rejoin into the line they came from (cuts fall between UTF-8 characters).
      const rejoined: string[] = [];
      let carry = '';
      for (const record of lines) {
        if (record.partial) carry += record.line;
        else {
          rejoined.push(carry + record.line);
          carry = '';
        }
      }
      expect(rejoined).toEqual(expected);
      // Byte for byte, so invalid UTF-8 copied through (not turned into U+FFFD) would show.
      const expectedBytes = lines.map((record) => {
        const fields = { time: '1970-01-01T00:00:00.000Z', program: 'web', stream: 'stdout', line: record.line, ...(record.partial ? { partial: true } : {}) };
        return `${JSON.stringify(fields)}\n`;
      });
      expect(output.toString('latin1')).toBe(Buffer.from(expectedBytes.join('')).toString('latin1'));
    });
  });

  describe('reads larger than the line kernel areas', () => {
    const collect = (format: ContainerLogFormat, lineMaxBytes: number, program = 'web') => {
      const batches: Buffer[] = [];
      const lines = new LineAssembler({ kernel, program, stream: 'stdout', format, lineMaxBytes, sink: { writeLines: (d) => batches.push(Buffer.from(d)) }, now: () => new Date(0) });
      return { lines, batches, text: () => Buffer.concat(batches).toString() };
    };
    const numbered = (count: number, width: number): string =>
      Array.from({ length: count }, (_, i) => `${String(i).padStart(width, '0')}\n`).join('');

    it('renders a read whose prefixed lines outgrow the output area, in several whole-line batches', () => {
      const { lines, batches, text } = collect('prefixed', 1024, 'p'.repeat(40));
      const input = numbered(Math.ceil((OUTPUT_BYTES * 1.5) / 47), 6); // 7-byte lines behind a 43-byte prefix
      lines.feed(Buffer.from(input));
      expect(text()).toBe(input.replace(/^(?=.)/gm, `${'p'.repeat(40)} | `));
      expect(batches.length).toBeGreaterThan(1);
      expect(batches.map((b) => b.at(-1))).toEqual(batches.map(() => 10)); // every batch ends with a newline
    });

    it('renders a read larger than the input area, not copied into it whole', () => {
      const { lines, text } = collect('prefixed', 1024);
      const input = numbered(Math.ceil((INPUT_BYTES * 2.5) / 100), 99);
      lines.feed(Buffer.from(input));
      expect(text()).toBe(input.replace(/^(?=.)/gm, 'web | '));
    });

    it('keeps a line longer than the kernel takes, when lineMaxBytes allows it', () => {
      const { lines, text } = collect('prefixed', 4 * KERNEL_MAX_LINE_BYTES);
      const long = 'L'.repeat(2 * KERNEL_MAX_LINE_BYTES);
      lines.feed(Buffer.from(`a\n${long}\nb\n`));
      expect(text()).toBe(`web | a\nweb | ${long}\nweb | b\n`);
    });

    it('renders a read that lies in the kernel input area (as pipe-reader.ts delivers it) in place', () => {
      const { lines, text } = collect('json', 1024);
      const input = 'one\ntwo "quoted"\nthree\nfour';
      kernel.input.write(input);
      lines.feed(kernel.input.subarray(0, input.length), true);
      kernel.input.fill(0x23, 0, input.length);
      lines.feed(Buffer.from('\n'));
      expect(text().trimEnd().split('\n').map((l) => JSON.parse(l).line)).toEqual(['one', 'two "quoted"', 'three', 'four']);
    });

    it('renders correctly when a sink feeds another assembler from inside writeLines', () => {
      const inner = collect('prefixed', 1024, 'inner');
      const outer: string[] = [];
      const lines = new LineAssembler({
        kernel,
        program: 'outer',
        stream: 'stdout',
        format: 'prefixed',
        lineMaxBytes: 1024,
        sink: {
          writeLines: (data) => {
            inner.lines.feed(Buffer.from('x\ny\n'));
            outer.push(data.toString());
          },
        },
      });
      lines.feed(Buffer.from('a\nb\n'));
      expect(outer.join('')).toBe('outer | a\nouter | b\n');
      expect(inner.text()).toBe('inner | x\ninner | y\n');
    });
  });

  describe('many programs on one sink', () => {
    it('never glues half a line of one program to a line of another, whatever the read sizes', () => {
      let written = '';
      const sink: LineSink = { writeLines: (data) => (written += data.toString()) };
      const programs = ['web', 'worker_01', 'db'].map((program) => ({
        program,
        lines: new LineAssembler({ kernel, program, stream: 'stdout', format: 'prefixed', lineMaxBytes: 1024, sink }),
        text: Buffer.from(Array.from({ length: 300 }, (_, i) => `${program}-${i} ${'z'.repeat((i * 7) % 50)}\n`).join('')),
        at: 0,
      }));
      // Reads of pseudo-random sizes, taken in turn from each program, as a busy event loop delivers them.
      let seed = 7; // xorshift32
      const nextSize = (): number => {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        return ((seed >>> 0) % 97) + 1;
      };
      while (programs.some((p) => p.at < p.text.length)) {
        for (const p of programs) {
          if (p.at >= p.text.length) continue;
          const size = nextSize();
          p.lines.feed(Buffer.from(p.text.subarray(p.at, p.at + size)));
          p.at += size;
        }
      }
      const lines = written.split('\n');
      expect(lines.pop()).toBe('');
      for (const { program } of programs) {
        const own = lines.filter((l) => l.startsWith(`${program} | `)).map((l) => l.slice(program.length + 3));
        expect(own).toEqual(Array.from({ length: 300 }, (_, i) => `${program}-${i} ${'z'.repeat((i * 7) % 50)}`));
      }
      expect(lines).toHaveLength(900);
    });
  });
});

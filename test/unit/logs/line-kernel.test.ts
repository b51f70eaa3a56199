import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LINE_KERNEL_WASM } from '../../../src/logs/line-kernel-wasm.js';
import { createLineKernel, KERNEL_LINE_ROOM_BYTES, OUTPUT_BYTES } from '../../../src/logs/line-kernel.js';

/** What renderLines must do, written the plain way: line by line with indexOf. */
function reference(input: Buffer, start: number, end: number, outAt: number, prefix: Buffer, suffix: Buffer, max: number, asciiOnly: boolean) {
  const pieces: Buffer[] = [];
  let s = start;
  let at = outAt;
  let lines = 0;
  for (;;) {
    if (at + prefix.length + max + KERNEL_LINE_ROOM_BYTES > OUTPUT_BYTES) break;
    const nl = input.indexOf(10, s);
    if (nl === -1 || nl >= Math.min(end, s + max + 1)) break;
    const line = input.subarray(s, nl);
    if (asciiOnly && line.some((b) => b < 0x20 || b >= 0x80 || b === 0x22 || b === 0x5c)) break;
    pieces.push(prefix, line, suffix);
    at += prefix.length + line.length + suffix.length;
    s = nl + 1;
    lines++;
  }
  return { stop: s, output: Buffer.concat(pieces), lines };
}

/** A deterministic pseudo-random source (xorshift32), so a failure can be replayed. */
function random(seed: number): (n: number) => number {
  let x = seed;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

describe('the line kernel', () => {
  it('is the compiled form of line-kernel.wat (run node scripts/build-line-kernel.mjs after editing it)', async () => {
    // @ts-expect-error: a plain .mjs build script, without type declarations
    const { lineKernelModuleText } = (await import('../../../scripts/build-line-kernel.mjs')) as { lineKernelModuleText: () => Promise<string> };
    const committed = readFileSync(new URL('../../../src/logs/line-kernel-wasm.ts', import.meta.url), 'utf8');
    expect(committed).toBe(await lineKernelModuleText());
    expect(LINE_KERNEL_WASM.length).toBeGreaterThan(0);
  });

  it('runs with WebAssembly SIMD on this Node', () => {
    expect({ node: process.version, canRender: createLineKernel().canRender }).toEqual({ node: process.version, canRender: true });
  });

  it('renders exactly what the line-by-line reference does, at every alignment, prefix and suffix size', () => {
    const kernel = createLineKernel();
    const next = random(42);
    const alphabet = Buffer.from('abcdefgh ,.:-"\\\t\u00e9');
    const failures: string[] = [];
    for (let round = 0; round < 400; round++) {
      // Lines of 0..70 bytes (more than four blocks), some with bytes JSON escapes.
      const parts: Buffer[] = [];
      for (let i = next(30); i >= 0; i--) {
        const line = Buffer.alloc(next(71), 'x');
        for (let j = 0; j < line.length; j++) if (next(8) === 0) line[j] = alphabet[next(alphabet.length)]!;
        parts.push(line, Buffer.from('\n'));
      }
      const lead = next(17);
      const input = Buffer.concat([Buffer.alloc(lead, 'q'), ...parts, Buffer.from('tail without newline')]);
      const prefix = Buffer.alloc([0, 1, 6, 15, 16, 17, 33, 90][next(8)]!, 'p');
      const suffix = [Buffer.from('\n'), Buffer.from('"}\n'), Buffer.from('0123456789abcdef')][next(3)]!;
      const max = [1, 15, 16, 17, 40, 64][next(6)]!;
      const asciiOnly = next(2) === 1;
      const end = Math.max(lead, input.length - next(25));
      const outAt = next(3) === 0 ? OUTPUT_BYTES - prefix.length - max - KERNEL_LINE_ROOM_BYTES - next(200) : next(40);
      const affixes = { round, prefix: prefix.length, suffix: suffix.length };
      expect({ ...affixes, set: kernel.setAffixes(prefix, suffix) }).toEqual({ ...affixes, set: true });
      const stop = kernel.renderLines(input, lead, end, outAt, max, asciiOnly);
      const got = { stop, output: Buffer.from(kernel.output.subarray(outAt, kernel.lastOutEnd)), lines: kernel.lastLineCount };
      const want = reference(input, lead, end, outAt, prefix, suffix, max, asciiOnly);
      if (got.stop !== want.stop || got.lines !== want.lines || !got.output.equals(want.output)) {
        failures.push(`round ${round}: prefix ${prefix.length}, suffix ${suffix.length}, max ${max}, ascii ${asciiOnly}: stop ${got.stop}/${want.stop}, lines ${got.lines}/${want.lines}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('counts the lines the line-by-line reference does, several to a block or one over many', () => {
    const kernel = createLineKernel();
    const next = random(7);
    const failures: string[] = [];
    for (let round = 0; round < 400; round++) {
      const parts: Buffer[] = [];
      for (let i = next(40); i >= 0; i--) parts.push(Buffer.alloc(next(3) === 0 ? next(4) : next(60), 'y'), Buffer.from('\n'));
      const lead = next(17);
      const input = Buffer.concat([Buffer.alloc(lead, 'q'), ...parts, Buffer.from('tail')]);
      const max = [0, 1, 3, 15, 16, 17, 40, 100][next(8)]!;
      const end = Math.max(lead, input.length - next(30));
      const stop = kernel.scanLines(input, lead, end, max);
      const want = reference(input, lead, end, 0, Buffer.alloc(0), Buffer.from('\n'), max, false);
      if (stop !== want.stop || kernel.lastLineCount !== want.lines) failures.push(`round ${round}: max ${max}: stop ${stop}/${want.stop}, lines ${kernel.lastLineCount}/${want.lines}`);
    }
    expect(failures).toEqual([]);
  });

  it('leaves a read in its input area as it was while rendering it', () => {
    const kernel = createLineKernel();
    const text = 'alpha\nbeta\ngamma\n';
    kernel.input.write(text);
    expect({ prefix: 'web | ', set: kernel.setAffixes(Buffer.from('web | '), Buffer.from('\n')) }).toEqual({ prefix: 'web | ', set: true });
    const stop = kernel.renderLines(kernel.input.subarray(0, text.length), 0, text.length, 0, 100, false);
    expect(stop).toBe(text.length);
    expect(kernel.output.subarray(0, kernel.lastOutEnd).toString()).toBe('web | alpha\nweb | beta\nweb | gamma\n');
    expect(kernel.input.subarray(0, text.length).toString()).toBe(text);
  });

  it('refuses a prefix larger than its affix area, and renders nothing without WebAssembly', () => {
    const kernel = createLineKernel();
    expect({ prefix: 1024 * 1024, set: kernel.setAffixes(Buffer.alloc(1024 * 1024), Buffer.from('\n')) }).toEqual({ prefix: 1024 * 1024, set: false });
    const plain = createLineKernel({ withWasm: false });
    expect({ withWasm: false, canRender: plain.canRender }).toEqual({ withWasm: false, canRender: false });
    expect(plain.renderLines(Buffer.from('a\nb\n'), 0, 4, 0, 10, false)).toBe(0);
    expect(plain.lastLineCount).toBe(0);
  });
});

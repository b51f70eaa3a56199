import { describe, expect, it } from 'vitest';
import { createAnsiStripper } from '../../../src/logs/ansi-stripper.js';

function strip(...chunks: string[]): string {
  const stripper = createAnsiStripper();
  return chunks.map((c) => stripper.strip(Buffer.from(c)).toString()).join('') + stripper.flush().toString();
}

describe('strip_ansi', () => {
  it('removes colour escapes as supervisord stripEscapes does', () => {
    // supervisord: stripEscapes(b'\x1b[1;31mred\x1b[0m plain') == b'red plain'
    expect(strip('\x1b[1;31mred\x1b[0m plain')).toBe('red plain');
  });

  it('returns a chunk without escapes untouched, without copying it', () => {
    const stripper = createAnsiStripper();
    const chunk = Buffer.from('plain line\n');
    expect(stripper.strip(chunk)).toBe(chunk);
  });

  it('removes an escape split across two reads of the pipe', () => {
    expect(strip('a\x1b[3', '2mb')).toBe('ab');
    expect(strip('a\x1b', '[32mb')).toBe('ab');
  });

  it('keeps a lone ESC that is not followed by [', () => {
    expect(strip('a\x1b', 'b')).toBe('a\x1bb');
    expect(strip('end\x1b')).toBe('end\x1b');
  });

  it('drops everything after an unterminated escape, as supervisord does', () => {
    expect(strip('ok\x1b[12;')).toBe('ok');
  });
});

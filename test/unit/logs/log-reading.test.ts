import { describe, expect, it } from 'vitest';
import { resolveRead, resolveTail } from '../../../src/core/log-offsets.js';
import { readLogSource, tailLogSource, type LogSource } from '../../../src/logs/log-reading.js';
import { MemoryTail } from '../../../src/logs/memory-tail.js';

function bufferSource(text: string): LogSource {
  const buf = Buffer.from(text);
  return { size: () => buf.length, readAt: (position, length) => buf.subarray(position, position + length) };
}

// Expected values printed by supervisord 4.2.5's own options.tailFile / readFile on a file
// holding "0123456789".
const SUPERVISORD_ANSWERS: [offset: number, length: number, tail: [string, number, boolean], read: string][] = [
  [0, 5, ['56789', 10, true], '01234'],
  [0, 10, ['0123456789', 10, false], '0123456789'],
  [0, 20, ['0123456789', 10, false], '0123456789'],
  [3, 4, ['6789', 10, true], '3456'],
  [5, 100, ['0123456789', 10, false], '56789'],
  [9, 1, ['9', 10, false], '9'],
  [10, 5, ['', 10, false], ''],
  [12, 5, ['', 10, false], ''],
  [0, 0, ['', 10, true], '0123456789'],
  [4, 0, ['', 10, true], '456789'],
  [-3, 0, ['', 10, true], '789'],
  [-20, 0, ['', 10, true], '0123456789'],
  [2, -1, ['', 10, true], 'BAD_ARGUMENTS'],
  [-3, 2, ['89', 10, true], 'BAD_ARGUMENTS'],
  [0, 1, ['9', 10, true], '0'],
  [8, 2, ['89', 10, false], '89'],
  [8, 3, ['789', 10, false], '89'],
];

describe('reading a log as supervisord 4.2.5 does', () => {
  it.each(SUPERVISORD_ANSWERS)('tail(offset %i, length %i) answers as tailFile', (offset, length, expected) => {
    const [data, newOffset, overflow] = tailLogSource(bufferSource('0123456789'), offset, length);
    expect([data.toString(), newOffset, overflow]).toEqual(expected);
  });

  it.each(SUPERVISORD_ANSWERS)('read(offset %i, length %i) answers as readFile', (offset, length, _tail, expected) => {
    const result = readLogSource(bufferSource('0123456789'), offset, length);
    expect(result.ok ? result.data.toString() : result.fault).toBe(expected);
  });

  it('refuses a negative offset with a length, and a negative length', () => {
    expect(resolveRead(10, -3, 2)).toBeNull();
    expect(resolveRead(10, 2, -1)).toBeNull();
  });

  it('answers a tail of an empty log with nothing, offset 0 and no overflow', () => {
    expect(resolveTail(0, 0, 1600)).toEqual({ position: 0, length: 0, overflow: false });
  });
});

describe('the in-memory tail read like a log file', () => {
  it('keeps counting offsets past its capacity and serves only the last bytes', () => {
    const tail = new MemoryTail(8);
    tail.write(Buffer.from('0123456789'));
    tail.write(Buffer.from('abc'));
    expect(tail.size()).toBe(13);
    const [data, offset, overflow] = tailLogSource(tail, 0, 4);
    expect([data.toString(), offset, overflow]).toEqual(['9abc', 13, true]);
    // Bytes before the surviving window are gone, as if rotated away.
    const read = readLogSource(tail, 0, 0);
    expect(read.ok && read.data.toString()).toBe('56789abc');
  });

  it('answers tail with the last length bytes even below the given offset, as tailFile does', () => {
    const tail = new MemoryTail(1024);
    tail.write(Buffer.from('first\n'));
    const [, offset] = tailLogSource(tail, 0, 1024);
    tail.write(Buffer.from('second\n'));
    // tailFile: offset + length > size moves offset back to size - length.
    expect(tailLogSource(tail, offset, 1024).map(String)).toEqual(['first\nsecond\n', '13', 'false']);
    expect(tailLogSource(tail, offset, 3).map(String)).toEqual(['nd\n', '13', 'true']);
  });

  it('wraps a write larger than its capacity, keeping the last bytes', () => {
    const tail = new MemoryTail(4);
    tail.write(Buffer.from('ab'));
    tail.write(Buffer.from('cdefg'));
    expect(tail.readAt(0, 100).toString()).toBe('defg');
  });

  it('starts again at offset 0 after clear, as a removed log file does', () => {
    const tail = new MemoryTail(16);
    tail.write(Buffer.from('old'));
    tail.clear();
    tail.write(Buffer.from('new'));
    expect(tailLogSource(tail, 0, 16).map(String)).toEqual(['new', '3', 'false']);
  });
});

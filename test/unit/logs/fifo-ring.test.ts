import { describe, expect, it } from 'vitest';
import { FifoRing } from '../../../src/logs/fifo-ring.js';

describe('ring memory for a queue freed in order', () => {
  it('never hands out bytes that an older queued batch still holds, and reuses what was freed', () => {
    const ring = new FifoRing(10);
    const queue: Buffer[] = [];
    /** Copies `text` in and queues it; returns what the ring holds for it, or null when it did not fit. */
    const push = (text: string): string | null => {
      const kept = ring.copyIn(Buffer.from(text), queue[0]);
      if (kept !== null) queue.push(kept);
      return kept?.toString() ?? null;
    };
    expect([push('aaaa'), push('bbbb'), push('ccc')]).toEqual(['aaaa', 'bbbb', null]); // 8 of 10 used
    queue[0] = queue[0]!.subarray(3); // "aaa" written, one "a" left
    expect(push('ccc')).toBe('ccc'); // wraps to the start, in front of the last "a"
    expect(push('d')).toBeNull(); // the ring's end (2 bytes) is free, but behind the tail is full
    queue.shift(); // "a" written
    expect(push('dd')).toBeNull(); // free now: 3..4 (1 byte) and the end; "dd" fits in neither behind the tail
    queue.shift(); // "bbbb" written: only "ccc" at 0..2 is left
    expect(push('eeeeeee')).toBe('eeeeeee'); // 3..9
    expect(queue.map((b) => b.toString())).toEqual(['ccc', 'eeeeeee']);
    queue.splice(0);
    expect(push('0123456789')).toBe('0123456789'); // empty again: the whole ring from the start
    expect(push('x')).toBeNull();
    expect(ring.copyIn(Buffer.alloc(11), undefined)).toBeNull(); // larger than the ring
    expect(queue.filter((b) => !ring.owns(b)).map(String)).toEqual([]);
    const elsewhere = Buffer.from('elsewhere');
    expect({ elsewhere: ring.owns(elsewhere) }).toEqual({ elsewhere: false });
  });
});

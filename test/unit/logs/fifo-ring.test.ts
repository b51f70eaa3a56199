import { describe, expect, it } from 'vitest';
import { FifoRing } from '../../../src/logs/fifo-ring.js';

describe('ring memory for a queue freed in order', () => {
  it('never hands out bytes that an older queued batch still holds, and reuses what was freed', () => {
    const ring = new FifoRing(10);
    const queue: Buffer[] = [];
    const push = (text: string): boolean => {
      const kept = ring.copyIn(Buffer.from(text), queue[0]);
      if (kept !== null) queue.push(kept);
      return kept !== null;
    };
    expect([push('aaaa'), push('bbbb'), push('ccc')]).toEqual([true, true, false]); // 8 of 10 used
    queue[0] = queue[0]!.subarray(3); // "aaa" written, one "a" left
    expect(push('ccc')).toBe(true); // wraps to the start, in front of the last "a"
    expect(push('d')).toBe(false); // the ring's end (2 bytes) is free, but behind the tail is full
    queue.shift(); // "a" written
    expect(push('dd')).toBe(false); // free now: 3..4 (1 byte) and the end; "dd" fits in neither behind the tail
    queue.shift(); // "bbbb" written: only "ccc" at 0..2 is left
    expect(push('eeeeeee')).toBe(true); // 3..9
    expect(queue.map((b) => b.toString())).toEqual(['ccc', 'eeeeeee']);
    queue.splice(0);
    expect(push('0123456789')).toBe(true); // empty again: the whole ring from the start
    expect(push('x')).toBe(false);
    expect(ring.copyIn(Buffer.alloc(11), undefined)).toBeNull(); // larger than the ring
    expect(queue.every((b) => ring.owns(b))).toBe(true);
    expect(ring.owns(Buffer.from('elsewhere'))).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { OutputRing } from '../../../src/core/output-ring.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (data: Uint8Array): string => new TextDecoder().decode(data);

describe('a job output ring', () => {
  it('reads back what was written by absolute offset', () => {
    const ring = new OutputRing(16);
    ring.write(bytes('one\n'));
    ring.write(bytes('two\n'));
    expect(text(ring.read(0, 100).data)).toEqual('one\ntwo\n');
    expect(ring.read(4, 100)).toMatchObject({ offset: 4, lost: 0 });
    expect(text(ring.read(4, 2).data)).toEqual('tw');
    expect(ring.end).toEqual(8);
  });

  it('resumes at any offset with each byte exactly once, across the wrap', () => {
    const ring = new OutputRing(10);
    let seen = '';
    let at = 0;
    const all = 'abcdefghijklmnopqrstuvwxyz0123456789';
    for (let i = 0; i < all.length; i += 3) {
      ring.write(bytes(all.slice(i, i + 3)));
      const got = ring.read(at, 4);
      expect(got.lost).toEqual(0);
      seen += text(got.data);
      at = got.offset + got.data.length;
    }
    while (at < ring.end) {
      const got = ring.read(at, 4);
      seen += text(got.data);
      at = got.offset + got.data.length;
    }
    expect(seen).toEqual(all);
  });

  it('says how many bytes are gone when a reader fell behind the wrap', () => {
    const ring = new OutputRing(8);
    ring.write(bytes('0123456789abcdef'));
    const got = ring.read(2, 100);
    expect({ data: text(got.data), offset: got.offset, lost: got.lost }).toEqual({ data: '89abcdef', offset: 8, lost: 6 });
    expect(ring.start).toEqual(8);
  });

  it('keeps only the last capacity bytes of a chunk larger than the ring', () => {
    const ring = new OutputRing(4);
    ring.write(bytes('ab'));
    ring.write(bytes('cdefghij'));
    expect(text(ring.read(0, 100).data)).toEqual('ghij');
    expect(ring.read(0, 100).lost).toEqual(6);
  });

  it('allocates with what was written, not the whole capacity', () => {
    const ring = new OutputRing(1024 * 1024);
    ring.write(bytes('one line\n'));
    expect(ring.allocated).toBeLessThanOrEqual(4096);
    ring.write(new Uint8Array(5000));
    expect(ring.allocated).toEqual(8192);
    expect(text(ring.read(0, 9).data)).toEqual('one line\n');
  });

  it('with capacity 0 keeps nothing and counts everything as gone', () => {
    const ring = new OutputRing(0);
    ring.write(bytes('hello'));
    expect(ring.read(0, 10)).toMatchObject({ offset: 5, lost: 5 });
    expect(ring.read(0, 10).data.length).toEqual(0);
  });

  it('answers an offset past the end with nothing', () => {
    const ring = new OutputRing(8);
    ring.write(bytes('abc'));
    expect(ring.read(10, 5)).toMatchObject({ offset: 3, lost: 0 });
  });
});

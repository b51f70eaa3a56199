import { describe, expect, it } from 'vitest';
import { isJsonPlain } from '../../../src/logs/json-plain.js';

/** What JSON.stringify says: the bytes (a newline counting as an ordinary character) are their own JSON string body. */
function isPlainByStringify(bytes: Buffer): boolean {
  const body = Buffer.from(bytes.map((b) => (b === 10 ? 0x61 : b)));
  return Buffer.from(JSON.stringify(body.toString())).equals(Buffer.concat([Buffer.from('"'), body, Buffer.from('"')]));
}

describe('telling a JSON-ready line from one that needs escaping', () => {
  it('agrees with JSON.stringify for every byte value, anywhere in a long or short line, at any alignment', () => {
    const disagreements: string[] = [];
    for (const length of [8, 100]) {
      for (let offset = 0; offset < 4; offset++) {
        for (let at = 0; at < length; at += length === 8 ? 1 : 13) {
          for (let byte = 0; byte < 256; byte++) {
            const backing = Buffer.alloc(offset + length + 3, 0x78);
            backing[offset + at] = byte;
            backing[offset + length] = 0x22; // just past the end: must not be looked at
            const line = backing.subarray(offset, offset + length);
            if (isJsonPlain(backing, offset, offset + length) !== isPlainByStringify(line)) disagreements.push(`length ${length} offset ${offset} at ${at} byte ${byte}`);
          }
        }
      }
    }
    expect(disagreements).toEqual([]);
  });

  it('agrees with JSON.stringify on random text, multi-byte characters and broken UTF-8 included', () => {
    const alphabet = [...Buffer.from('abc xyz\n\t"\\\u00e9\u{1f600}')];
    let seed = 1;
    const random = (n: number): number => (seed = (seed * 48271) % 2147483647) % n;
    for (let round = 0; round < 2000; round++) {
      const length = random(200);
      const bytes = Buffer.from(Array.from({ length }, () => (random(10) === 0 ? random(256) : alphabet[random(alphabet.length)]!)));
      expect([round, isJsonPlain(bytes, 0, bytes.length)]).toEqual([round, isPlainByStringify(bytes)]);
    }
  });
});

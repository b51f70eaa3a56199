/**
 * Tells whether some bytes are already the body of a JSON string, as JSON.stringify would write
 * them from their UTF-8 text: JSON container mode then copies a line instead of escaping it. Pure.
 * Not an escaper: lines that need escaping go through JSON.stringify.
 */
import { isUtf8 } from 'node:buffer';

const NEWLINE = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** Below this many bytes the word-at-a-time scan is not worth its typed-array view. */
const MIN_WORD_SCAN_BYTES = 64;

/**
 * Whether bytes [start, end) hold no control byte except the newline (a run of lines is checked
 * with its line ends in it), no quote or backslash, and valid UTF-8 (toString would turn invalid
 * bytes into U+FFFD). Four bytes at a time where there are many: byte by byte this scan cost more
 * than the whole rest of JSON mode.
 */
export function isJsonPlain(buf: Buffer, start: number, end: number): boolean {
  let i = start;
  let hasHighBytes = false;
  if (end - start >= MIN_WORD_SCAN_BYTES) {
    const absolute = buf.byteOffset + start;
    const head = (4 - (absolute & 3)) & 3;
    for (; i < start + head; i++) {
      const b = buf[i]!;
      if ((b < 0x20 && b !== NEWLINE) || b === QUOTE || b === BACKSLASH) return false;
      if (b > 0x7f) hasHighBytes = true;
    }
    const words = (end - i) >>> 2;
    const view = new Int32Array(buf.buffer, buf.byteOffset + i, words);
    let high = 0;
    for (let w = 0; w < words; w++) {
      const v = view[w]!;
      // Lanes equal to a newline, exactly (no carry crosses a lane), then given bit 0x20 so a
      // newline no longer reads as a control byte.
      const nl = v ^ 0x0a0a0a0a;
      const newlines = ~((((nl & 0x7f7f7f7f) + 0x7f7f7f7f) | 0) | nl | 0x7f7f7f7f);
      const u = v | (newlines >>> 2);
      // Some lane below 0x20, equal to a quote, equal to a backslash (the usual has-less and
      // has-zero tests: exact as a yes/no for the whole word).
      const q = u ^ 0x22222222;
      const s = u ^ 0x5c5c5c5c;
      const bad = (((u - 0x20202020) | 0) & ~u) | (((q - 0x01010101) | 0) & ~q) | (((s - 0x01010101) | 0) & ~s);
      if ((bad & 0x80808080) !== 0) return false;
      high |= v;
    }
    if ((high & 0x80808080) !== 0) hasHighBytes = true;
    i += words * 4;
  }
  for (; i < end; i++) {
    const b = buf[i]!;
    if ((b < 0x20 && b !== NEWLINE) || b === QUOTE || b === BACKSLASH) return false;
    if (b > 0x7f) hasHighBytes = true;
  }
  return !hasHighBytes || isUtf8(buf.subarray(start, end));
}

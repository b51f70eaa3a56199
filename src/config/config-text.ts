/**
 * A config file's bytes into text, as supervisord 4.2.5 gets it from Python's configparser: strict
 * UTF-8 (a byte that is not UTF-8 refuses the file; nothing is turned into U+FFFD), a byte order
 * mark refused as configparser refuses it, and supd's size bound. Pure: bytes in, text or a reason
 * (with the line it is on) out.
 */
import { describeBytes, MAX_CONFIG_FILE_BYTES } from './limits.js';

export type DecodeResult =
  | { readonly ok: true; readonly text: string; readonly bytes: number }
  | { readonly ok: false; readonly line: number; readonly reason: string };

const BOM_REASON =
  'starts with a UTF-8 byte order mark, which supervisord refuses too ("File contains no section headers"); save the file as UTF-8 without BOM';

/** Where strict UTF-8 decoding fails, with CPython's words for why; null when the bytes are UTF-8. */
export function findInvalidUtf8(bytes: Uint8Array): { offset: number; why: string } | null {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return { offset: i, why: 'invalid start byte' };
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return { offset: i, why: 'unexpected end of data' };
      const c = bytes[i + k] as number;
      const [min, max] = k === 1 ? [lo, hi] : [0x80, 0xbf];
      if (c < min || c > max) return { offset: i, why: 'invalid continuation byte' };
    }
    i += need + 1;
  }
  return null;
}

function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/**
 * The text of one config file. `content` is bytes from the disk, or text (unit tests' fake files).
 * The adapter reads at most MAX_CONFIG_FILE_BYTES + 1 bytes, so "larger" is known without more.
 */
export function decodeConfigFile(content: Uint8Array | string): DecodeResult {
  const tooLarge = `is larger than ${describeBytes(MAX_CONFIG_FILE_BYTES)}, the most supd reads from one config file`;
  if (typeof content === 'string') {
    if (content.length > MAX_CONFIG_FILE_BYTES) return { ok: false, line: 0, reason: tooLarge };
    if (content.startsWith('\ufeff')) return { ok: false, line: 1, reason: BOM_REASON };
    return { ok: true, text: content, bytes: content.length };
  }
  if (content.length > MAX_CONFIG_FILE_BYTES) return { ok: false, line: 0, reason: tooLarge };
  if (content[0] === 0xef && content[1] === 0xbb && content[2] === 0xbf) return { ok: false, line: 1, reason: BOM_REASON };
  const bad = findInvalidUtf8(content);
  if (bad !== null) {
    const byte = `0x${(content[bad.offset] as number).toString(16).padStart(2, '0')}`;
    return {
      ok: false,
      line: lineAt(content, bad.offset),
      reason: `is not UTF-8: byte ${byte} (${bad.why}); supervisord refuses it too: save the file as UTF-8`,
    };
  }
  return { ok: true, text: new TextDecoder('utf-8').decode(content), bytes: content.length };
}

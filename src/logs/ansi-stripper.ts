/**
 * strip_ansi as supervisord 4.2.5 does it (dispatchers.py stripEscapes): from ESC [ up to and
 * including the first of H f A B C D R s u J K h l p m, bytes are dropped. Unlike supervisord,
 * which restarts on every read, the state carries over, so an escape split across two reads of
 * the pipe is still removed. Pure; works on bytes, never on strings.
 */

const ESC = 0x1b;
const ESC_BRACKET = Buffer.from([ESC, 0x5b]);
const ESC_ONLY = Buffer.from([ESC]);

/** dispatchers.py ANSI_TERMINATORS, as a byte lookup table. */
const IS_TERMINATOR = new Uint8Array(256);
for (const c of 'HfABCDRsuJKhlpm') IS_TERMINATOR[c.charCodeAt(0)] = 1;

export interface AnsiStripper {
  /** The chunk without escapes; may return the chunk itself when it has none. */
  strip(chunk: Buffer): Buffer;
  /** End of stream: gives back a lone trailing ESC held from the last chunk, and resets. */
  flush(): Buffer;
}

export function createAnsiStripper(): AnsiStripper {
  let isHidden = false;
  let hasPendingEsc = false;

  function strip(chunk: Buffer): Buffer {
    const length = chunk.length;
    if (!isHidden && !hasPendingEsc && chunk.indexOf(ESC) === -1) return chunk;
    const parts: Buffer[] = [];
    let i = 0;
    if (hasPendingEsc && length > 0) {
      hasPendingEsc = false;
      if (chunk[0] === 0x5b) {
        isHidden = true;
        i = 1;
      } else {
        parts.push(ESC_ONLY);
      }
    }
    while (i < length) {
      if (isHidden) {
        while (i < length && IS_TERMINATOR[chunk[i]!] === 0) i++;
        if (i < length) {
          isHidden = false; // the terminator itself is dropped too, as in stripEscapes
          i++;
        }
        continue;
      }
      const n = chunk.indexOf(ESC_BRACKET, i);
      if (n === -1) {
        if (chunk[length - 1] === ESC) {
          // Maybe the start of an escape whose '[' is in the next read: hold it back.
          parts.push(chunk.subarray(i, length - 1));
          hasPendingEsc = true;
        } else {
          parts.push(chunk.subarray(i));
        }
        break;
      }
      parts.push(chunk.subarray(i, n));
      isHidden = true;
      i = n + 2;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  function flush(): Buffer {
    const rest = hasPendingEsc ? ESC_ONLY : Buffer.alloc(0);
    hasPendingEsc = false;
    isHidden = false;
    return rest;
  }

  return { strip, flush };
}

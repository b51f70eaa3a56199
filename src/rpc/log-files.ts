/**
 * Reading log files for readLog/readProcess*Log and tailProcess*Log with supervisord's arithmetic
 * (options.py readFile and tailFile), through a small LogFiles port so methods.ts is tested
 * without a disk. NODE_LOG_FILES is the real one. Not following a file: see log-follow.ts.
 */
import { open, stat } from 'node:fs/promises';
import { Fault } from './faults.js';

export interface LogFiles {
  /** The file's size in bytes, or null when it does not exist. */
  size(path: string): Promise<number | null>;
  /** Up to `length` bytes from `position` (fewer at the end of the file); throws on I/O error. */
  read(path: string, position: number, length: number): Promise<Uint8Array>;
}

export const NODE_LOG_FILES: LogFiles = {
  async size(path) {
    try {
      return (await stat(path)).size;
    } catch {
      return null;
    }
  },
  async read(path, position, length) {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(Math.max(0, length));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  },
};

const decoder = new TextDecoder('utf-8');

/** Bytes as text; a cut multi-byte character becomes U+FFFD rather than an error. */
function text(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/**
 * supervisord's readFile: a negative offset reads that many bytes from the end (length must be 0);
 * otherwise `length` bytes from `offset`, or to the end when length is 0. Faults BAD_ARGUMENTS for
 * the other combinations and FAILED on I/O errors. The caller has checked that the file exists.
 */
export async function readLogRange(files: LogFiles, path: string, offset: number, length: number): Promise<string> {
  if (offset < 0 && length !== 0) throw Fault.of('BAD_ARGUMENTS');
  if (offset >= 0 && length < 0) throw Fault.of('BAD_ARGUMENTS');
  try {
    const size = await files.size(path);
    if (size === null) throw new Error(`${path} vanished`);
    if (offset < 0) {
      const position = Math.max(0, size - Math.abs(offset));
      return text(await files.read(path, position, Math.abs(offset)));
    }
    return text(await files.read(path, offset, length === 0 ? Math.max(0, size - offset) : length));
  } catch (error) {
    if (error instanceof Fault) throw error;
    throw Fault.of('FAILED');
  }
}

/**
 * supervisord's tailFile: [text, next offset, overflow]. When more than `length` bytes lie past
 * `offset`, overflow is true and only the last `length` bytes are returned; the returned offset is
 * always the file's size. I/O errors give ['', offset, false], as in supervisord.
 */
export async function tailLog(
  files: LogFiles,
  path: string,
  offset: number,
  length: number,
): Promise<[string, number, boolean]> {
  try {
    const size = await files.size(path);
    if (size === null) return ['', offset, false];
    let overflow = false;
    let from = offset;
    let count = length;
    if (size > from + count) {
      overflow = true;
      from = size - 1;
    }
    if (from + count > size) {
      if (from > size - 1) count = 0;
      from = size - count;
    }
    if (from < 0) from = 0;
    if (count < 0) count = 0;
    const data = count === 0 ? '' : text(await files.read(path, from, count));
    return [data, size, overflow];
  } catch {
    return ['', offset, false];
  }
}

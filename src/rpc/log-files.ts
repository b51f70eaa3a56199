/**
 * Reading log files for readLog/readProcess*Log and tailProcess*Log with supervisord's arithmetic
 * (core/log-offsets.ts), through a small LogFiles port so methods.ts is tested without a disk.
 * NODE_LOG_FILES is the real one. Not following a file: see log-follow.ts.
 */
import { open, stat } from 'node:fs/promises';
import { resolveRead, resolveTail } from '../core/log-offsets.js';
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
  if (resolveRead(0, offset, length) === null) throw Fault.of('BAD_ARGUMENTS');
  try {
    const size = await files.size(path);
    if (size === null) throw new Error(`${path} vanished`);
    const where = resolveRead(size, offset, length)!;
    return text(await files.read(path, where.position, where.length));
  } catch {
    throw Fault.of('FAILED');
  }
}

/**
 * supervisord's tailFile: [text, next offset, overflow]; I/O errors give ['', offset, false], as in
 * supervisord.
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
    const where = resolveTail(size, offset, length);
    const data = where.length === 0 ? '' : text(await files.read(path, where.position, where.length));
    return [data, size, where.overflow];
  } catch {
    return ['', offset, false];
  }
}

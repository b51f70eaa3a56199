/**
 * The reading side of logs with supervisord 4.2.5's arithmetic (core/log-offsets.ts): read and
 * tail over a file or an in-memory tail. Returns bytes; turning them into XML-RPC strings and
 * faults is the rpc layer's job.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { resolveRead, resolveTail } from '../core/log-offsets.js';

/** The supervisord fault a read can end in (xmlrpc.py Faults). */
export type LogFault = 'NO_FILE' | 'BAD_ARGUMENTS' | 'FAILED';

export type ReadResult =
  | { readonly ok: true; readonly data: Buffer }
  | { readonly ok: false; readonly fault: LogFault; readonly detail?: string };

/** tailProcessStdoutLog's [bytes, offset, overflow]. */
export type TailResult = [data: Buffer, offset: number, overflow: boolean];

/** Something with a size that can be read at a position: a log file or an in-memory tail. */
export interface LogSource {
  size(): number;
  /** Up to length bytes at position; fewer at the end (or before the start of a memory tail). */
  readAt(position: number, length: number): Buffer;
}

export function readLogSource(source: LogSource, offset: number, length: number): ReadResult {
  const where = resolveRead(source.size(), offset, length);
  // supervisord's fault is the bare BAD_ARGUMENTS (clients match fault strings).
  if (where === null) return { ok: false, fault: 'BAD_ARGUMENTS' };
  return { ok: true, data: where.length === 0 ? Buffer.alloc(0) : source.readAt(where.position, where.length) };
}

export function tailLogSource(source: LogSource, offset: number, length: number): TailResult {
  const size = source.size();
  const where = resolveTail(size, offset, length);
  const data = where.length === 0 ? Buffer.alloc(0) : source.readAt(where.position, where.length);
  return [data, size, where.overflow];
}

function fileSource(fd: number): LogSource {
  return {
    size: () => fstatSync(fd).size,
    readAt(position, length) {
      const available = Math.max(0, Math.min(length, fstatSync(fd).size - position));
      const out = Buffer.allocUnsafe(available);
      let filled = 0;
      while (filled < available) {
        const n = readSync(fd, out, filled, available - filled, position + filled);
        if (n === 0) break;
        filled += n;
      }
      return out.subarray(0, filled);
    },
  };
}

function withFile<T>(path: string, use: (source: LogSource) => T): T {
  const fd = openSync(path, 'r');
  try {
    return use(fileSource(fd));
  } finally {
    closeSync(fd);
  }
}

/** readProcessStdoutLog / readLog on a file: NO_FILE when there is none, FAILED when it cannot be read. */
export function readLogFile(path: string | null, offset: number, length: number): ReadResult {
  if (path === null || !existsSync(path)) return { ok: false, fault: 'NO_FILE', detail: String(path) };
  try {
    return withFile(path, (source) => readLogSource(source, offset, length));
  } catch (error) {
    return { ok: false, fault: 'FAILED', detail: `${path}: ${(error as Error).message}` };
  }
}

/** tailProcessStdoutLog on a file: ['', 0, false] when there is none, as supervisord answers. */
export function tailLogFile(path: string | null, offset: number, length: number): TailResult {
  if (path === null || !existsSync(path)) return [Buffer.alloc(0), 0, false];
  try {
    return withFile(path, (source) => tailLogSource(source, offset, length));
  } catch {
    return [Buffer.alloc(0), offset, false];
  }
}

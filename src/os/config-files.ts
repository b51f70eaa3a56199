/**
 * The real ConfigFiles adapter: the config layer's only way to the disk (node:fs, and fs.globSync,
 * Node 22+). It opens without blocking (a FIFO would wait for a writer), refuses anything but a
 * regular file (/dev/zero, a FIFO, a socket would never end), and reads at most the bound + 1
 * bytes. Not a parser: decoding and the dialect live in src/config.
 */
import { closeSync, constants, fstatSync, globSync, openSync, readSync, type Stats } from 'node:fs';
import type { ConfigFiles } from '../config/includes.js';

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  if (stats.isDirectory()) return 'a directory';
  return 'not a regular file';
}

function readRegularFile(path: string, maxBytes: number): Uint8Array {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) {
      throw Object.assign(new Error(`is ${kindOf(stats)}, not a regular file`), { code: 'ENOTREGULAR' });
    }
    // A file can grow between fstat and read: read to the bound + 1 whatever fstat said.
    let chunk = Buffer.allocUnsafe(Math.min(maxBytes + 1, stats.size + 1));
    let filled = 0;
    for (;;) {
      if (filled === chunk.length) {
        if (chunk.length > maxBytes) break;
        const bigger = Buffer.allocUnsafe(Math.min(maxBytes + 1, chunk.length * 2));
        chunk.copy(bigger, 0, 0, filled);
        chunk = bigger;
      }
      const n = readSync(fd, chunk, filled, chunk.length - filled, null);
      if (n === 0) break;
      filled += n;
    }
    return chunk.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}

export const nodeConfigFiles: ConfigFiles = {
  readFile: readRegularFile,
  // Python's glob.glob as supervisord uses it: no match for a missing directory, sorted by caller.
  glob: (pattern) => globSync(pattern).sort(),
};

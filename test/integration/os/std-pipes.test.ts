import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { getPipeSize, isLibcError, openPipe } from '../../../src/os/libc.js';
import { enlargeStdPipe } from '../../../src/os/std-pipes.js';

const opened: number[] = [];
afterEach(() => opened.splice(0).forEach((fd) => closeSync(fd)));

function pipe(): [number, number] {
  const fds = openPipe();
  if (isLibcError(fds)) throw new Error(`pipe2: ${fds.code}`);
  opened.push(...fds);
  return fds;
}

describe("enlarging supd's own stdout when it is a pipe", () => {
  it('makes a 64 KiB pipe 1 MiB', () => {
    const [, write] = pipe();
    expect(getPipeSize(write)).toBe(64 * 1024);
    enlargeStdPipe(write);
    expect(getPipeSize(write)).toBe(1024 * 1024);
  });

  it('leaves a regular file alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'supd-std-pipes-'));
    try {
      const fd = openSync(join(dir, 'out'), 'w');
      opened.push(fd);
      expect(() => enlargeStdPipe(fd)).not.toThrow();
      expect(isLibcError(getPipeSize(fd))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

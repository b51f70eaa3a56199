import { closeSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { getPipeSize, isLibcError, openPipe, setPipeSize } from '../../../src/os/libc.js';
import { enlargeStdPipe } from '../../../src/os/std-pipes.js';

const opened: number[] = [];
afterEach(() => opened.splice(0).forEach((fd) => closeSync(fd)));

function pipe(): [number, number] {
  const fds = openPipe();
  if (isLibcError(fds)) throw new Error(`pipe2: ${fds.code}`);
  opened.push(...fds);
  return fds;
}

function canGrowPast1MiB(): boolean {
  const fds = openPipe();
  if (isLibcError(fds)) return false;
  try {
    return setPipeSize(fds[1], 4 * 1024 * 1024) === 4 * 1024 * 1024;
  } finally {
    fds.forEach((fd) => closeSync(fd));
  }
}

describe("enlarging supd's own stdout when it is a pipe", () => {
  it('makes a 64 KiB pipe 1 MiB', () => {
    const [, write] = pipe();
    expect(getPipeSize(write)).toEqual(64 * 1024);
    enlargeStdPipe(write);
    expect(getPipeSize(write)).toEqual(1024 * 1024);
  });

  // Past /proc/sys/fs/pipe-max-size (1 MiB) only CAP_SYS_RESOURCE may enlarge a pipe.
  it.skipIf(!canGrowPast1MiB())('never shrinks a pipe that is already larger (needs CAP_SYS_RESOURCE)', () => {
    const [, write] = pipe();
    setPipeSize(write, 4 * 1024 * 1024);
    enlargeStdPipe(write);
    expect(getPipeSize(write)).toEqual(4 * 1024 * 1024);
  });

  it('ignores a descriptor that is closed, as supd\'s stdout may be', () => {
    const [read, write] = pipe();
    opened.splice(opened.indexOf(write), 1);
    closeSync(write);
    expect(() => enlargeStdPipe(write)).not.toThrow();
    expect(getPipeSize(read)).toEqual(64 * 1024);
  });
});

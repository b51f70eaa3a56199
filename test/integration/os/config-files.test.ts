import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeConfigFiles } from '../../../src/os/config-files.js';
import { makeTempDir } from '../../support/supd-harness.js';

describe('reading config files from the disk', () => {
  it('refuses a FIFO at once instead of waiting for a writer', () => {
    const fifo = join(makeTempDir(), 'fifo.conf');
    execFileSync('mkfifo', [fifo]);
    expect(() => nodeConfigFiles.readFile(fifo, 1024)).toThrow('is a FIFO, not a regular file');
  });

  it('refuses /dev/zero, which would never end', () => {
    expect(() => nodeConfigFiles.readFile('/dev/zero', 1024)).toThrow('is a character device, not a regular file');
  });

  it('reads at most the bound plus one byte of a larger file', () => {
    const file = join(makeTempDir(), 'big.conf');
    writeFileSync(file, 'x'.repeat(10_000));
    expect(nodeConfigFiles.readFile(file, 4096).length).toBe(4097);
    expect(Buffer.from(nodeConfigFiles.readFile(file, 20_000)).toString()).toBe('x'.repeat(10_000));
  });
});

import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { followLogFile, type LogFollower } from '../../../src/rpc/log-follow.js';

let dir: string;
let follower: LogFollower | undefined;
let seen: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'supd-follow-'));
  seen = '';
});

afterEach(() => {
  follower?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function follow(path: string, head: number): void {
  follower = followLogFile(path, head, (chunk) => (seen += chunk.toString()), 20);
}

describe('following a log file as supervisord’s tail_f_producer does', () => {
  it('starts head bytes before the end, or at the start of a shorter file', () => {
    const path = join(dir, 'a.log');
    writeFileSync(path, 'abcdefghij');
    follow(path, 4);
    expect(seen).toBe('ghij');
    follower?.stop();
    seen = '';
    follow(path, 100);
    expect(seen).toBe('abcdefghij');
  });

  it('sends what is appended', async () => {
    const path = join(dir, 'a.log');
    writeFileSync(path, 'old\n');
    follow(path, 1024);
    appendFileSync(path, 'new\n');
    await vi.waitFor(() => expect(seen).toBe('old\nnew\n'));
  });

  it('says the file was truncated and continues from its start', async () => {
    const path = join(dir, 'a.log');
    writeFileSync(path, 'a long first line\n');
    follow(path, 1024);
    truncateSync(path, 0);
    await vi.waitFor(() => expect(seen).toBe('a long first line\n==> File truncated <==\n'));
    appendFileSync(path, 'after\n');
    await vi.waitFor(() => expect(seen).toBe('a long first line\n==> File truncated <==\nafter\n'));
  });

  it('follows the new file after a rotation', async () => {
    const path = join(dir, 'a.log');
    writeFileSync(path, 'before rotation\n');
    follow(path, 1024);
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'rotated\n');
    await vi.waitFor(() => expect(seen).toBe('before rotation\nrotated\n'));
  });
});

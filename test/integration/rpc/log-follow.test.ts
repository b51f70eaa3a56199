import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryTail } from '../../../src/logs/memory-tail.js';
import { FOLLOW_CHUNK_BYTES, followLiveTail, followLogFile, type FollowSink, type LogFollower } from '../../../src/rpc/log-follow.js';

let dir: string;
const followers: LogFollower[] = [];
let seen: string;

/** A sink that takes everything at once. */
const collector: FollowSink = {
  write: (chunk) => {
    seen += chunk.toString();
    return true;
  },
  once: () => collector,
  removeListener: () => collector,
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'supd-follow-'));
  seen = '';
});

afterEach(() => {
  for (const f of followers.splice(0)) f.stop();
  rmSync(dir, { recursive: true, force: true });
});

function follow(path: string, head: number, sink: FollowSink = collector): void {
  followers.push(followLogFile(path, head, sink));
}

describe('following a log file as supervisord’s tail_f_producer does', () => {
  it('starts head bytes before the end, or at the start of a shorter file', () => {
    const path = join(dir, 'a.log');
    writeFileSync(path, 'abcdefghij');
    follow(path, 4);
    expect(seen).toBe('ghij');
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

  it('follows the new file after a rotation, after the rest of the old one', async () => {
    const path = join(dir, 'a.log');
    writeFileSync(path, 'before rotation\n');
    follow(path, 1024);
    appendFileSync(path, 'last of the old file\n');
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'rotated\n');
    await vi.waitFor(() => expect(seen).toBe('before rotation\nlast of the old file\nrotated\n'));
    appendFileSync(path, 'more\n');
    await vi.waitFor(() => expect(seen).toBe('before rotation\nlast of the old file\nrotated\nmore\n'));
  });

  it('follows a log that was deleted once it is created again', async () => {
    const path = join(dir, 'a.log');
    writeFileSync(path, 'first\n');
    follow(path, 1024);
    unlinkSync(path);
    writeFileSync(path, 'second\n');
    await vi.waitFor(() => expect(seen).toBe('first\nsecond\n'));
  });

  it('wakes every follower of one file from one change notification, without polling', async () => {
    const path = join(dir, 'a.log');
    writeFileSync(path, '');
    const texts: string[] = Array.from({ length: 50 }, () => '');
    texts.forEach((_, i) =>
      follow(path, 0, { write: (c) => ((texts[i] += c.toString()), true), once: () => undefined, removeListener: () => undefined }),
    );
    appendFileSync(path, 'line\n');
    await vi.waitFor(() => expect(new Set(texts)).toEqual(new Set(['line\n'])));
  });
});

describe('a follower whose reader does not keep up', () => {
  it('is not read for while its sink is full: what waits for it stays within one chunk past the sink', async () => {
    const path = join(dir, 'big.log');
    writeFileSync(path, '');
    // A sink that never finishes a write: a client that stopped reading.
    const stalled = new Writable({ highWaterMark: 16 * 1024, write: () => undefined });
    follow(path, 0, stalled);
    const line = Buffer.alloc(1024 * 1024, 'x');
    for (let i = 0; i < 32; i++) appendFileSync(path, line);
    // Let the change notifications arrive and be handled.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(stalled.writableLength).toBeLessThanOrEqual(FOLLOW_CHUNK_BYTES + 16 * 1024);
    stalled.destroy();
  });

  it('goes on where it stopped once its sink drains', async () => {
    const path = join(dir, 'big.log');
    writeFileSync(path, '');
    let received = 0;
    let pending: (() => void)[] = [];
    const slow = new Writable({
      highWaterMark: 1024,
      write: (chunk: Buffer, _enc, done) => {
        received += chunk.length;
        pending.push(done);
      },
    });
    follow(path, 0, slow);
    appendFileSync(path, Buffer.alloc(300 * 1024, 'y'));
    await vi.waitFor(() => expect(received).toBeGreaterThan(0));
    await vi.waitFor(() => {
      const calls = pending;
      pending = [];
      for (const done of calls) done();
      expect(received).toBe(300 * 1024);
    });
  });
});

describe('following an in-memory tail', () => {
  it('starts head bytes before its end and sends each write', async () => {
    const tail = new MemoryTail(64);
    tail.write(Buffer.from('0123456789'));
    followers.push(followLiveTail(tail, 4, collector));
    expect(seen).toBe('6789');
    tail.write(Buffer.from('abc\n'));
    await vi.waitFor(() => expect(seen).toBe('6789abc\n'));
  });

  it('skips what the tail no longer holds, and says a clear truncated it', async () => {
    const tail = new MemoryTail(8);
    followers.push(followLiveTail(tail, 1024, collector));
    tail.write(Buffer.from('0123456789abcdef'));
    await vi.waitFor(() => expect(seen).toBe('89abcdef'));
    tail.clear();
    tail.write(Buffer.from('new'));
    await vi.waitFor(() => expect(seen).toBe('89abcdef==> File truncated <==\nnew'));
  });
});

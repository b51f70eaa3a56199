/**
 * `tail -f` of one log file for /logtail and /mainlogtail, as supervisord's http.py
 * tail_f_producer does it: start `headBytes` before the end, poll every 100 ms, reopen after a
 * rotation (new inode), say `==> File truncated <==` when the file shrinks. Not HTTP: the caller
 * writes the chunks.
 */
import { openSync, closeSync, fstatSync, readSync, statSync } from 'node:fs';

export interface LogFollower {
  stop(): void;
}

export function followLogFile(
  path: string,
  headBytes: number,
  onChunk: (chunk: Buffer) => void,
  intervalMs = 100,
): LogFollower {
  let fd = openSync(path, 'r');
  let ino = fstatSync(fd).ino;
  let size = fstatSync(fd).size;
  // supervisord starts at size - head only when the file holds at least head bytes, else at 0.
  let sent = size >= headBytes ? size - headBytes : 0;
  let stopped = false;

  const poll = (): void => {
    if (stopped) return;
    try {
      const onDisk = statSync(path, { throwIfNoEntry: false });
      if (onDisk !== undefined && onDisk.ino !== ino) {
        // Log rotation: follow the new file from its start.
        closeSync(fd);
        fd = openSync(path, 'r');
        ino = fstatSync(fd).ino;
        sent = 0;
      }
      size = fstatSync(fd).size;
      if (size < sent) {
        sent = 0;
        onChunk(Buffer.from('==> File truncated <==\n'));
        return;
      }
      if (size > sent) {
        const chunk = Buffer.alloc(size - sent);
        const read = readSync(fd, chunk, 0, chunk.length, sent);
        sent += read;
        if (read > 0) onChunk(chunk.subarray(0, read));
      }
    } catch {
      // The file vanished between stat and read; the next poll tries again.
    }
  };

  poll();
  const timer = setInterval(poll, intervalMs);
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    },
  };
}

/**
 * supctl's CtlIo on its stdout and stderr. The lines of one synchronous burst (a status table)
 * leave in one write, and anything for stderr, or raw text (tail -f), first flushes the lines
 * before it, so the two streams stay in order on a terminal. writeToFd writes to the descriptor
 * itself; not a logger, and no colour here (format.ts).
 */
import { writeSync } from 'node:fs';
import type { CtlIo } from './commands.js';

/** Writes all of `text` (or the bytes) to stdout (1) or stderr (2); false once that stream's reader is gone. */
export type FdWriter = (fd: 1 | 2, text: string | Uint8Array) => boolean | void;

/** A CtlIo whose stdout lines are gathered and flushed once the current burst of output ends. */
export function createConsoleIo(writeFd: FdWriter, schedule: (flush: () => void) => void = queueMicrotask): CtlIo {
  let pending = '';
  const flush = (): void => {
    if (pending === '') return;
    const text = pending;
    pending = '';
    writeFd(1, text);
  };
  return {
    out: (line) => {
      if (pending === '') schedule(flush);
      pending += `${line}\n`;
    },
    write: (text) => {
      flush();
      writeFd(1, text);
    },
    err: (line) => {
      flush();
      writeFd(2, `${line}\n`);
    },
    writeRaw: (fd, data) => {
      flush();
      return writeFd(fd, data) !== false;
    },
  };
}

/**
 * The FdWriter supctl uses: write(2) on the descriptor, without process.stdout, a stream that
 * takes milliseconds to set up at every start. A non-blocking descriptor (EAGAIN) hands this and
 * all later output to the streams, which wait for it to drain. A reader that went away
 * (`supctl status | head -1`: EPIPE) ends that stream's output quietly, as SIGPIPE would.
 */
export function createFdWriter(streams: () => { readonly stdout: NodeJS.WritableStream; readonly stderr: NodeJS.WritableStream }): FdWriter {
  let viaStreams = false;
  const closed = new Set<number>();
  return (fd, text) => {
    if (closed.has(fd)) return false;
    if (viaStreams) {
      const stream = fd === 1 ? streams().stdout : streams().stderr;
      stream.write(text);
      return true;
    }
    let bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : Buffer.from(text.buffer, text.byteOffset, text.byteLength);
    while (bytes.length > 0) {
      try {
        bytes = bytes.subarray(writeSync(fd, bytes));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') {
          closed.add(fd);
          return false;
        }
        if (code !== 'EAGAIN') throw error;
        viaStreams = true;
        const { stdout, stderr } = streams();
        // The streams report a later EPIPE as an 'error' event; without a listener it would crash supctl.
        for (const stream of [stdout, stderr]) stream.on('error', () => undefined);
        (fd === 1 ? stdout : stderr).write(bytes);
        return true;
      }
    }
    return true;
  };
}

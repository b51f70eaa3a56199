/**
 * Reads child output pipes (fds supd owns: the read ends of pipes or socketpairs) into ONE buffer
 * shared by every pipe, with libuv's readStart underneath (net.Socket's onread), so a read costs
 * no allocation and no Readable stream machinery, and 500 programs hold 1 MiB of read buffer, not
 * 1 GiB. Sharing is safe because libuv hands each read to its callback before the next read. The
 * buffer is the line kernel's input area (1 MiB, as much as an enlarged pipe hands over in one
 * read), so container mode renders a read where it lies.
 * Chunks are BORROWED: valid only during the onData call (hand them to
 * ProcessOutput.writeBorrowed). Not the pipe's creation (src/os).
 */
import { Socket } from 'node:net';
import { sharedLineKernel } from './line-kernel.js';

export interface PipeReaderOptions {
  /** A chunk read from the pipe; it is overwritten by the next read, so copy what you keep. */
  readonly onData: (chunk: Buffer) => void;
  /** EOF (every writer closed its end) or a read error: the pipe is closed afterwards. */
  readonly onEnd: () => void;
  /** A buffer of its own, of this size, instead of the shared one (tests). */
  readonly bufferBytes?: number;
}

export interface PipeReader {
  /** Stops reading for now: the writer's write(2) waits once the pipe is full. */
  pause(): void;
  /** Reads again after pause(). */
  resume(): void;
  /** Stops reading and closes the fd; onEnd is not called for this. */
  close(): void;
}

/** Takes ownership of fd: it is closed at EOF, on error, or by close(). */
export function readPipe(fd: number, options: PipeReaderOptions): PipeReader {
  const buffer =
    options.bufferBytes === undefined
      ? sharedLineKernel().input
      : Buffer.allocUnsafeSlow(options.bufferBytes);
  let isEnded = false;
  const end = (): void => {
    if (isEnded) return;
    isEnded = true;
    options.onEnd();
  };
  const socket = new Socket({
    fd,
    readable: true,
    writable: false,
    allowHalfOpen: false,
    onread: {
      buffer,
      callback: (bytes: number, buf: Uint8Array) => {
        if (bytes > 0) options.onData(Buffer.from(buf.buffer, buf.byteOffset, bytes));
        return true;
      },
    },
  });
  socket.on('end', end);
  socket.on('close', end);
  // EIO/ECONNRESET from a child that died mid-write: the stream ends there, as at EOF.
  socket.on('error', () => {});
  return {
    pause() {
      socket.pause();
    },
    resume() {
      socket.resume();
    },
    close() {
      isEnded = true;
      socket.destroy();
    },
  };
}

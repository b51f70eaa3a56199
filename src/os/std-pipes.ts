/**
 * supd's own stdout and stderr, when they are pipes (a container runtime's log pipe): enlarged
 * to 1 MiB, as the children's output pipes are (spawn.ts). Not the writing: src/logs/std-sink.ts.
 */
import { fstatSync } from 'node:fs';
import { getPipeSize, isLibcError, setPipeSize } from './libc.js';

const STD_PIPE_BYTES = 1024 * 1024;

/**
 * Container logging then hands the reader up to 1 MiB per wake-up instead of 64 KiB, and has
 * that much more room before its queue fills and lines are dropped (fewer lines dropped in
 * bench/log-throughput.mjs "prefixed -> pipe"). A larger pipe is left alone, and a refusal
 * (EPERM past pipe-max-size or pipe-user-pages-soft) leaves the pipe as it was.
 */
export function enlargeStdPipe(fd: number): void {
  try {
    if (!fstatSync(fd).isFIFO()) return;
  } catch {
    return; // closed: nothing to enlarge
  }
  const size = getPipeSize(fd);
  if (isLibcError(size) || size >= STD_PIPE_BYTES) return;
  setPipeSize(fd, STD_PIPE_BYTES);
}

/**
 * supervisord 4.2.5's offset arithmetic for reading logs (options.py readFile and tailFile): where
 * readProcessStdoutLog/readLog read (a negative offset = that many bytes from the end, with length
 * 0) and what tailProcessStdoutLog answers (overflow flag, "offset is always the log size").
 * Pure: a size in, a position out. The one place it is written; logs/ and rpc/ read with it.
 */

/** Where readFile reads: the position and the most bytes it asks for; null means BAD_ARGUMENTS. */
export function resolveRead(size: number, offset: number, length: number): { position: number; length: number } | null {
  if (offset < 0) {
    // A negative offset means "the last |offset| bytes", and then length must be 0.
    if (length !== 0) return null;
    return { position: Math.max(0, size + offset), length: -offset };
  }
  if (length < 0) return null;
  return { position: offset, length: length === 0 ? Math.max(0, size - offset) : length };
}

/** tailFile's arithmetic, step for step, including its treatment of odd inputs. */
export function resolveTail(size: number, offset: number, length: number): { position: number; length: number; overflow: boolean } {
  let overflow = false;
  if (size > offset + length) {
    overflow = true;
    offset = size - 1;
  }
  if (offset + length > size) {
    if (offset > size - 1) length = 0;
    offset = size - length;
  }
  if (offset < 0) offset = 0;
  if (length < 0) length = 0;
  return { position: offset, length, overflow };
}

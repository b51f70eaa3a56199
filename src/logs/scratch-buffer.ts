/**
 * One reusable output buffer for rendering a batch of lines (line-assembler.ts) that the sink
 * writes, or copies what it keeps, before its call returns. Not for anything kept past that call.
 * Pure bookkeeping over one Buffer.
 */

/**
 * Kept across calls up to this size; a larger request (a 1 MiB read of one-byte lines with a long
 * prefix, JSON escaping) gets a buffer of its own, so one odd batch does not pin memory forever.
 */
export const MAX_KEPT_SCRATCH_BYTES = 4 * 1024 * 1024;

export class ScratchBuffer {
  private buffer: Buffer = Buffer.alloc(0);
  private isLent = false;

  /**
   * `bytes` of writable space, valid until release(). Measured on Linux/tmpfs: filling a fresh
   * 1 MiB Buffer per pipe read and writing it out cost about 20 times the copy itself (new pages
   * faulted in, then returned to the OS), so batches are rendered into the same memory each time.
   */
  take(bytes: number): Buffer {
    // Lent already (a sink that re-entered a renderer): that caller's bytes must stay intact.
    if (this.isLent || bytes > MAX_KEPT_SCRATCH_BYTES) return Buffer.allocUnsafe(bytes);
    if (this.buffer.length < bytes) {
      this.buffer = Buffer.allocUnsafeSlow(Math.min(MAX_KEPT_SCRATCH_BYTES, Math.max(bytes, 2 * this.buffer.length, 64 * 1024)));
    }
    this.isLent = true;
    return this.buffer.subarray(0, bytes);
  }

  /** The batch in `taken` is written or copied: its memory can be reused. */
  release(taken: Buffer): void {
    if (taken.buffer === this.buffer.buffer) this.isLent = false;
  }
}

/** The one scratch buffer every line assembler shares: batches are rendered and written one at a time. */
export const SHARED_SCRATCH = new ScratchBuffer();

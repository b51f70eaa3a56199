/**
 * Memory for a queue of byte batches that are freed in the order they were queued (std-sink-policy.ts):
 * one buffer of fixed capacity, allocated when first needed and reused from then on. Pure
 * bookkeeping; the queue itself, and what is written or dropped, stay with the sink policy.
 */

export class FifoRing {
  private ring: Buffer | null = null;
  /** Where the next copy goes, unless it has to wrap to the start. */
  private tail = 0;

  constructor(readonly capacity: number) {}

  /**
   * A copy of data in the ring, or null when it does not fit. `oldest` is the oldest view this ring
   * handed out that is still queued (or what is left of it), undefined when none is: everything
   * from there to the tail is in use.
   */
  copyIn(data: Buffer, oldest: Buffer | undefined): Buffer | null {
    const bytes = data.length;
    if (bytes > this.capacity) return null;
    this.ring ??= Buffer.allocUnsafeSlow(this.capacity);
    let at: number;
    if (oldest === undefined) {
      at = 0;
    } else {
      const head = oldest.byteOffset - this.ring.byteOffset;
      if (this.tail > head) {
        // In use: head..tail. Free: tail..end, then 0..head.
        if (bytes <= this.capacity - this.tail) at = this.tail;
        else if (bytes <= head) at = 0;
        else return null;
      } else {
        // Wrapped, in use: head..end and 0..tail (tail === head: full). Free: tail..head.
        if (bytes <= head - this.tail) at = this.tail;
        else return null;
      }
    }
    data.copy(this.ring, at);
    this.tail = at + bytes;
    return this.ring.subarray(at, at + bytes);
  }

  /** Whether buf is a view this ring handed out. */
  owns(buf: Buffer): boolean {
    return this.ring !== null && buf.buffer === this.ring.buffer;
  }
}

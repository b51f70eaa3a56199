/**
 * One output stream of a job: the last `capacity` bytes it wrote, addressed by absolute offset
 * (bytes since the job started), so a reader that stopped at offset N resumes at N and is told
 * exactly how many bytes were dropped in between. Memory grows with what was written, up to
 * capacity: a job that prints a line costs bytes, not the full ring. Pure.
 */

/** The smallest allocation; it doubles as the stream grows, up to the ring's capacity. */
const FIRST_ALLOCATION = 4 * 1024;

/** What a reader gets from a range request. */
export interface RingRead {
  /** The bytes from `offset` (a copy). */
  readonly data: Uint8Array;
  /** Where `data` starts: the offset asked for, or the oldest byte kept if that one is gone. */
  readonly offset: number;
  /** Bytes between the offset asked for and `offset` that are no longer kept. */
  readonly lost: number;
}

export class OutputRing {
  private buffer = new Uint8Array(0);
  /** Total bytes ever written: the offset of the next byte. */
  private written = 0;

  constructor(readonly capacity: number) {}

  /** Absolute offset of the next byte to be written (the end of the stream so far). */
  get end(): number {
    return this.written;
  }

  /** Absolute offset of the oldest byte still kept. */
  get start(): number {
    return Math.max(0, this.written - this.capacity);
  }

  /** Bytes held in memory now. */
  get allocated(): number {
    return this.buffer.length;
  }

  /** Appends a chunk (copied; the caller may reuse it). */
  write(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.capacity === 0) {
      this.written += chunk.length;
      return;
    }
    const kept = chunk.length > this.capacity ? chunk.subarray(chunk.length - this.capacity) : chunk;
    const skipped = chunk.length - kept.length;
    this.reserve(Math.min(this.capacity, this.written + chunk.length));
    if (this.buffer.length < this.capacity) {
      // Not wrapped yet: offsets map to the buffer one to one.
      this.buffer.set(kept, this.written + skipped);
    } else {
      const at = (this.written + skipped) % this.capacity;
      const first = Math.min(kept.length, this.capacity - at);
      this.buffer.set(kept.subarray(0, first), at);
      if (first < kept.length) this.buffer.set(kept.subarray(first), 0);
    }
    this.written += chunk.length;
  }

  /** Up to `length` bytes from absolute `offset`; what was dropped before them is counted in `lost`. */
  read(offset: number, length: number): RingRead {
    const oldest = this.start;
    const from = Math.min(Math.max(offset, oldest), this.written);
    const to = Math.min(from + Math.max(0, length), this.written);
    const lost = Math.max(0, oldest - offset);
    const data = new Uint8Array(to - from);
    if (data.length > 0) {
      if (this.buffer.length < this.capacity) {
        data.set(this.buffer.subarray(from, to));
      } else {
        const at = from % this.capacity;
        const first = Math.min(data.length, this.capacity - at);
        data.set(this.buffer.subarray(at, at + first));
        if (first < data.length) data.set(this.buffer.subarray(0, data.length - first), first);
      }
    }
    return { data, offset: from, lost };
  }

  /**
   * Grows the buffer (by doubling, up to capacity) to hold `needed` bytes. Before it reaches
   * capacity nothing has wrapped, so byte n of the stream is at index n: growing is one copy.
   */
  private reserve(needed: number): void {
    if (needed <= this.buffer.length) return;
    let size = Math.max(FIRST_ALLOCATION, this.buffer.length);
    while (size < needed) size *= 2;
    const grown = new Uint8Array(Math.min(size, this.capacity));
    grown.set(this.buffer.subarray(0, Math.min(this.buffer.length, this.written)));
    this.buffer = grown;
  }
}

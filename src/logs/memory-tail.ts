/**
 * A bounded in-memory tail of one output stream, for streams that have no file to read back
 * (logging only to supd's stdout, or container mode with logfile NONE). It acts as a log file of
 * which only the last `capacity` bytes survive: offsets count every byte since the last clear,
 * so supctl tail -f and readProcessStdoutLog work on it unchanged; subscribers (/logtail
 * followers) are called after each write and clear. Pure.
 */
import type { LogSource } from './log-reading.js';

export class MemoryTail implements LogSource {
  private readonly ring: Buffer;
  private written = 0;
  private readonly listeners = new Set<() => void>();

  constructor(readonly capacity: number) {
    this.ring = Buffer.alloc(Math.max(1, capacity));
  }

  write(data: Buffer): void {
    const capacity = this.ring.length;
    const kept = data.length > capacity ? data.subarray(data.length - capacity) : data;
    const skipped = data.length - kept.length;
    const at = (this.written + skipped) % capacity;
    const first = Math.min(kept.length, capacity - at);
    kept.copy(this.ring, at, 0, first);
    if (first < kept.length) kept.copy(this.ring, 0, first);
    this.written += data.length;
    for (const listener of this.listeners) listener();
  }

  /** Calls onChange after each write and clear; returns the way to stop. */
  subscribe(onChange: () => void): () => void {
    const listener = (): void => onChange();
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  size(): number {
    return this.written;
  }

  readAt(position: number, length: number): Buffer {
    const oldest = Math.max(0, this.written - this.ring.length);
    const start = Math.max(position, oldest);
    const end = Math.min(position + length, this.written);
    if (end <= start) return Buffer.alloc(0);
    const out = Buffer.allocUnsafe(end - start);
    const capacity = this.ring.length;
    const at = start % capacity;
    const first = Math.min(out.length, capacity - at);
    this.ring.copy(out, 0, at, at + first);
    if (first < out.length) this.ring.copy(out, first, 0, out.length - first);
    return out;
  }

  clear(): void {
    this.written = 0;
    for (const listener of this.listeners) listener();
  }
}

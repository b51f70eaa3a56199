/**
 * supervisord's capture mode (dispatchers.py POutputDispatcher.record_output, toggle_capturemode
 * and loggers.py BoundIO): output between <!--XSUPERVISOR:BEGIN--> and <!--XSUPERVISOR:END--> is
 * kept aside (at most capture_maxbytes) and becomes one PROCESS_COMMUNICATION event. Pure byte
 * splitting; a marker split across reads is found because the tail that could start one is held.
 */

export const BEGIN_TOKEN = Buffer.from('<!--XSUPERVISOR:BEGIN-->');
export const END_TOKEN = Buffer.from('<!--XSUPERVISOR:END-->');

/** Called for each stretch of output, in order, saying whether it lies inside a capture block. */
export type SegmentHandler = (segment: Buffer, isCapturing: boolean) => void;
/** Called when a marker is crossed; isCapturing is the new mode. */
export type ToggleHandler = (isCapturing: boolean) => void;

/** Length of the longest suffix of data that is a proper prefix of token (medusa find_prefix_at_end). */
export function prefixAtEnd(data: Buffer, token: Buffer): number {
  for (let l = Math.min(token.length - 1, data.length); l > 0; l--) {
    if (data[data.length - l] === token[0] && data.subarray(data.length - l).equals(token.subarray(0, l))) return l;
  }
  return 0;
}

export class CaptureSplitter {
  private isCapturing = false;
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly onSegment: SegmentHandler,
    private readonly onToggle: ToggleHandler,
  ) {}

  get capturing(): boolean {
    return this.isCapturing;
  }

  feed(chunk: Buffer): void {
    let data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = Buffer.alloc(0);
    while (data.length > 0) {
      const token = this.isCapturing ? END_TOKEN : BEGIN_TOKEN;
      const at = data.indexOf(token);
      if (at === -1) {
        const held = prefixAtEnd(data, token);
        if (data.length > held) this.onSegment(data.subarray(0, data.length - held), this.isCapturing);
        // Copied so a 64 KiB chunk is not kept alive for a few bytes.
        this.pending = Buffer.from(data.subarray(data.length - held));
        return;
      }
      if (at > 0) this.onSegment(data.subarray(0, at), this.isCapturing);
      this.isCapturing = !this.isCapturing;
      this.onToggle(this.isCapturing);
      data = data.subarray(at + token.length);
    }
  }

  /**
   * End of the pipe: bytes held as a possible marker start are output after all (supervisord
   * loses them), and the next spawn starts outside capture mode, as a new dispatcher does.
   */
  end(): void {
    if (this.pending.length > 0) this.onSegment(this.pending, this.isCapturing);
    this.pending = Buffer.alloc(0);
    this.isCapturing = false;
  }
}

/**
 * loggers.py BoundIO, byte for byte: when a write would exceed maxBytes, as many bytes as the
 * write brings are dropped from the front first (so one write larger than maxBytes is kept whole).
 */
export class BoundCapture {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly maxBytes: number) {}

  write(data: Buffer): void {
    const kept = this.buf.length + data.length > this.maxBytes ? this.buf.subarray(data.length) : this.buf;
    this.buf = Buffer.concat([kept, data]);
  }

  value(): Buffer {
    return this.buf;
  }

  clear(): void {
    this.buf = Buffer.alloc(0);
  }
}

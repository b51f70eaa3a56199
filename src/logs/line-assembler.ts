/**
 * Turns one process stream's chunks into whole lines for supd's own stdout/stderr (container mode
 * and the stdout_logfile=/dev/stdout idiom): a partial line waits for the rest of it, a line longer
 * than lineMaxBytes is cut into pieces, and lines are handed to the sink in batches, so a line from
 * one program is never glued to another's. Formats: plain, prefixed with the process name
 * ("web | ..."), or JSON lines. Pure. Plain lines of one read go out as a slice of it; prefixed
 * and JSON lines are rendered into the line kernel's output area (line-kernel.ts), the ordinary
 * ones by the kernel in one call, the rest (completed partial lines, cut pieces, lines JSON must
 * escape) here, one at a time.
 */
import { isJsonPlain } from './json-plain.js';
import { type LineKernel, sharedLineKernel } from './line-kernel.js';
import type { ContainerLogFormat, OutputStream } from './log-settings.js';

const NEWLINE = 10;
const CARRIAGE_RETURN = 13;
const EMPTY = Buffer.alloc(0);
const NEWLINE_SUFFIX = Buffer.from('\n');
const JSON_END = Buffer.from('"}\n');
const JSON_PARTIAL_END = Buffer.from('","partial":true}\n');
/** A batch rendered by an assembler that found the shared output area in use (a re-entrant sink). */
const OWN_OUTPUT_BYTES = 64 * 1024;

/**
 * Where whole lines go: one call per batch, `data` holds `lineCount` complete lines. `data` is
 * lent for the call only (it may be the kernel's output area or the caller's read buffer): a
 * sink writes it before returning or copies what it keeps.
 */
export interface LineSink {
  writeLines(data: Buffer, lineCount: number, program: string): void;
}

export interface LineAssemblerOptions {
  /** The process name, e.g. "web" or "worker_01". */
  readonly program: string;
  readonly stream: OutputStream;
  readonly format: ContainerLogFormat;
  readonly lineMaxBytes: number;
  readonly sink: LineSink;
  /** For JSON's "time"; injected by tests. */
  readonly now?: () => Date;
  /** Where lines are rendered: the shared kernel unless a test wants its own. */
  readonly kernel?: LineKernel;
}

/** Where to cut a too-long line: at limit, moved back (at most 3 bytes) off a UTF-8 continuation byte. */
function cutPoint(buf: Buffer, start: number, limit: number): number {
  let at = limit;
  while (at > start + 1 && limit - at < 3 && (buf[at]! & 0xc0) === 0x80) at--;
  return (buf[at]! & 0xc0) === 0x80 ? limit : at;
}

export class LineAssembler {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly prefix: Buffer;
  /** `"program":"web","stream":"stdout",`: the JSON fields that never change. */
  private readonly jsonFields: string;
  private readonly maxBytes: number;
  private readonly kernel: LineKernel;
  // The batch being rendered during one feed: into `home` (the kernel's output area, or memory of
  // this assembler's own when another holds that), `count` lines in out[0, at).
  private home: Buffer = EMPTY;
  private at = 0;
  private count = 0;
  private holdsKernel = false;
  /** The kernel has this feed's affixes and may render its ordinary lines. */
  private canKernelRender = false;
  /** What goes before a line: the prefix, or for JSON the record up to the line's first byte. */
  private head: Buffer = EMPTY;

  constructor(private readonly options: LineAssemblerOptions) {
    this.prefix = options.format === 'prefixed' ? Buffer.from(`${options.program} | `) : EMPTY;
    this.jsonFields = `"program":${JSON.stringify(options.program)},"stream":${JSON.stringify(options.stream)},`;
    this.maxBytes = Math.max(1, options.lineMaxBytes);
    this.kernel = options.kernel ?? sharedLineKernel();
  }

  get hasPartial(): boolean {
    return this.pendingBytes > 0;
  }

  /**
   * Takes ownership of chunk: a partial line at its end is kept by reference, not copied. With
   * isBorrowed (chunk is reused by the caller after this call) what is kept is copied instead.
   */
  feed(chunk: Buffer, isBorrowed = false): void {
    this.begin();
    try {
      let pos = 0;
      if (this.pendingBytes > 0) {
        const nl = chunk.indexOf(NEWLINE);
        if (nl === -1) {
          this.hold(chunk, 0, isBorrowed);
          return;
        }
        this.pending.push(chunk.subarray(0, nl));
        this.addHeld();
        pos = nl + 1;
      }
      for (;;) {
        pos = this.options.format === 'plain' ? this.passRun(chunk, pos) : this.renderRun(chunk, pos);
        // What stopped the run: the end of the chunk, or one line it could not take.
        const nl = chunk.indexOf(NEWLINE, pos);
        if (nl === -1) break;
        this.addLine(chunk, pos, nl);
        pos = nl + 1;
      }
      if (pos < chunk.length) this.hold(chunk, pos, isBorrowed);
    } finally {
      this.end();
    }
  }

  /** End of stream or a line left waiting too long: what is held goes out as a line of its own. */
  flushPartial(): void {
    if (this.pendingBytes === 0) return;
    this.begin();
    try {
      this.addHeld();
    } finally {
      this.end();
    }
  }

  /** The held pieces, as one line. */
  private addHeld(): void {
    const line = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    this.addLine(line, 0, line.length);
  }

  private begin(): void {
    this.holdsKernel = this.kernel.tryAcquire();
    this.home = this.holdsKernel ? this.kernel.output : Buffer.allocUnsafe(OWN_OUTPUT_BYTES);
    this.at = 0;
    this.count = 0;
    if (this.options.format === 'json') {
      const time = (this.options.now?.() ?? new Date()).toISOString();
      this.head = Buffer.from(`{"time":"${time}",${this.jsonFields}"line":"`);
    } else {
      this.head = this.prefix;
    }
    this.canKernelRender =
      this.holdsKernel &&
      this.kernel.canRender &&
      this.options.format !== 'plain' &&
      this.kernel.setAffixes(this.head, this.options.format === 'json' ? JSON_END : NEWLINE_SUFFIX);
  }

  private end(): void {
    try {
      this.flush();
    } finally {
      if (this.holdsKernel) this.kernel.release();
      this.holdsKernel = false;
      this.home = EMPTY;
    }
  }

  /** Hands the batch rendered so far to the sink. */
  private flush(): void {
    if (this.count === 0) return;
    const data = this.home.subarray(0, this.at);
    const count = this.count;
    this.at = 0;
    this.count = 0;
    this.options.sink.writeLines(data, count, this.options.program);
  }

  /** Keeps chunk[pos..] as (the rest of) a partial line, cutting it if it has grown too long. */
  private hold(chunk: Buffer, pos: number, isBorrowed: boolean): void {
    const rest = chunk.subarray(pos);
    this.pending.push(isBorrowed ? Buffer.from(rest) : rest);
    this.pendingBytes += rest.length;
    if (this.pendingBytes <= this.maxBytes) return;
    const held = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    let start = 0;
    while (held.length - start > this.maxBytes) {
      const cut = cutPoint(held, start, start + this.maxBytes);
      this.addPiece(held, start, cut, true);
      start = cut;
    }
    this.pending = [held.subarray(start)];
    this.pendingBytes = held.length - start;
  }

  /**
   * Plain format: the lines from pos up to the first one too long go to the sink as one slice of
   * chunk, no copy (a borrowed chunk too: the sink copies what it cannot write at once). Returns
   * the end of those lines.
   */
  private passRun(chunk: Buffer, pos: number): number {
    let count = 0;
    let end = pos;
    if (this.holdsKernel && this.kernel.canRender) {
      end = this.kernel.scanLines(chunk, pos, chunk.length, this.maxBytes);
      count = this.kernel.lastLineCount;
    } else {
      for (;;) {
        const nl = chunk.indexOf(NEWLINE, end);
        if (nl === -1 || nl - end > this.maxBytes) break;
        count++;
        end = nl + 1;
      }
    }
    if (count > 0) {
      this.flush(); // lines rendered before the run go first
      this.options.sink.writeLines(chunk.subarray(pos, end), count, this.options.program);
    }
    return end;
  }

  /** Prefixed and JSON formats: the kernel renders the lines from pos until one it cannot take. */
  private renderRun(chunk: Buffer, pos: number): number {
    if (!this.canKernelRender) return pos;
    for (;;) {
      const stop = this.kernel.renderLines(chunk, pos, chunk.length, this.at, this.maxBytes, this.options.format === 'json');
      this.at = this.kernel.lastOutEnd;
      this.count += this.kernel.lastLineCount;
      if (stop === chunk.length || this.kernel.hasRoomForLine(this.at, this.maxBytes)) return stop;
      this.flush(); // the output area is full
      pos = stop;
    }
  }

  private addLine(buf: Buffer, start: number, end: number): void {
    while (end - start > this.maxBytes) {
      const cut = cutPoint(buf, start, start + this.maxBytes);
      this.addPiece(buf, start, cut, true);
      start = cut;
    }
    this.addPiece(buf, start, end, false);
  }

  /** Renders one line (or cut piece of one) into the batch. */
  private addPiece(source: Buffer, start: number, end: number, isCut: boolean): void {
    if (this.options.format !== 'json') {
      this.put(this.prefix, source, start, end, NEWLINE_SUFFIX);
      return;
    }
    if (!isCut && end > start && source[end - 1] === CARRIAGE_RETURN) end--; // CRLF line ending
    const ending = isCut ? JSON_PARTIAL_END : JSON_END;
    if (isJsonPlain(source, start, end)) {
      this.put(this.head, source, start, end, ending);
      return;
    }
    // Without JSON.stringify's quotes: the head ends in the opening one, the ending starts with the closing one.
    const escaped = Buffer.from(JSON.stringify(source.toString('utf8', start, end)));
    this.put(this.head, escaped, 1, escaped.length - 1, ending);
  }

  /** head + source[start, end) + ending, into the batch, or as a batch of its own if it is larger than one. */
  private put(head: Buffer, source: Buffer, start: number, end: number, ending: Buffer): void {
    const need = head.length + end - start + ending.length;
    if (this.home.length - this.at < need) this.flush();
    const out = need <= this.home.length ? this.home : Buffer.allocUnsafe(need);
    let at = out === this.home ? this.at : 0;
    at += head.copy(out, at);
    at += source.copy(out, at, start, end);
    at += ending.copy(out, at);
    if (out === this.home) {
      this.at = at;
      this.count++;
    } else {
      this.options.sink.writeLines(out, 1, this.options.program);
    }
  }
}

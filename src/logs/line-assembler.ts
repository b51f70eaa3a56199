/**
 * Turns one process stream's chunks into whole lines for supd's own stdout/stderr (container mode
 * and the stdout_logfile=/dev/stdout idiom): a partial line waits for the rest of it, a line longer
 * than lineMaxBytes is cut into pieces, and each batch of lines is handed to the sink as one
 * buffer, so a line from one program is never glued to another's. Formats: plain, prefixed with
 * the process name ("web | ..."), or JSON lines. Pure; newlines are found with Buffer.indexOf, and
 * a batch is rendered into one shared scratch buffer (scratch-buffer.ts), not a new one per read.
 */
import { isJsonPlain } from './json-plain.js';
import type { ContainerLogFormat, OutputStream } from './log-settings.js';
import { SHARED_SCRATCH, type ScratchBuffer } from './scratch-buffer.js';

const NEWLINE = 10;
const QUOTE = 0x22;
const CLOSE_BRACE = 0x7d;
const EMPTY = Buffer.alloc(0);
const JSON_END = Buffer.from('}\n');
const JSON_PARTIAL_END = Buffer.from(',"partial":true}\n');

/**
 * Where whole lines go: one call per batch, `data` holds `lineCount` complete lines. `data` is
 * lent for the call only (it may be the shared scratch buffer or the caller's read buffer): a
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
  /** Where batches are rendered; SHARED_SCRATCH unless a test wants its own. */
  readonly scratch?: ScratchBuffer;
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
  // A batch is some explicit lines (a completed partial line, cut pieces, lines of a chunk that
  // holds a too-long line) followed by a run of ordinary lines inside one chunk, which is
  // described by its line ends only, so short lines cost no object each.
  private explicit: Buffer[] = [];
  private explicitCuts: boolean[] = [];
  private run: Buffer = EMPTY;
  private runStart = 0;
  private runCount = 0;
  private runEnds = new Int32Array(1024);
  private readonly prefix: Buffer;
  /** `"program":"web","stream":"stdout",`: the JSON fields that never change. */
  private readonly jsonFields: string;
  private readonly maxBytes: number;
  private readonly scratch: ScratchBuffer;
  /** The chunk being fed is the caller's reused buffer: output must not point into it. */
  private isBorrowed = false;

  constructor(private readonly options: LineAssemblerOptions) {
    this.prefix = Buffer.from(`${options.program} | `);
    this.jsonFields = `"program":${JSON.stringify(options.program)},"stream":${JSON.stringify(options.stream)},`;
    this.scratch = options.scratch ?? SHARED_SCRATCH;
    this.maxBytes = Math.max(1, options.lineMaxBytes);
  }

  get hasPartial(): boolean {
    return this.pendingBytes > 0;
  }

  /**
   * Takes ownership of chunk: a partial line at its end is kept by reference, not copied. With
   * isBorrowed (chunk is reused by the caller after this call) what is kept is copied instead.
   */
  feed(chunk: Buffer, isBorrowed = false): void {
    this.isBorrowed = isBorrowed;
    let pos = 0;
    if (this.pendingBytes > 0) {
      const nl = chunk.indexOf(NEWLINE);
      if (nl === -1) {
        this.pending.push(isBorrowed ? Buffer.from(chunk) : chunk);
        this.pendingBytes += chunk.length;
        this.cutPending();
        this.emit();
        return;
      }
      this.pending.push(chunk.subarray(0, nl));
      const line = Buffer.concat(this.pending);
      this.pending = [];
      this.pendingBytes = 0;
      this.addLine(line, 0, line.length);
      pos = nl + 1;
    }
    // Scan the chunk's lines, noting their ends, and whether any is too long.
    let ends = this.runEnds;
    let count = 0;
    let longest = 0;
    let p = pos;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, p);
      if (nl === -1) break;
      if (count === ends.length) {
        const grown = new Int32Array(ends.length * 2);
        grown.set(ends);
        ends = this.runEnds = grown;
      }
      ends[count++] = nl;
      if (nl - p > longest) longest = nl - p;
      p = nl + 1;
    }
    if (longest <= this.maxBytes) {
      this.run = chunk;
      this.runStart = pos;
      this.runCount = count;
    } else {
      let start = pos;
      for (let i = 0; i < count; i++) {
        this.addLine(chunk, start, ends[i]!);
        start = ends[i]! + 1;
      }
    }
    if (p < chunk.length) {
      this.pending.push(isBorrowed ? Buffer.from(chunk.subarray(p)) : chunk.subarray(p));
      this.pendingBytes = chunk.length - p;
      if (this.pendingBytes > this.maxBytes) this.materializeRun(); // its pieces go after the run
      this.cutPending();
    }
    this.emit();
  }

  /** Turns the run into explicit lines, so that explicit lines added next follow it. */
  private materializeRun(): void {
    let start = this.runStart;
    for (let i = 0; i < this.runCount; i++) {
      this.pushExplicit(this.run.subarray(start, this.runEnds[i]), false);
      start = this.runEnds[i]! + 1;
    }
    this.run = EMPTY;
    this.runCount = 0;
  }

  /** End of stream or a line left waiting too long: what is held goes out as a line of its own. */
  flushPartial(): void {
    if (this.pendingBytes === 0) return;
    const line = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    this.isBorrowed = false;
    this.addLine(line, 0, line.length);
    this.emit();
  }

  private cutPending(): void {
    if (this.pendingBytes <= this.maxBytes) return;
    const held = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    let start = 0;
    while (held.length - start > this.maxBytes) {
      const cut = cutPoint(held, start, start + this.maxBytes);
      this.pushExplicit(held.subarray(start, cut), true);
      start = cut;
    }
    this.pending = [held.subarray(start)];
    this.pendingBytes = held.length - start;
  }

  private addLine(buf: Buffer, start: number, end: number): void {
    while (end - start > this.maxBytes) {
      const cut = cutPoint(buf, start, start + this.maxBytes);
      this.pushExplicit(buf.subarray(start, cut), true);
      start = cut;
    }
    this.pushExplicit(buf.subarray(start, end), false);
  }

  private pushExplicit(line: Buffer, isCut: boolean): void {
    this.explicit.push(line);
    this.explicitCuts.push(isCut);
  }

  private emit(): void {
    const count = this.explicit.length + this.runCount;
    if (count === 0) return;
    let data: Buffer;
    switch (this.options.format) {
      case 'plain':
        data = this.render(EMPTY);
        break;
      case 'prefixed':
        data = this.render(this.prefix);
        break;
      case 'json':
        data = this.renderJson();
        break;
    }
    this.explicit = [];
    this.explicitCuts = [];
    this.run = EMPTY;
    this.runCount = 0;
    try {
      this.options.sink.writeLines(data, count, this.options.program);
    } finally {
      this.scratch.release(data);
    }
  }

  private render(prefix: Buffer): Buffer {
    const { explicit, run, runStart, runCount, runEnds } = this;
    const runBytes = runCount === 0 ? 0 : runEnds[runCount - 1]! + 1 - runStart;
    // Plain lines of one chunk with their own newlines are already the output: no copy (a
    // borrowed chunk too: the sink copies what it cannot write at once).
    if (prefix.length === 0 && explicit.length === 0) return run.subarray(runStart, runStart + runBytes);
    const prefixLength = prefix.length;
    const runOut = runBytes + runCount * prefixLength;
    let total = runOut;
    for (const line of explicit) total += prefixLength + line.length + 1;
    const out = this.scratch.take(total);
    let at = 0;
    for (const line of explicit) {
      out.set(prefix, at);
      at += prefixLength;
      out.set(line, at);
      at += line.length;
      out[at++] = NEWLINE;
    }
    if (runBytes === 0) return out;
    if (prefixLength === 0) {
      run.copy(out, at, runStart, runStart + runBytes);
      return out;
    }
    // The run's lines are copied once, in one piece, to the end of out; each line is then moved
    // forward in out to make room for its prefix (copyWithin: no per-line view objects). A line
    // never lands past where a later line still waits: line i moves by (runCount - i) prefixes.
    const base = total - runBytes - runStart;
    run.copy(out, total - runBytes, runStart, runStart + runBytes);
    let start = runStart;
    for (let i = 0; i < runCount; i++) {
      const end = runEnds[i]! + 1;
      for (let k = 0; k < prefixLength; k++) out[at + k] = prefix[k]!;
      at += prefixLength;
      out.copyWithin(at, base + start, base + end);
      at += end - start;
      start = end;
    }
    return out;
  }

  /**
   * One JSON object per line, byte for byte what JSON.stringify({time, program, stream, line})
   * gives, without a string per line: a line of printable ASCII and valid UTF-8 (nearly every log
   * line) is copied as it is; only a line with a quote, backslash, control byte or invalid UTF-8
   * goes through JSON.stringify. A run whose lines are all plain is checked in one pass and moved
   * into place as render() does.
   */
  private renderJson(): Buffer {
    const time = (this.options.now?.() ?? new Date()).toISOString();
    const head = Buffer.from(`{"time":"${time}",${this.jsonFields}"line":"`);
    const { explicit, explicitCuts, run, runStart, runCount, runEnds } = this;
    const runBytes = runCount === 0 ? 0 : runEnds[runCount - 1]! + 1 - runStart;
    const isRunPlain = runCount > 0 && isJsonPlain(run, runStart, runStart + runBytes);
    // A plain line gains the head, two quotes (one is in head), "}" and its newline stays.
    const runOut = isRunPlain ? runBytes + runCount * (head.length + 2) : 0;
    const perLine = head.length + 1 + JSON_PARTIAL_END.length;
    let unrendered = runOut; // counted for what is not rendered yet
    for (const line of explicit) unrendered += line.length + perLine;
    if (!isRunPlain) unrendered += runBytes + runCount * perLine;
    let out = this.scratch.take(unrendered);
    let at = 0;
    const record = (source: Buffer, start: number, end: number, isCut: boolean): void => {
      unrendered -= end - start + perLine;
      if (!isCut && end > start && source[end - 1] === 13) end--; // CRLF line ending
      const ending = isCut ? JSON_PARTIAL_END : JSON_END;
      if (isJsonPlain(source, start, end)) {
        out.set(head, at);
        at += head.length;
        at += source.copy(out, at, start, end);
        out[at++] = QUOTE;
      } else {
        const text = JSON.stringify(source.toString('utf8', start, end));
        const need = head.length + 3 * text.length + ending.length;
        // Escapes can make a line longer than was counted for it.
        if (out.length - at < need + unrendered) {
          const grown = Buffer.allocUnsafe(Math.max(2 * out.length, at + need + unrendered));
          out.copy(grown, 0, 0, at);
          this.scratch.release(out);
          out = grown;
        }
        out.set(head, at);
        at += head.length - 1; // JSON.stringify brings its own opening quote
        at += out.write(text, at);
      }
      out.set(ending, at);
      at += ending.length;
    };
    explicit.forEach((line, i) => record(line, 0, line.length, explicitCuts[i]!));
    if (!isRunPlain) {
      let start = runStart;
      for (let i = 0; i < runCount; i++) {
        record(run, start, runEnds[i]!, false);
        start = runEnds[i]! + 1;
      }
      return out.subarray(0, at);
    }
    // As in render(): the run is copied once to the end of its space, and each line moved forward
    // into place; a line's output is longer than its input, so no line lands on one not yet moved.
    const end = at + runOut;
    const base = end - runBytes - runStart;
    run.copy(out, end - runBytes, runStart, runStart + runBytes);
    let start = runStart;
    for (let i = 0; i < runCount; i++) {
      const nl = runEnds[i]!;
      out.set(head, at);
      at += head.length;
      out.copyWithin(at, base + start, base + nl);
      at += nl - start;
      out[at++] = QUOTE;
      out[at++] = CLOSE_BRACE;
      out[at++] = NEWLINE;
      start = nl + 1;
    }
    return out.subarray(0, at);
  }
}


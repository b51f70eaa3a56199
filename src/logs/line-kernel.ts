/**
 * Container logging's inner loop, in WebAssembly with SIMD (line-kernel.wat): one call copies
 * every ordinary line of a read behind its prefix ("web | ") or into its JSON record. In JS the
 * same work took two native calls per line (Buffer.indexOf, then a copy), ~50 ns a line, which
 * held prefixed container mode at 0.67x the raw pipe rate for 100-byte lines; the kernel takes
 * ~8 ns a line. Pure computation over memory the kernel owns:
 *   - an input area, which pipe-reader.ts reads child output into, so those chunks are rendered
 *     where they lie;
 *   - a staging area, where any other chunk is copied first (not the input area: a read there
 *     may still be in use by the caller of the assembler that is fed a transformed copy of it);
 *   - an affix area: the suffix, then the prefix, of the assembler using the kernel;
 *   - an output area, where line-assembler.ts renders a batch that its sink then writes.
 * Where WebAssembly, or its SIMD, is unavailable (node --jitless, an x86 CPU without SSE4.1, or
 * the memory cannot be had), the kernel still owns the same areas but renders nothing
 * (canRender false), and line-assembler.ts renders each line in JS.
 */
import { LINE_KERNEL_WASM } from './line-kernel-wasm.js';

const KiB = 1024;
/** The input area: as large as an enlarged pipe (F_SETPIPE_SZ) hands over in one read. */
export const INPUT_BYTES = 1024 * KiB;
/** The output area: one batch; a read that renders to more is written in several batches. */
export const OUTPUT_BYTES = 2048 * KiB;
/** The longest line the kernel copies; longer ones (lineMaxBytes allows up to any size) go through JS. */
export const KERNEL_MAX_LINE_BYTES = 64 * KiB;
/** Room the kernel needs in the output area to start a line: prefix, line, and one block of overrun. */
export const KERNEL_LINE_ROOM_BYTES = 17;

const BLOCK = 16;
/** The kernel reads and writes whole 16-byte blocks past an area's end: each is followed by this much. */
const SLACK_BYTES = 64 * KiB;
const AFFIX_BYTES = 64 * KiB;
const SUFFIX_AT = 0;
const PREFIX_AT = BLOCK;
const MAX_PREFIX_BYTES = AFFIX_BYTES - PREFIX_AT - BLOCK;
const INPUT_AT = AFFIX_BYTES;
const STAGING_AT = INPUT_AT + INPUT_BYTES + SLACK_BYTES;
const OUTPUT_AT = STAGING_AT + INPUT_BYTES + SLACK_BYTES;
const MEMORY_BYTES = OUTPUT_AT + OUTPUT_BYTES + SLACK_BYTES;
const WASM_PAGE_BYTES = 64 * KiB;

/** The few WebAssembly globals used here: TypeScript declares them only in its DOM library. */
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
};

interface KernelExports {
  renderLines(
    start: number,
    end: number,
    out: number,
    outEnd: number,
    prefix: number,
    prefixLength: number,
    suffix: number,
    suffixLength: number,
    maxLine: number,
    asciiOnly: number,
  ): number;
  scanLines(start: number, end: number, maxLine: number): number;
  readonly outEnd: { readonly value: number };
  readonly lineCount: { readonly value: number };
}

export class LineKernel {
  /** Where pipe-reader.ts reads child output; chunks read here are rendered without a copy. */
  readonly input: Buffer;
  /** Where a batch is rendered; lent to one assembler at a time (tryAcquire). */
  readonly output: Buffer;
  /** Where the output of the last renderLines ends, in output. */
  lastOutEnd = 0;
  /** How many lines the last renderLines rendered, or scanLines counted. */
  lastLineCount = 0;
  private isBusy = false;
  private prefixLength = 0;
  private suffixLength = 0;

  constructor(
    private readonly memory: Buffer,
    private readonly kernel: KernelExports | null,
  ) {
    this.input = memory.subarray(INPUT_AT, INPUT_AT + INPUT_BYTES);
    this.output = memory.subarray(OUTPUT_AT, OUTPUT_AT + OUTPUT_BYTES);
  }

  /** Whether renderLines and scanLines do anything: false where WebAssembly SIMD is unavailable. */
  get canRender(): boolean {
    return this.kernel !== null;
  }

  /**
   * The output and affix areas for one assembler's feed. False while another holds them (a sink
   * that feeds an assembler from inside writeLines): that caller renders into memory of its own.
   */
  tryAcquire(): boolean {
    if (this.isBusy) return false;
    this.isBusy = true;
    return true;
  }

  release(): void {
    this.isBusy = false;
  }

  /** What goes before and after (in the newline's place) each line; false when they do not fit. */
  setAffixes(prefix: Buffer, suffix: Buffer): boolean {
    if (prefix.length > MAX_PREFIX_BYTES || suffix.length > BLOCK) return false;
    prefix.copy(this.memory, PREFIX_AT);
    suffix.copy(this.memory, SUFFIX_AT);
    this.prefixLength = prefix.length;
    this.suffixLength = suffix.length;
    return true;
  }

  /** Whether renderLines, given output from outAt, would start a line of up to maxLine bytes. */
  hasRoomForLine(outAt: number, maxLine: number): boolean {
    return OUTPUT_BYTES - outAt >= this.prefixLength + Math.min(maxLine, KERNEL_MAX_LINE_BYTES) + KERNEL_LINE_ROOM_BYTES;
  }

  /**
   * Renders the whole lines of chunk[start, end) into output from outAt, each as prefix + line +
   * suffix, and returns where in chunk it stopped: before an unfinished line, a line longer than
   * maxLine (at most KERNEL_MAX_LINE_BYTES), with asciiOnly a line with a byte JSON would escape
   * or that is not ASCII, or a line that might not fit in the output area (less than prefix +
   * maxLine + KERNEL_LINE_ROOM_BYTES left). lastOutEnd and lastLineCount then say what was rendered.
   */
  renderLines(chunk: Buffer, start: number, end: number, outAt: number, maxLine: number, asciiOnly: boolean): number {
    const kernel = this.kernel;
    this.lastOutEnd = outAt;
    this.lastLineCount = 0;
    if (kernel === null) return start;
    end = placedEnd(start, end);
    const base = this.place(chunk, start, end);
    const stop = kernel.renderLines(
      base + start,
      base + end,
      OUTPUT_AT + outAt,
      OUTPUT_AT + OUTPUT_BYTES,
      PREFIX_AT,
      this.prefixLength,
      SUFFIX_AT,
      this.suffixLength,
      Math.min(maxLine, KERNEL_MAX_LINE_BYTES),
      asciiOnly ? 1 : 0,
    );
    this.lastOutEnd = kernel.outEnd.value - OUTPUT_AT;
    this.lastLineCount = kernel.lineCount.value;
    return stop - base;
  }

  /**
   * Counts the whole lines of chunk[start, end) before the first that is unfinished or longer
   * than maxLine, and returns where that one starts; lastLineCount says how many.
   */
  scanLines(chunk: Buffer, start: number, end: number, maxLine: number): number {
    const kernel = this.kernel;
    this.lastLineCount = 0;
    if (kernel === null) return start;
    end = placedEnd(start, end);
    const base = this.place(chunk, start, end);
    const stop = kernel.scanLines(base + start, base + end, maxLine);
    this.lastLineCount = kernel.lineCount.value;
    return stop - base;
  }

  /**
   * Where chunk[0] is, or would be, in the kernel's memory: chunk itself when it lies in the
   * input area, else chunk[start, end) is copied to the staging area (end from placedEnd()).
   */
  private place(chunk: Buffer, start: number, end: number): number {
    const offset = chunk.byteOffset - this.memory.byteOffset;
    if (chunk.buffer === this.memory.buffer && offset >= INPUT_AT && offset + end <= INPUT_AT + INPUT_BYTES) return offset;
    chunk.copy(this.memory, STAGING_AT, start, end);
    return STAGING_AT - start;
  }
}

/**
 * How much of chunk[start, end) one call takes: all of a chunk in the input area (it is no
 * larger), at most what the staging area holds of any other.
 */
function placedEnd(start: number, end: number): number {
  return Math.min(end, start + INPUT_BYTES);
}

/** A kernel of its own (tests: withWasm false stands for a Node without WebAssembly SIMD). */
export function createLineKernel({ withWasm = true } = {}): LineKernel {
  if (withWasm) {
    try {
      const pages = Math.ceil(MEMORY_BYTES / WASM_PAGE_BYTES);
      // A fixed size: growing would detach the memory's ArrayBuffer, and with it every Buffer
      // (input, output, the chunks and batches lent out) that views it.
      const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
      const module = new WebAssembly.Module(Buffer.from(LINE_KERNEL_WASM, 'base64'));
      const instance = new WebAssembly.Instance(module, { host: { memory } });
      return new LineKernel(Buffer.from(memory.buffer), instance.exports as unknown as KernelExports);
    } catch {
      // No WebAssembly, no SIMD, or no address space for the memory: lines are rendered in JS.
    }
  }
  return new LineKernel(Buffer.allocUnsafeSlow(MEMORY_BYTES), null);
}

let shared: LineKernel | undefined;

/** The kernel every pipe reader and line assembler shares: reads and batches happen one at a time. */
export function sharedLineKernel(): LineKernel {
  return (shared ??= createLineKernel());
}

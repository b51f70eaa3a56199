/**
 * The body of GET /jobtail/ID (rpc/job-tail.ts), which `supctl link` follows: the job's output
 * as frames that carry the stream and the absolute offset of their bytes, so the client knows
 * exactly where it stopped. Pure: an encoder and an incremental decoder that takes chunks split
 * anywhere. Each frame is one header line, then for data frames `length` raw bytes:
 *
 *     stdout <offset> <length>\n<bytes>     output of the job
 *     stderr <offset> <length>\n<bytes>
 *     lost <stream> <count>\n               bytes that were dropped from the ring before the next ones
 *     end <state> <exitstatus> <signal|->\n the job has ended and every byte was sent; the body ends
 */
import type { JobStateName, JobStream } from '../core/job-table.js';

export type JobStreamEvent =
  | { readonly type: 'data'; readonly stream: JobStream; readonly offset: number; readonly data: Buffer }
  | { readonly type: 'lost'; readonly stream: JobStream; readonly count: number }
  | { readonly type: 'end'; readonly state: JobStateName; readonly exitstatus: number; readonly signal: string | null };

export const JOB_STREAM_CONTENT_TYPE = 'application/x-supd-job-stream';

/** The header of a data frame; its bytes follow it. */
export function encodeDataHeader(stream: JobStream, offset: number, length: number): Buffer {
  return Buffer.from(`${stream} ${offset} ${length}\n`, 'latin1');
}

export function encodeLost(stream: JobStream, count: number): Buffer {
  return Buffer.from(`lost ${stream} ${count}\n`, 'latin1');
}

export function encodeEnd(state: JobStateName, exitstatus: number, signal: string | null): Buffer {
  return Buffer.from(`end ${state} ${exitstatus} ${signal ?? '-'}\n`, 'latin1');
}

/** A header line longer than this is not from supd. */
const MAX_HEADER = 256;

/** A body that does not follow the framing: the server is not supd, or the body was cut oddly. */
export class JobStreamError extends Error {
  override readonly name = 'JobStreamError';
}

/** Incremental decoder: feed() it chunks as they arrive; it returns the frames completed by each. */
export class JobStreamDecoder {
  private header = '';
  /** Set while a data frame's bytes are being read: where the next of them belongs. */
  private data: { stream: JobStream; offset: number; remaining: number } | null = null;

  /**
   * The events completed by `chunk`. A data frame split across chunks comes out as one data event
   * per piece, each with its own offset, without copying: views into `chunk`.
   */
  feed(chunk: Buffer): JobStreamEvent[] {
    const events: JobStreamEvent[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.data !== null) {
        const take = Math.min(this.data.remaining, chunk.length - at);
        events.push({ type: 'data', stream: this.data.stream, offset: this.data.offset, data: chunk.subarray(at, at + take) });
        this.data.offset += take;
        this.data.remaining -= take;
        at += take;
        if (this.data.remaining === 0) this.data = null;
        continue;
      }
      const newline = chunk.indexOf(0x0a, at);
      const end = newline === -1 ? chunk.length : newline;
      this.header += chunk.toString('latin1', at, end);
      if (this.header.length > MAX_HEADER) throw new JobStreamError(`frame header too long: ${this.header.slice(0, 40)}...`);
      at = end;
      if (newline === -1) break;
      at += 1;
      const line = this.header;
      this.header = '';
      const event = this.parseHeader(line);
      if (event !== null) events.push(event);
    }
    return events;
  }

  /** Whether the decoder is between frames (a body that ends elsewhere was cut). */
  get isBetweenFrames(): boolean {
    return this.data === null && this.header === '';
  }

  private parseHeader(line: string): JobStreamEvent | null {
    const parts = line.split(' ');
    const [kind] = parts;
    if ((kind === 'stdout' || kind === 'stderr') && parts.length === 3) {
      const offset = wholeNumber(parts[1]);
      const length = wholeNumber(parts[2]);
      if (offset !== null && length !== null) {
        if (length === 0) return { type: 'data', stream: kind, offset, data: Buffer.alloc(0) };
        this.data = { stream: kind, offset, remaining: length };
        return null;
      }
    }
    if (kind === 'lost' && parts.length === 3 && (parts[1] === 'stdout' || parts[1] === 'stderr')) {
      const count = wholeNumber(parts[2]);
      if (count !== null) return { type: 'lost', stream: parts[1], count };
    }
    if (kind === 'end' && parts.length === 4 && (parts[1] === 'running' || parts[1] === 'exited' || parts[1] === 'killed')) {
      const exitstatus = Number.parseInt(parts[2] ?? '', 10);
      if (Number.isInteger(exitstatus)) return { type: 'end', state: parts[1], exitstatus, signal: parts[3] === '-' ? null : (parts[3] ?? null) };
    }
    throw new JobStreamError(`unexpected frame header: ${JSON.stringify(line.slice(0, 80))}`);
  }
}

function wholeNumber(text: string | undefined): number | null {
  if (text === undefined || !/^\d{1,15}$/.test(text)) return null;
  return Number(text);
}

import { describe, expect, it } from 'vitest';
import { encodeDataHeader, encodeEnd, encodeLost, JobStreamDecoder, JobStreamError, type JobStreamEvent } from '../../../src/rpc/job-stream.js';

const body = Buffer.concat([
  encodeDataHeader('stdout', 0, 4), Buffer.from('one\n'),
  encodeLost('stderr', 12),
  encodeDataHeader('stderr', 12, 5), Buffer.from('t\nw\no'),
  encodeDataHeader('stdout', 4, 0),
  encodeEnd('killed', 143, 'SIGTERM'),
]);

/** Decoded events, with the pieces of one data frame put back together (they must follow on). */
function decodeIn(pieces: Buffer[]): JobStreamEvent[] {
  const decoder = new JobStreamDecoder();
  const events: JobStreamEvent[] = [];
  for (const event of pieces.flatMap((piece) => decoder.feed(piece))) {
    const last = events.at(-1);
    if (event.type === 'data' && last?.type === 'data' && last.stream === event.stream && last.offset + last.data.length === event.offset && event.data.length > 0) {
      events[events.length - 1] = { ...last, data: Buffer.concat([last.data, event.data]) };
    } else {
      events.push(event);
    }
  }
  return events;
}

const expected: JobStreamEvent[] = [
  { type: 'data', stream: 'stdout', offset: 0, data: Buffer.from('one\n') },
  { type: 'lost', stream: 'stderr', count: 12 },
  { type: 'data', stream: 'stderr', offset: 12, data: Buffer.from('t\nw\no') },
  { type: 'data', stream: 'stdout', offset: 4, data: Buffer.alloc(0) },
  { type: 'end', state: 'killed', exitstatus: 143, signal: 'SIGTERM' },
];

describe('the job stream framing', () => {
  it('decodes frames from one chunk', () => {
    expect(decodeIn([body])).toEqual(expected);
  });

  it('decodes the same frames however the body is split, newlines inside data included', () => {
    for (let cut = 1; cut < body.length; cut++) {
      expect(decodeIn([body.subarray(0, cut), body.subarray(cut)])).toEqual(expected);
    }
    expect(decodeIn([...body].map((byte) => Buffer.from([byte])))).toEqual(expected);
  });

  it('rejects a body that is not supd framing, saying what it saw', () => {
    expect(() => new JobStreamDecoder().feed(Buffer.from('<html>\n'))).toThrow(JobStreamError);
    expect(() => new JobStreamDecoder().feed(Buffer.from('<html>\n'))).toThrow(/unexpected frame header: "<html>"/);
  });
});

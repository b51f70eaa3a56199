import { describe, expect, it } from 'vitest';
import { BoundCapture, CaptureSplitter, prefixAtEnd, BEGIN_TOKEN } from '../../../src/logs/capture-mode.js';

function run(chunks: string[]): { log: string; captured: string[]; events: string[] } {
  let log = '';
  let current = '';
  const captured: string[] = [];
  const events: string[] = [];
  const splitter = new CaptureSplitter(
    (segment, isCapturing) => {
      if (isCapturing) current += segment.toString();
      else log += segment.toString();
    },
    (isCapturing) => {
      events.push(isCapturing ? 'begin' : 'end');
      if (!isCapturing) {
        captured.push(current);
        current = '';
      }
    },
  );
  for (const chunk of chunks) splitter.feed(Buffer.from(chunk));
  splitter.end();
  return { log, captured, events };
}

describe('capture mode', () => {
  it('sends the bytes between the markers aside and the rest to the log', () => {
    const out = run(['before <!--XSUPERVISOR:BEGIN-->payload<!--XSUPERVISOR:END--> after\n']);
    expect(out).toEqual({ log: 'before  after\n', captured: ['payload'], events: ['begin', 'end'] });
  });

  it('finds markers split across two reads', () => {
    const out = run(['x<!--XSUPER', 'VISOR:BEGIN-->pay', 'load<!--XSUPERVISOR:E', 'ND-->y']);
    expect(out).toEqual({ log: 'xy', captured: ['payload'], events: ['begin', 'end'] });
  });

  it('finds a marker arriving one byte per read', () => {
    const out = run([...'a<!--XSUPERVISOR:BEGIN-->b<!--XSUPERVISOR:END-->c']);
    expect(out).toEqual({ log: 'ac', captured: ['b'], events: ['begin', 'end'] });
  });

  it('logs held bytes that only looked like a marker when the pipe ends', () => {
    expect(run(['tail <!--XSUP']).log).toBe('tail <!--XSUP');
  });

  it('handles several blocks in one read', () => {
    const out = run(['<!--XSUPERVISOR:BEGIN-->1<!--XSUPERVISOR:END-->-<!--XSUPERVISOR:BEGIN-->2<!--XSUPERVISOR:END-->']);
    expect(out).toEqual({ log: '-', captured: ['1', '2'], events: ['begin', 'end', 'begin', 'end'] });
  });

  it('measures the held suffix as medusa find_prefix_at_end', () => {
    expect(prefixAtEnd(Buffer.from('abc<!--XS'), BEGIN_TOKEN)).toBe(6);
    expect(prefixAtEnd(Buffer.from('abc'), BEGIN_TOKEN)).toBe(0);
  });
});

describe('capture_maxbytes (loggers.py BoundIO)', () => {
  it('drops as many bytes from the front as a write brings when it would overflow', () => {
    const capture = new BoundCapture(5);
    capture.write(Buffer.from('abcd'));
    capture.write(Buffer.from('ef'));
    // BoundIO: len(buf)+len(b) > maxbytes -> buf = buf[len(b):]; buf += b
    expect(capture.value().toString()).toBe('cdef');
  });
});

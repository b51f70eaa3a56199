import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LogNotice } from '../../../src/logs/log-settings.js';
import { StdSink, type WritevFn } from '../../../src/logs/std-sink.js';

/** A stdout whose reader we control: each writev waits until the test lets it through. */
function slowStdout() {
  const written: string[] = [];
  const pending: (() => void)[] = [];
  const writev: WritevFn = (_fd, buffers) =>
    new Promise((resolve) => {
      pending.push(() => {
        written.push(Buffer.concat(buffers).toString());
        resolve(buffers.reduce((n, b) => n + b.length, 0));
      });
    });
  const release = (): void => pending.splice(0).forEach((go) => go());
  return { writev, written, release, pendingWrites: () => pending.length };
}

const sinks: StdSink[] = [];
afterEach(() => sinks.splice(0).forEach((s) => s.close()));

function sink(writev: WritevFn, notices: LogNotice[] = [], maxQueuedBytes = 16, dropNoticeIntervalMs = 10): StdSink {
  const s = new StdSink({ fd: 1, name: 'stdout', writev, maxQueuedBytes, dropNoticeIntervalMs, onNotice: (n) => notices.push(n) });
  sinks.push(s);
  return s;
}

describe("supd's stdout sink", () => {
  it('writes batches in the order they came, batching what queued during a write', async () => {
    const out = slowStdout();
    const s = sink(out.writev, [], 1024);
    s.writeLines(Buffer.from('a\n'), 1, 'web');
    s.writeLines(Buffer.from('b\n'), 1, 'db');
    s.writeLines(Buffer.from('c\n'), 1, 'web');
    await vi.waitFor(() => expect(out.pendingWrites()).toBe(1));
    out.release();
    await vi.waitFor(() => expect(out.pendingWrites()).toBe(1));
    out.release();
    await s.flush();
    expect(out.written).toEqual(['a\n', 'b\nc\n']);
  });

  it('drops whole batches past maxQueuedBytes, counts them per program and reports once per interval', async () => {
    const out = slowStdout();
    const notices: LogNotice[] = [];
    const s = sink(out.writev, notices, 16);
    s.writeLines(Buffer.from('0123456789\n'), 1, 'web'); // 11 bytes queued (in flight)
    s.writeLines(Buffer.from('abcdefgh\n'), 1, 'web'); // would make 20 > 16: dropped
    s.writeLines(Buffer.from('x\ny\n'), 2, 'db'); // 15: kept
    s.writeLines(Buffer.from('z\n'), 1, 'db'); // 17: dropped
    expect(s.stats()).toMatchObject({ droppedLines: 2, droppedBytes: 11, queuedBytes: 15, droppedLinesByProgram: { web: 1, db: 1 } });
    await vi.waitFor(() => expect(notices).toHaveLength(1));
    expect(notices[0]).toEqual({ level: 'warn', message: 'supd stdout is congested (0.0 MiB queued): dropped 1 lines from web, 1 lines from db' });
    out.release();
    await vi.waitFor(() => expect(out.pendingWrites()).toBe(1));
    out.release();
    await s.flush();
    expect(out.written.join('')).toBe('0123456789\nx\ny\n');
  });

  it('keeps its own copy of what it queues: a batch is lent for the call only', async () => {
    const out = slowStdout();
    const s = sink(out.writev, [], 1024);
    const lent = Buffer.from('first\n');
    s.writeLines(lent, 1, 'web');
    lent.write('reused');
    await vi.waitFor(() => expect(out.pendingWrites()).toBe(1));
    out.release();
    await s.flush();
    expect(out.written).toEqual(['first\n']);
  });

  it('keeps the rest of a partly written batch for the next write', async () => {
    const chunks: string[] = [];
    let calls = 0;
    const writev: WritevFn = async (_fd, buffers) => {
      const all = Buffer.concat(buffers);
      const n = calls++ === 0 ? 3 : all.length;
      chunks.push(all.subarray(0, n).toString());
      return n;
    };
    const s = sink(writev, [], 1024);
    s.writeLines(Buffer.from('hello\n'), 1, 'web');
    await s.flush();
    expect(chunks).toEqual(['hel', 'lo\n']);
  });

  it('retries after EAGAIN without losing lines', async () => {
    let calls = 0;
    const written: string[] = [];
    const writev: WritevFn = async (_fd, buffers) => {
      if (calls++ === 0) throw Object.assign(new Error('EAGAIN: resource temporarily unavailable, write'), { code: 'EAGAIN' });
      written.push(Buffer.concat(buffers).toString());
      return buffers.reduce((n, b) => n + b.length, 0);
    };
    const s = sink(writev, [], 1024);
    s.writeLines(Buffer.from('line\n'), 1, 'web');
    await s.flush();
    expect(written).toEqual(['line\n']);
    expect(s.stats().droppedLines).toBe(0);
  });

  it('drops and counts lines when its stdout is gone (EPIPE), reporting one error', async () => {
    const notices: LogNotice[] = [];
    const writev: WritevFn = async () => {
      throw Object.assign(new Error('EPIPE: broken pipe, write'), { code: 'EPIPE' });
    };
    const s = sink(writev, notices, 1024, 60_000);
    s.writeLines(Buffer.from('a\nb\n'), 2, 'web');
    await s.flush();
    expect(s.stats()).toMatchObject({ droppedLines: 2, queuedBytes: 0 });
    expect(notices.filter((n) => n.level === 'error')).toHaveLength(1);
    expect(notices[0]!.message).toContain('EPIPE');
  });
});

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

  it("queues supd's own log lines past a queue full of programs' lines, in their turn", async () => {
    const out = slowStdout();
    const s = sink(out.writev, [], 16);
    s.writeLines(Buffer.from('0123456789\n'), 1, 'web'); // 11 of 16
    s.writeLines(Buffer.from('abcdef\n'), 1, 'web'); // 18 > 16: dropped
    s.writeOwnLine(Buffer.from('supd: exited: web\n')); // 29: kept
    expect(s.stats()).toMatchObject({ droppedLines: 1, queuedBytes: 29, droppedLinesByProgram: { web: 1 } });
    await vi.waitFor(() => expect(out.pendingWrites()).toBe(1));
    out.release();
    await vi.waitFor(() => expect(out.pendingWrites()).toBe(1));
    out.release();
    await s.flush();
    expect(out.written.join('')).toBe('0123456789\nsupd: exited: web\n');
  });

  describe('holding programs back while its reader is slow', () => {
    function throttled(maxThrottleMs: number, notices: LogNotice[] = []) {
      const out = slowStdout();
      let clock = 0;
      const s = new StdSink({ fd: 1, name: 'stdout', writev: out.writev, maxQueuedBytes: 80, maxThrottleMs, dropNoticeIntervalMs: 10, now: () => clock, onNotice: (n) => notices.push(n) });
      sinks.push(s);
      const told: boolean[] = [];
      s.onThrottle((isThrottled) => told.push(isThrottled));
      return { s, out, told, tick: (ms: number) => (clock += ms) };
    }
    const line = (c: string): Buffer => Buffer.from(`${c.repeat(19)}\n`); // 20 bytes

    it('asks to hold programs back at half the queue, and lets them go on at an eighth, counting the time', async () => {
      const notices: LogNotice[] = [];
      const { s, out, told, tick } = throttled(60_000, notices);
      s.writeLines(line('a'), 1, 'web'); // 20 of 80 queued
      expect(told).toEqual([]);
      s.writeLines(line('b'), 1, 'web'); // 40: half
      expect(told).toEqual([true]);
      s.writeLines(line('c'), 1, 'web');
      expect(told).toEqual([true]);
      tick(250);
      await vi.waitFor(() => expect(out.pendingWrites()).toBe(1));
      out.release(); // 'a' written: 40 left, more than an eighth
      await vi.waitFor(() => expect(out.pendingWrites()).toBe(1));
      expect(told).toEqual([true]);
      out.release(); // the rest: 0 left
      await s.flush();
      expect(told).toEqual([true, false]);
      expect(s.stats()).toMatchObject({ droppedLines: 0, throttledMs: 250 });
      expect(out.written.join('')).toBe(`${line('a')}${line('b')}${line('c')}`);
      await vi.waitFor(() => expect(notices.map((n) => n.message)).toEqual(['supd stdout is slow to be read: programs were held back for 250 ms']));
    });

    it('holds programs back at most maxThrottleMs at a time, then drops until the queue drains', async () => {
      const notices: LogNotice[] = [];
      const { s, out, told } = throttled(20, notices);
      for (const c of 'abc') s.writeLines(line(c), 1, 'web'); // 60 queued, held back
      expect(told).toEqual([true]);
      await vi.waitFor(() => expect(told).toEqual([true, false]));
      expect(notices.map((n) => `${n.level}: ${n.message}`)).toContainEqual(expect.stringMatching(/^warn: .*did not drain in 0\.0 s/));
      s.writeLines(line('d'), 1, 'web'); // 80: fits, and no longer holds anyone back
      s.writeLines(line('e'), 1, 'db'); // 100 > 80: dropped
      expect(told).toEqual([true, false]);
      expect(s.stats()).toMatchObject({ droppedLines: 1, droppedLinesByProgram: { db: 1 } });
      while (s.stats().queuedBytes > 0) {
        await vi.waitFor(() => expect(out.pendingWrites()).toBe(1));
        out.release();
        await new Promise((resolve) => setImmediate(resolve));
      }
      // Drained: a congestion again holds programs back again.
      s.writeLines(line('f'), 1, 'web');
      s.writeLines(line('g'), 1, 'web');
      expect(told).toEqual([true, false, true]);
      await vi.waitFor(() => expect(out.pendingWrites()).toBe(1));
      out.release();
      await vi.waitFor(() => expect(out.pendingWrites()).toBe(1));
      out.release();
      await s.flush();
      expect(told).toEqual([true, false, true, false]);
    });

    it('lets held-back programs go on when it is closed', () => {
      const { s, told } = throttled(60_000);
      for (const c of 'ab') s.writeLines(line(c), 1, 'web');
      s.close();
      expect(told).toEqual([true, false]);
    });
  });
});

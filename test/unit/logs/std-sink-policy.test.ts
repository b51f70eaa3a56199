import { describe, expect, it } from 'vitest';
import { StdSinkPolicy, type SinkEffect, type StdSinkLimits } from '../../../src/logs/std-sink-policy.js';

// The policy alone: no fd, no timer. Time is a number passed in; effects are read as data.
const LIMITS: StdSinkLimits = { name: 'stdout', maxQueuedBytes: 80, maxThrottleMs: 1000, dropNoticeIntervalMs: 5000 };
const line = (c: string): Buffer => Buffer.from(`${c.repeat(19)}\n`); // 20 bytes

/** The injected clock: each test sets it before the event that happens at that time. */
let time = 0;

function policy(limits: Partial<StdSinkLimits> = {}): StdSinkPolicy {
  time = 0;
  return new StdSinkPolicy({ ...LIMITS, ...limits }, () => time);
}

/** Sets the clock to `ms` and passes `then` through: `at(5, p).offer(...)`. */
function at<T>(ms: number, then: T): T {
  time = ms;
  return then;
}

/** The effects without the buffers of a write, which are compared as text. */
function shown(effects: readonly SinkEffect[]): unknown[] {
  return effects.map((e) => (e.type === 'write' ? { type: 'write', text: Buffer.concat(e.buffers).toString() } : e));
}

const notices = (effects: readonly SinkEffect[]): string[] => effects.flatMap((e) => (e.type === 'notice' ? [`${e.notice.level}: ${e.notice.message}`] : []));

describe('the writer phase of the stdout sink policy', () => {
  it('lets a batch go straight to the fd only while idle with nothing queued', () => {
    const p = policy();
    expect(p.mayWriteDirect()).toEqual(true);
    p.offer(line('a'), 1, 'web', 80, false); // idle -> writing
    expect(p.phases().writer).toEqual({ name: 'writing', buffers: 1 });
    expect(p.mayWriteDirect()).toEqual(false);
    expect(shown(at(1, p).written(20))).toEqual([{ type: 'drained' }]);
    expect(p.phases().writer).toEqual({ name: 'idle' });
    expect(p.mayWriteDirect()).toEqual(true);
  });

  it('writes what queued during a write in one batch after it, in order', () => {
    const p = policy();
    expect(shown(p.offer(line('a'), 1, 'web', 80, false))).toEqual([{ type: 'write', text: line('a').toString() }]);
    expect(p.offer(line('b'), 1, 'db', 80, false)).toEqual([]);
    expect(p.offer(line('c'), 1, 'web', 80, false)).toEqual([]);
    expect(shown(at(1, p).written(20))).toEqual([{ type: 'write', text: `${line('b')}${line('c')}` }]);
    expect(p.phases().writer).toEqual({ name: 'writing', buffers: 2 });
  });

  it('keeps the rest of a partly written batch at the head of the queue', () => {
    const p = policy();
    p.offer(Buffer.from('hello\n'), 1, 'web', 80, false);
    expect(shown(at(1, p).written(3))).toEqual([{ type: 'write', text: 'lo\n' }]);
    expect(at(1, p).stats()).toMatchObject({ writtenBytes: 3, queuedBytes: 3 });
  });

  it('copies what it keeps: a batch is lent for the call only', () => {
    const p = policy();
    const lent = Buffer.from('first\n');
    const [write] = p.offer(lent, 1, 'web', 80, false);
    lent.write('reused');
    expect(shown([write!])).toEqual([{ type: 'write', text: 'first\n' }]);
  });

  it('retries 10 ms after EAGAIN, keeping the batch', () => {
    const p = policy();
    at(100, p).offer(line('a'), 1, 'web', 80, false);
    expect(at(105, p).writeFailed('EAGAIN', 'EAGAIN: resource temporarily unavailable, write')).toEqual([{ type: 'wake', timer: 'retry', at: 115 }]);
    expect(p.phases().writer).toEqual({ name: 'backing-off', retryAt: 115 });
    expect(p.mayWriteDirect()).toEqual(false);
    expect(shown(p.retryDue())).toEqual([{ type: 'write', text: line('a').toString() }]);
    expect(at(120, p).stats()).toMatchObject({ droppedLines: 0, queuedBytes: 20 });
  });

  it('drops the batch on another error, reports the error once, retries after 1 s and says when it can write again', () => {
    const p = policy();
    p.offer(Buffer.from('a\nb\n'), 2, 'web', 80, false);
    p.offer(line('c'), 1, 'db', 80, false); // queued behind the batch in the write
    const failed = at(10, p).writeFailed('EPIPE', 'EPIPE: broken pipe, write');
    expect(notices(failed)).toEqual(["error: cannot write to supd's stdout: EPIPE: broken pipe, write; program output for it is dropped and counted until it can be written again"]);
    expect(failed).toContainEqual({ type: 'wake', timer: 'retry', at: 1010 });
    expect(at(10, p).stats()).toMatchObject({ droppedLines: 2, droppedLinesByProgram: { web: 2 }, queuedBytes: 20 });
    const retried = p.retryDue();
    expect(shown(retried)).toEqual([{ type: 'write', text: line('c').toString() }]);
    expect(notices(at(1010, p).writeFailed('EPIPE', 'EPIPE: broken pipe, write'))).toEqual([]); // the same error: not again
    expect(p.retryDue()).toEqual([]); // nothing left to write
    expect(p.phases()).toMatchObject({ writer: { name: 'idle' }, error: { name: 'failing', code: 'EPIPE' } });
    at(3000, p).offer(line('d'), 1, 'web', 80, false);
    expect(notices(at(3001, p).written(20))).toEqual(['info: supd stdout is writable again']);
    expect(p.phases().error).toEqual({ name: 'writable' });
  });

  it('says drained when a failed write leaves nothing queued', () => {
    const p = policy();
    p.offer(line('a'), 1, 'web', 80, false);
    expect(p.writeFailed('EIO', 'EIO: i/o error, write')).toContainEqual({ type: 'drained' });
  });

  it('treats an outcome for no write under way as a bug', () => {
    expect(() => policy().written(1)).toThrow('std-sink: written while idle');
  });
});

describe('dropping and reporting', () => {
  it('drops a whole batch that would take a non-empty queue past its limit, counted per program, reported once per interval', () => {
    const p = policy({ maxQueuedBytes: 16, dropNoticeIntervalMs: 10 });
    p.offer(Buffer.from('0123456789\n'), 1, 'web', 16, false); // 11 queued (in the write)
    expect(at(2, p).offer(Buffer.from('abcdefgh\n'), 1, 'web', 16, false)).toEqual([{ type: 'wake', timer: 'report', at: 12 }]);
    expect(at(3, p).offer(Buffer.from('x\ny\n'), 2, 'db', 16, false)).toEqual([]); // 15: kept
    expect(at(4, p).offer(Buffer.from('z\n'), 1, 'db', 16, false)).toEqual([]); // 17: dropped, report already due
    expect(at(4, p).stats()).toMatchObject({ droppedLines: 2, droppedBytes: 11, queuedBytes: 15, droppedLinesByProgram: { web: 1, db: 1 } });
    expect(notices(p.reportDue())).toEqual(['warn: supd stdout is congested (0.0 MiB queued): dropped 1 lines from web, 1 lines from db']);
    expect(p.reportDue()).toEqual([]); // nothing new in the next window
  });

  it('never drops the first batch, however large: an empty queue takes it', () => {
    const p = policy({ maxQueuedBytes: 16 });
    expect(shown(p.offer(Buffer.from(`${'x'.repeat(99)}\n`), 1, 'web', 16, false))).toMatchObject([{ type: 'write' }]);
    expect(p.stats()).toMatchObject({ droppedLines: 0, queuedBytes: 100 });
  });

  it("keeps supd's own lines up to the larger limit it is given", () => {
    const p = policy({ maxQueuedBytes: 16 });
    p.offer(Buffer.from('0123456789\n'), 1, 'web', 16, false);
    p.offer(Buffer.from('abcdef\n'), 1, 'web', 16, false); // 18 > 16: dropped
    p.offer(Buffer.from('supd: exited: web\n'), 1, 'supd', 16 + 1024, false); // 29: kept
    expect(p.stats()).toMatchObject({ droppedLines: 1, queuedBytes: 29, droppedLinesByProgram: { web: 1 } });
  });
});

describe('the throttle phase: holding programs back while the reader is slow', () => {
  it('holds programs back at half the queue and lets them go at an eighth, counting the time', () => {
    const p = policy();
    p.offer(line('a'), 1, 'web', 80, true); // 20 of 80
    expect(p.phases().throttle).toEqual({ name: 'free' });
    expect(at(5, p).offer(line('b'), 1, 'web', 80, true)).toEqual([
      { type: 'wake', timer: 'throttle', at: 1005 },
      { type: 'throttle', isThrottled: true },
    ]); // 40: half
    expect(p.phases().throttle).toEqual({ name: 'holding', since: 5, until: 1005 });
    expect(at(6, p).offer(line('c'), 1, 'web', 80, true)).toEqual([]); // already holding
    expect(at(100, p).written(20)).toEqual([expect.objectContaining({ type: 'write' })]); // 40 left: more than an eighth
    expect(at(200, p).stats()).toMatchObject({ throttledMs: 195 }); // counted while it lasts
    expect(shown(at(255, p).written(40))).toEqual([
      { type: 'cancel', timer: 'throttle' },
      { type: 'wake', timer: 'report', at: 5255 },
      { type: 'throttle', isThrottled: false },
      { type: 'drained' },
    ]);
    expect(at(300, p).stats()).toMatchObject({ throttledMs: 250, droppedLines: 0 });
    expect(notices(p.reportDue())).toEqual(['info: supd stdout is slow to be read: programs were held back for 250 ms']);
  });

  it('holds nobody back when nobody listens', () => {
    const p = policy();
    for (const c of 'abc') p.offer(line(c), 1, 'web', 80, false);
    expect(p.phases().throttle).toEqual({ name: 'free' });
  });

  it('holds programs back at most maxThrottleMs, then drops what does not fit until the queue drains', () => {
    const p = policy({ maxThrottleMs: 20, dropNoticeIntervalMs: 10 });
    for (const c of 'abc') p.offer(line(c), 1, 'web', 80, true); // 60 queued, holding
    const due = at(20, p).throttleDue();
    expect(notices(due)).toEqual([
      'warn: supd stdout did not drain in 0.0 s: programs are no longer held back for it, and their lines are dropped until it does',
    ]);
    expect(due).toContainEqual({ type: 'throttle', isThrottled: false });
    expect(p.phases().throttle).toEqual({ name: 'spent' });
    expect(at(21, p).offer(line('d'), 1, 'web', 80, true)).toEqual([]); // 80: fits, holds nobody back
    expect(at(22, p).offer(line('e'), 1, 'db', 80, true)).toEqual([]); // 100 > 80: dropped
    expect(at(22, p).stats()).toMatchObject({ droppedLines: 1, droppedLinesByProgram: { db: 1 }, throttledMs: 20 });
    at(30, p).written(20); // 60 left
    expect(p.phases().throttle).toEqual({ name: 'spent' });
    at(40, p).written(60); // drained: programs may be held back again
    expect(p.phases().throttle).toEqual({ name: 'free' });
    at(50, p).offer(line('f'), 1, 'web', 80, true);
    expect(at(50, p).offer(line('g'), 1, 'web', 80, true)).toContainEqual({ type: 'throttle', isThrottled: true });
  });

  it('ignores a throttle deadline that comes after the programs were let go', () => {
    const p = policy();
    for (const c of 'ab') p.offer(line(c), 1, 'web', 80, true);
    at(10, p).written(40);
    expect(at(1000, p).throttleDue()).toEqual([]);
    expect(p.phases().throttle).toEqual({ name: 'free' });
  });
});

describe('closing', () => {
  it('lets held-back programs go, reports what is pending and leaves no retry waiting', () => {
    const p = policy({ dropNoticeIntervalMs: 10 });
    for (const c of 'abcde') p.offer(line(c), 1, 'web', 80, true); // holding; 'e' is dropped
    at(5, p).writeFailed('EAGAIN', 'EAGAIN');
    const effects = at(7, p).close();
    expect(effects).toContainEqual({ type: 'throttle', isThrottled: false });
    expect(effects).toContainEqual({ type: 'cancel', timer: 'retry' });
    expect(notices(effects)).toEqual([
      'info: supd stdout is slow to be read: programs were held back for 7 ms',
      'warn: supd stdout is congested (0.0 MiB queued): dropped 1 lines from web',
    ]);
    expect(p.phases()).toMatchObject({ writer: { name: 'idle' }, throttle: { name: 'free' } });
    // What comes after (supd's own last lines) is still written, through the queue.
    expect(shown(at(8, p).offer(line('f'), 1, 'supd', 80 + 1024, false))).toEqual([{ type: 'write', text: `${line('a')}${line('b')}${line('c')}${line('d')}${line('f')}` }]);
  });
});

describe('sync mode (a regular file or /dev/null)', () => {
  it('drops batches untried for 1 s after a failed write, then tries again and says it can write again', () => {
    const p = policy();
    expect(p.maySyncWrite()).toEqual(true);
    expect(p.syncWritten(20)).toEqual([]);
    const failed = at(100, p).syncFailed(5, 2, 15, 'web', 'ENOSPC', 'ENOSPC: no space left on device, write');
    expect(notices(failed)).toEqual(["error: cannot write to supd's stdout: ENOSPC: no space left on device, write; program output for it is dropped and counted until it can be written again"]);
    expect(p.phases().writer).toEqual({ name: 'backing-off', retryAt: 1100 });
    expect(at(1099, p).maySyncWrite()).toEqual(false);
    at(1099, p).drop(1, 20, 'db');
    expect(at(1100, p).maySyncWrite()).toEqual(true);
    expect(notices(p.syncWritten(20))).toEqual(['info: supd stdout is writable again']);
    expect(p.phases()).toMatchObject({ writer: { name: 'idle' }, error: { name: 'writable' } });
    expect(at(1100, p).stats()).toMatchObject({ writtenBytes: 45, droppedLines: 3, droppedBytes: 35, droppedLinesByProgram: { web: 2, db: 1 } });
  });
});

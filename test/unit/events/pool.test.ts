import { describe, expect, it } from 'vitest';
import { EventListenerPool, type EventLogger, type ListenerHandle } from '../../../src/events/pool.js';
import type { SupdEvent } from '../../../src/events/payloads.js';

const tick = (when: number): SupdEvent => ({ type: 'TICK_5', when });
const bytes = (s: string) => new TextEncoder().encode(s);

/** A pool whose listeners are fakes: what the pool writes is recorded, their stdout is fed by hand. */
function harness(bufferSize = 10) {
  const logs: string[] = [];
  const logger: EventLogger = {
    debug: (m) => logs.push(`debug ${m}`),
    warn: (m) => logs.push(`warn ${m}`),
    error: (m) => logs.push(`error ${m}`),
  };
  // A virtual clock for the pool's redelivery waits.
  let now = 0;
  const timers: { at: number; ms: number; fn: () => void; cancelled: boolean }[] = [];
  const schedule = (fn: () => void, ms: number): (() => void) => {
    const timer = { at: now + ms, ms, fn, cancelled: false };
    timers.push(timer);
    return () => void (timer.cancelled = true);
  };
  const pool = new EventListenerPool({ name: 'listeners', bufferSize, logger, schedule });
  const received = new Map<string, string[]>();
  const handles = new Map<string, ListenerHandle>();
  let serial = 0;
  return {
    /** Moves the virtual clock on by `ms`, running the waits that come due; their delays, in order. */
    advance(ms: number): number[] {
      const ran: number[] = [];
      now += ms;
      for (let due = timers.find((t) => !t.cancelled && t.at <= now); due; due = timers.find((t) => !t.cancelled && t.at <= now)) {
        due.cancelled = true;
        ran.push(due.ms);
        due.fn();
      }
      return ran;
    },
    pool,
    logs,
    received,
    handles,
    /** Spawn a listener, make it RUNNING and have it say READY. */
    start(name: string, options: { broken?: boolean } = {}) {
      received.set(name, []);
      handles.set(name, pool.listenerSpawned(name, {
        write: (data) => {
          if (options.broken) throw Object.assign(new Error('EPIPE'), { code: 'EPIPE' });
          received.get(name)!.push(new TextDecoder().decode(data));
        },
      }));
      pool.processStateChanged(name, 'RUNNING');
      pool.listenerOutput(handles.get(name)!, bytes('READY\n'));
    },
    say(name: string, text: string) {
      pool.listenerOutput(handles.get(name)!, bytes(text));
    },
    /** The newest process of that name (as started last). */
    handle(name: string): ListenerHandle {
      return handles.get(name)!;
    },
    publish(event: SupdEvent) {
      pool.accept(event, serial++);
    },
    /** The `when` of each TICK a listener was sent, in order. */
    whens(name: string) {
      return (received.get(name) ?? []).map((e) => Number(/when:(\d+)$/.exec(e)?.[1]));
    },
  };
}

describe('an event-listener pool', () => {
  it('sends an event to a READY, RUNNING listener in supervisord\'s envelope', () => {
    const h = harness();
    h.start('l0');
    h.publish(tick(5));
    expect(h.received.get('l0')).toEqual([
      'ver:3.0 server:supervisor serial:0 pool:listeners poolserial:0 eventname:TICK_5 len:6\nwhen:5',
    ]);
    expect(h.pool.listenerState('l0')).toBe('BUSY');
    expect(h.logs).toContain('debug event 0 sent to listener l0');
  });

  it('builds no debug message when the logger says debug is off', () => {
    const logs: string[] = [];
    const logger: EventLogger = {
      debug: (m) => logs.push(`debug ${m}`),
      warn: (m) => logs.push(`warn ${m}`),
      error: (m) => logs.push(`error ${m}`),
      isLevelEnabled: (level) => level !== 'debug',
    };
    const pool = new EventListenerPool({ name: 'p', bufferSize: 10, logger, schedule: () => () => {} });
    const sent: string[] = [];
    const handle = pool.listenerSpawned('l0', { write: (d) => sent.push(new TextDecoder().decode(d)) });
    pool.processStateChanged('l0', 'RUNNING');
    pool.listenerOutput(handle, bytes('READY\n'));
    for (let i = 0; i < 3; i++) pool.accept(tick(i), i);
    pool.listenerOutput(handle, bytes('RESULT 2\nOKREADY\n'));
    pool.listenerOutput(handle, bytes('RESULT 4\nFAILREADY\n'));
    expect(sent.map((e) => /when:(\d+)$/.exec(e)?.[1])).toEqual(['0', '1']); // 1 waits for its redelivery
    expect(logs).toEqual(['warn l0: event was rejected']);
  });

  it('drains a large buffer in order, one event per READY', () => {
    const h = harness(2000);
    for (let i = 0; i < 2000; i++) h.publish(tick(i));
    h.start('l0');
    for (let i = 1; i < 2000; i++) h.say('l0', 'RESULT 2\nOKREADY\n');
    expect(h.whens('l0')).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(h.pool.bufferedEvents()).toEqual([]);
  });

  it('keeps events for a listener that said READY but is still STARTING, and sends them at RUNNING', () => {
    const h = harness();
    h.received.set('l0', []);
    h.handles.set('l0', h.pool.listenerSpawned('l0', { write: (d) => h.received.get('l0')!.push(new TextDecoder().decode(d)) }));
    h.say('l0', 'READY\n');
    h.publish(tick(5));
    expect(h.whens('l0')).toEqual([]);
    h.pool.processStateChanged('l0', 'RUNNING');
    expect(h.whens('l0')).toEqual([5]);
  });

  it('keeps events until a listener says READY', () => {
    const h = harness();
    h.received.set('l0', []);
    h.handles.set('l0', h.pool.listenerSpawned('l0', { write: (d) => h.received.get('l0')!.push(new TextDecoder().decode(d)) }));
    h.pool.processStateChanged('l0', 'RUNNING');
    h.publish(tick(5));
    expect(h.pool.bufferedEvents()).toHaveLength(1);
    h.say('l0', 'READY\n');
    expect(h.whens('l0')).toEqual([5]);
    expect(h.pool.bufferedEvents()).toEqual([]);
  });

  it('sends a listener one event at a time, the next only after its answer and READY', () => {
    const h = harness();
    h.start('l0');
    h.publish(tick(5));
    h.publish(tick(10));
    expect(h.whens('l0')).toEqual([5]);
    h.say('l0', 'RESULT 2\nOK');
    expect(h.whens('l0')).toEqual([5]);
    h.say('l0', 'READY\n');
    expect(h.whens('l0')).toEqual([5, 10]);
  });

  it('sends an event that was answered FAIL again, before newer ones, with the same serials', () => {
    const h = harness();
    h.start('l0');
    h.publish(tick(5));
    h.publish(tick(10));
    h.say('l0', 'RESULT 4\nFAILREADY\n');
    expect(h.whens('l0')).toEqual([5]); // not at once: after the redelivery wait
    h.advance(10);
    expect(h.whens('l0')).toEqual([5, 5]);
    expect(h.received.get('l0')![1]).toMatch(/^ver:3.0 server:supervisor serial:0 pool:listeners poolserial:0 /);
    expect(h.logs).toContain('warn l0: event was rejected');
  });

  it('paces a listener that rejects everything, doubling the wait to 1 s, and logs the run once with its count', () => {
    const h = harness();
    h.start('l0');
    h.publish(tick(5));
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      h.say('l0', 'RESULT 4\nFAILREADY\n');
      waits.push(...h.advance(1_000));
    }
    expect(waits).toEqual([10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000, 1000, 1000]);
    expect(h.whens('l0')).toHaveLength(13);
    h.say('l0', 'RESULT 2\nOKREADY\n');
    h.publish(tick(10));
    expect(h.whens('l0').at(-1)).toBe(10); // accepted: the next event goes at once
    expect(h.logs.filter((l) => l.startsWith('warn'))).toEqual([
      'warn l0: event was rejected',
      'warn pool listeners: 12 rejections in a row before an event was processed',
    ]);
  });

  it('sends the event of a listener that answered garbage to another, and nothing more to the garbled one', () => {
    const h = harness();
    h.start('l0');
    h.start('l1');
    h.publish(tick(5)); // l0 comes first
    h.say('l0', 'RESULT ??\n');
    expect(h.pool.listenerState('l0')).toBe('UNKNOWN');
    expect(h.whens('l1')).toEqual([5]);
    h.say('l1', 'RESULT 2\nOKREADY\n');
    h.publish(tick(10));
    expect(h.whens('l0')).toEqual([5]);
    expect(h.whens('l1')).toEqual([5, 10]);
  });

  it('sends the event a listener died with again, to its next incarnation', () => {
    const h = harness();
    h.start('l0');
    h.publish(tick(5));
    h.pool.processStateChanged('l0', 'EXITED');
    h.pool.listenerExited(h.handle('l0'));
    expect(h.pool.bufferedEvents().map((e) => e.serial)).toEqual([0]);
    h.pool.processStateChanged('l0', 'STARTING');
    h.start('l0');
    expect(h.whens('l0')).toEqual([5]);
  });

  it('keeps a restarted listener when the old process’s exit is reported after the new one started', () => {
    const h = harness();
    h.start('l0');
    h.publish(tick(5)); // in flight to the first process, which dies BUSY
    const first = h.handle('l0');
    h.pool.processStateChanged('l0', 'EXITED');
    h.start('l0'); // the restart registers before the old stdout closed
    h.pool.listenerExited(first);
    expect(h.pool.listenerState('l0')).toBe('BUSY'); // the new process got the event again
    h.say('l0', 'RESULT 2\nOKREADY\n');
    h.publish(tick(10));
    expect(h.whens('l0')).toEqual([5, 10]); // what the new process was sent
  });

  it('still reads the answer of an old process that arrives after the new one started', () => {
    const h = harness();
    h.start('l0');
    h.publish(tick(5));
    const first = h.handle('l0');
    h.pool.processStateChanged('l0', 'EXITED');
    h.start('l0');
    h.pool.listenerOutput(first, bytes('RESULT 2\nOK'));
    h.pool.listenerExited(first);
    h.publish(tick(10));
    expect(h.whens('l0')).toEqual([10]); // what the new process was sent: 5 was answered
  });

  it('ignores output of a listener whose exit it was told about', () => {
    const h = harness();
    h.start('l0');
    h.pool.listenerExited(h.handle('l0'));
    expect(() => h.say('l0', 'RESULT 2\nOK')).not.toThrow();
    expect(h.pool.listenerState('l0')).toBeUndefined();
  });

  it('drops the oldest event when its buffer is full, with an error in supervisord\'s words', () => {
    const h = harness(2);
    h.publish(tick(5));
    h.publish(tick(10));
    h.publish(tick(15));
    expect(h.pool.bufferedEvents().map((e) => e.serial)).toEqual([1, 2]);
    expect(h.logs).toContain('error pool listeners event buffer overflowed, discarding event 0');
    h.start('l0');
    expect(h.whens('l0')).toEqual([10]);
  });

  it('puts a rejected event back at the head even of a full buffer, dropping the oldest waiting one', () => {
    const h = harness(2);
    h.start('l0');
    h.publish(tick(5)); // in flight
    h.publish(tick(10));
    h.publish(tick(15)); // the buffer is full: [10, 15]
    h.say('l0', 'RESULT 4\nFAIL');
    expect(h.pool.bufferedEvents().map((e) => (e.event as { when: number }).when)).toEqual([5, 15]);
    expect(h.logs).toContain('error pool listeners event buffer overflowed, discarding event 1');
  });

  it('keeps several listeners busy at once, offering each event to the first READY one', () => {
    const h = harness();
    h.start('l0');
    h.start('l1');
    h.start('l2');
    h.publish(tick(5));
    h.publish(tick(10));
    expect(h.whens('l0')).toEqual([5]);
    expect(h.whens('l1')).toEqual([10]);
    expect(h.whens('l2')).toEqual([]);
    h.say('l1', 'RESULT 2\nOKREADY\n');
    h.publish(tick(15));
    expect(h.whens('l1')).toEqual([10, 15]);
    expect(h.whens('l2')).toEqual([]);
  });

  it('skips a listener whose stdin is broken and leaves it READY', () => {
    const h = harness();
    h.start('l0', { broken: true });
    h.start('l1');
    h.publish(tick(5));
    expect(h.whens('l1')).toEqual([5]);
    expect(h.pool.listenerState('l0')).toBe('READY');
    expect(h.logs).toContain('debug epipe occurred while sending event 0 to listener l0, listener state unchanged');
  });

  it('copes with a listener that answers from inside write()', () => {
    const logger = { debug: () => {}, warn: () => {}, error: () => {} };
    const pool = new EventListenerPool({ name: 'p', bufferSize: 10, logger });
    const sent: number[] = [];
    const l0: ListenerHandle = pool.listenerSpawned('l0', {
      write: (data) => {
        sent.push(Number(/serial:(\d+)/.exec(new TextDecoder().decode(data))?.[1]));
        pool.listenerOutput(l0, bytes('RESULT 2\nOKREADY\n'));
      },
    });
    pool.processStateChanged('l0', 'RUNNING');
    pool.accept(tick(5), 0);
    pool.accept(tick(10), 1);
    pool.listenerOutput(l0, bytes('READY\n'));
    expect(sent).toEqual([0, 1]);
    expect(pool.listenerState('l0')).toBe('READY');
  });

  it('refuses a buffer_size below 1, naming the section', () => {
    const logger = { debug: () => {}, warn: () => {}, error: () => {} };
    expect(() => new EventListenerPool({ name: 'p', bufferSize: 0, logger })).toThrow('[eventlistener:p] buffer_size');
  });
});

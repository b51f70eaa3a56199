import { describe, expect, it } from 'vitest';
import { EventBus } from '../../../src/events/bus.js';
import { EventListenerPool } from '../../../src/events/pool.js';

const quiet = { debug: () => {}, warn: () => {}, error: () => {} };
const bytes = (s: string) => new TextEncoder().encode(s);

/** A pool with one RUNNING, READY listener that records the header lines it is sent. */
function poolWithListener(name: string, listener = `${name}_00`) {
  const pool = new EventListenerPool({ name, bufferSize: 10, logger: quiet });
  const headers: string[] = [];
  const handle = pool.listenerSpawned(listener, { write: (d) => headers.push(new TextDecoder().decode(d).split('\n')[0]!) });
  pool.processStateChanged(listener, 'RUNNING');
  pool.listenerOutput(handle, bytes('READY\n'));
  const answer = () => pool.listenerOutput(handle, bytes('RESULT 2\nOKREADY\n'));
  return { pool, headers, answer };
}

describe('the event bus', () => {
  it('delivers an event to pools subscribed to its type or an abstract parent, and not to others', () => {
    const bus = new EventBus();
    const states = poolWithListener('states');
    const exits = poolWithListener('exits');
    const ticks = poolWithListener('ticks');
    bus.addPool(states.pool, ['PROCESS_STATE']);
    bus.addPool(exits.pool, ['PROCESS_STATE_EXITED']);
    bus.addPool(ticks.pool, ['TICK_60']);
    bus.publish({ type: 'PROCESS_STATE_RUNNING', processname: 'a', groupname: 'a', from_state: 'STARTING', pid: 1 });
    expect(states.headers).toHaveLength(1);
    expect(exits.headers).toHaveLength(0);
    expect(ticks.headers).toHaveLength(0);
  });

  it('numbers events globally and per pool, counting only events some pool accepted', () => {
    const bus = new EventBus();
    const all = poolWithListener('all');
    const ticks = poolWithListener('ticks');
    bus.addPool(all.pool, ['EVENT']);
    bus.addPool(ticks.pool, ['TICK']);
    expect(bus.publish({ type: 'SUPERVISOR_STATE_CHANGE_RUNNING' })).toBe(0);
    all.answer();
    expect(bus.publish({ type: 'TICK_5', when: 5 })).toBe(1);
    expect(all.headers.map((h) => /serial:\d+ pool:\w+ poolserial:\d+/.exec(h)?.[0])).toEqual([
      'serial:0 pool:all poolserial:0',
      'serial:1 pool:all poolserial:1',
    ]);
    expect(ticks.headers.map((h) => /serial:\d+ pool:\w+ poolserial:\d+/.exec(h)?.[0])).toEqual([
      'serial:1 pool:ticks poolserial:0',
    ]);
    bus.removePool('all');
    bus.removePool('ticks');
    expect(bus.publish({ type: 'TICK_5', when: 10 })).toBeNull();
  });

  it('gives an event once to a pool subscribed to it twice over', () => {
    const bus = new EventBus();
    const p = poolWithListener('p');
    bus.addPool(p.pool, ['PROCESS_GROUP', 'PROCESS_GROUP_ADDED']);
    bus.publish({ type: 'PROCESS_GROUP_ADDED', groupname: 'g' });
    p.answer();
    expect(p.headers).toHaveLength(1);
    expect(p.pool.bufferedEvents()).toEqual([]);
  });

  it('turns a transition into a PROCESS_STATE event and tells a listener\'s own pool its state', () => {
    const bus = new EventBus();
    const pool = new EventListenerPool({ name: 'mon', bufferSize: 10, logger: quiet });
    const sent: string[] = [];
    bus.addPool(pool, ['PROCESS_STATE']);
    const mon = pool.listenerSpawned('mon', { write: (d) => sent.push(new TextDecoder().decode(d)) });
    pool.listenerOutput(mon, bytes('READY\n'));
    bus.publishTransition({ processName: 'web', groupName: 'web', from: 'STOPPED', to: 'STARTING', tries: 0, pid: 0 });
    expect(sent).toEqual([]); // mon itself is still STARTING
    bus.publishTransition({ processName: 'mon', groupName: 'mon', from: 'STARTING', to: 'RUNNING', tries: 0, pid: 9 });
    expect(sent).toEqual([
      'ver:3.0 server:supervisor serial:0 pool:mon poolserial:0 eventname:PROCESS_STATE_STARTING len:56\n' +
        'processname:web groupname:web from_state:STOPPED tries:0',
    ]);
  });

  it('refuses an event type supervisord does not know, naming the section', () => {
    const bus = new EventBus();
    const pool = new EventListenerPool({ name: 'x', bufferSize: 10, logger: quiet });
    expect(() => bus.addPool(pool, ['PROCESS_STATE', 'PROCESS_CRASHED'])).toThrow(
      'Unknown event type PROCESS_CRASHED in [eventlistener:x] events',
    );
  });

  it('reports which TICK events are wanted, so supd wakes for no others', () => {
    const bus = new EventBus();
    expect(bus.subscribedTicks()).toEqual([]);
    bus.addPool(new EventListenerPool({ name: 'a', bufferSize: 1, logger: quiet }), ['TICK_60']);
    expect(bus.subscribedTicks()).toEqual(['TICK_60']);
    bus.addPool(new EventListenerPool({ name: 'b', bufferSize: 1, logger: quiet }), ['EVENT']);
    expect(bus.subscribedTicks()).toEqual(['TICK_5', 'TICK_60', 'TICK_3600']);
  });
});

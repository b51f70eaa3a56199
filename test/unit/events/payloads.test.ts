import { describe, expect, it } from 'vitest';
import {
  ABSTRACT_EVENT_TYPES,
  EVENT_TYPES,
  eventPayload,
  isEventTypeName,
  isSubtypeOf,
  processStateEvent,
  SUPD_EVENT_TYPES,
  type EventTypeName,
} from '../../../src/events/payloads.js';
import { PAYLOADS } from './payload-cases.js';

describe('event payloads', () => {
  it.each(PAYLOADS)('%j is formatted as supervisord formats it', (event, expected) => {
    expect(eventPayload(event)).toBe(expected);
  });

  it('covers every concrete event type supervisord has', () => {
    const concrete = (Object.keys(EVENT_TYPES) as EventTypeName[]).filter(
      (t) => !ABSTRACT_EVENT_TYPES.includes(t) && !SUPD_EVENT_TYPES.includes(t),
    );
    expect(new Set(PAYLOADS.map(([e]) => e.type))).toEqual(new Set(concrete));
  });

  const base = { processname: 'web', groupname: 'www' } as const;

  it('writes output that is not UTF-8 as Python repr of the bytes, after "Undecodable: "', () => {
    const data = Uint8Array.from([0xff, 0x27, 0x0a, 0x5c]);
    expect(eventPayload({ type: 'PROCESS_LOG_STDERR', ...base, pid: 3, data })).toBe(
      'processname:web groupname:www pid:3 channel:stderr\nUndecodable: b"\\xff\'\\n\\\\"',
    );
  });
});

describe("supd's own events", () => {
  it('PROCESS_OOM, PROCESS_STUCK and PROCESS_HEALTH_* go only to listeners that name them, not to EVENT', () => {
    expect(SUPD_EVENT_TYPES.map((t) => [t, isSubtypeOf(t, 'EVENT'), isSubtypeOf(t, t)])).toEqual([
      ['PROCESS_OOM', false, true],
      ['PROCESS_STUCK', false, true],
      ['PROCESS_HEALTH', false, true],
      ['PROCESS_HEALTH_HEALTHY', false, true],
      ['PROCESS_HEALTH_UNHEALTHY', false, true],
    ]);
    expect(['PROCESS_HEALTH_UNHEALTHY', isSubtypeOf('PROCESS_HEALTH_UNHEALTHY', 'PROCESS_HEALTH')]).toEqual(['PROCESS_HEALTH_UNHEALTHY', true]);
  });

  it('PROCESS_HEALTH_* carry the process, pid and failures, then the last error after a newline', () => {
    expect(
      eventPayload({ type: 'PROCESS_HEALTH_UNHEALTHY', processname: 'web', groupname: 'web', pid: 42, failures: 3, error: 'connect ECONNREFUSED 127.0.0.1:8080' }),
    ).toBe('processname:web groupname:web pid:42 failures:3\nconnect ECONNREFUSED 127.0.0.1:8080');
    expect(eventPayload({ type: 'PROCESS_HEALTH_HEALTHY', processname: 'web', groupname: 'web', pid: 42, failures: 0, error: '' })).toBe(
      'processname:web groupname:web pid:42 failures:0\n',
    );
  });

  it('carry the process, pid and what happened, as name:value tokens', () => {
    const base = { processname: 'web', groupname: 'web', pid: 42 } as const;
    expect(eventPayload({ type: 'PROCESS_OOM', ...base, memory_limit: 268_435_456 })).toBe(
      'processname:web groupname:web pid:42 memory_limit:268435456',
    );
    expect(eventPayload({ type: 'PROCESS_STUCK', ...base, state: 'frozen', seconds: 10 })).toBe(
      'processname:web groupname:web pid:42 state:frozen seconds:10',
    );
  });
});

describe('a state transition from the core', () => {
  it('becomes the PROCESS_STATE event of its target state, with only that state\'s fields', () => {
    const t = { processName: 'web', groupName: 'www', from: 'RUNNING', tries: 0, pid: 77 } as const;
    expect(processStateEvent({ ...t, to: 'EXITED', expected: false })).toEqual({
      type: 'PROCESS_STATE_EXITED', processname: 'web', groupname: 'www', from_state: 'RUNNING', expected: false, pid: 77,
    });
    expect(processStateEvent({ ...t, from: 'STARTING', to: 'BACKOFF', tries: 3 })).toEqual({
      type: 'PROCESS_STATE_BACKOFF', processname: 'web', groupname: 'www', from_state: 'STARTING', tries: 3,
    });
    expect(processStateEvent({ ...t, from: 'BACKOFF', to: 'FATAL' })).toEqual({
      type: 'PROCESS_STATE_FATAL', processname: 'web', groupname: 'www', from_state: 'BACKOFF',
    });
  });

  it('reports an EXITED without an expected flag as expected, as change_state() defaults it', () => {
    const event = processStateEvent({ processName: 'a', groupName: 'a', from: 'RUNNING', to: 'EXITED', tries: 0, pid: 1 });
    expect(eventPayload(event)).toBe('processname:a groupname:a from_state:RUNNING expected:1 pid:1');
  });
});

describe('event type subscriptions', () => {
  it('match the type itself and every subtype of an abstract type', () => {
    const pairs = [
      ['PROCESS_STATE_EXITED', 'PROCESS_STATE_EXITED'],
      ['PROCESS_STATE_EXITED', 'PROCESS_STATE'],
      ['TICK_60', 'TICK'],
      ['PROCESS_GROUP_ADDED', 'EVENT'],
      ['PROCESS_LOG_STDOUT', 'PROCESS_COMMUNICATION'],
      ['PROCESS_STATE', 'PROCESS_STATE_EXITED'],
    ] as const;
    expect(pairs.map(([type, of]) => [type, of, isSubtypeOf(type, of)])).toEqual([
      ['PROCESS_STATE_EXITED', 'PROCESS_STATE_EXITED', true],
      ['PROCESS_STATE_EXITED', 'PROCESS_STATE', true],
      ['TICK_60', 'TICK', true],
      ['PROCESS_GROUP_ADDED', 'EVENT', true],
      ['PROCESS_LOG_STDOUT', 'PROCESS_COMMUNICATION', false],
      ['PROCESS_STATE', 'PROCESS_STATE_EXITED', false],
    ]);
  });

  it('know exactly supervisord\'s type names', () => {
    const names = ['PROCESS_STATE', 'PROCESS_STATE_EXITED', 'PROCESS_STATE_CHANGE', 'toString'];
    expect(names.map((name) => [name, isEventTypeName(name)])).toEqual([
      ['PROCESS_STATE', true],
      ['PROCESS_STATE_EXITED', true],
      ['PROCESS_STATE_CHANGE', false],
      ['toString', false],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import {
  encodeEnvelope,
  formatEnvelope,
  ListenerProtocol,
  parsePythonInt,
  payloadLength,
  type ProtocolOutcome,
} from '../../../src/events/listener-protocol.js';

const bytes = (s: string) => new TextEncoder().encode(s);

/** Feeds `text` in the chunks given by `cuts` (byte offsets) and collects every outcome. */
function feedSplit(protocol: ListenerProtocol, text: string, cuts: number[]): ProtocolOutcome['type'][] {
  const data = bytes(text);
  const bounds = [0, ...cuts, data.length];
  const outcomes: ProtocolOutcome['type'][] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    outcomes.push(...protocol.feed(data.subarray(bounds[i], bounds[i + 1])).outcomes.map((o) => o.type));
  }
  return outcomes;
}

function busyListener(): ListenerProtocol {
  const protocol = new ListenerProtocol('listener');
  protocol.feed(bytes('READY\n'));
  protocol.sent();
  return protocol;
}

describe('the envelope', () => {
  it('is supervisord\'s header line followed by the payload', () => {
    expect(
      formatEnvelope({ server: 'supervisor', serial: 7, pool: 'listeners', poolserial: 3, eventname: 'TICK_5', payload: 'when:1700000005' }),
    ).toBe('ver:3.0 server:supervisor serial:7 pool:listeners poolserial:3 eventname:TICK_5 len:15\nwhen:1700000005');
  });

  it('gives len in characters as Python\'s len() counts them, not UTF-8 bytes or UTF-16 units', () => {
    const payload = 'processname:café☃😀';
    expect(payloadLength(payload)).toBe(18); // Python: len(payload) == 18
    const envelope = encodeEnvelope({ server: 's', serial: 0, pool: 'p', poolserial: 0, eventname: 'E', payload });
    const text = new TextDecoder().decode(envelope);
    expect(text).toBe(`ver:3.0 server:s serial:0 pool:p poolserial:0 eventname:E len:18\n${payload}`);
    expect(envelope.length).toBe(text.indexOf('\n') + 1 + 24); // the payload is 24 bytes of UTF-8
  });

  it('counts a lone surrogate as one character, as Python counts it', () => {
    expect([payloadLength('a\uD800b'), payloadLength('a\uDC00b'), payloadLength('\uD83D\uDE00\uD800')]).toEqual([3, 3, 2]);
    expect(payloadLength('plain ascii')).toEqual(11);
  });
});

describe('a listener\'s stdout', () => {
  it('turns READY into the READY state whatever the chunks it arrives in', () => {
    for (let cut = 0; cut <= 6; cut++) {
      const protocol = new ListenerProtocol('listener');
      expect(feedSplit(protocol, 'READY\n', [cut])).toEqual(['ready']);
      expect(protocol.state).toBe('READY');
    }
  });

  it('reads a result and the next READY split at every pair of positions', () => {
    const answer = 'RESULT 2\nOKREADY\n';
    for (let a = 0; a <= answer.length; a++) {
      for (let b = a; b <= answer.length; b++) {
        const protocol = busyListener();
        expect(feedSplit(protocol, answer, [a, b]), `cuts ${a},${b}`).toEqual(['processed', 'ready']);
        expect(protocol.state).toBe('READY');
      }
    }
  });

  it('reads a result fed one byte at a time', () => {
    const protocol = busyListener();
    const answer = 'RESULT 4\nFAIL';
    expect(feedSplit(protocol, answer, [...Array(answer.length).keys()].slice(1))).toEqual(['rejected']);
    expect(protocol.state).toBe('ACKNOWLEDGED');
  });

  it('rejects FAIL and any other result body, and stays in the protocol (ACKNOWLEDGED)', () => {
    const fail = busyListener();
    const { outcomes, logs } = fail.feed(bytes('RESULT 4\nFAIL'));
    expect(outcomes).toEqual([{ type: 'rejected' }]);
    expect(logs).toContainEqual({ level: 'warn', message: 'listener: event was rejected' });
    const other = busyListener();
    expect(other.feed(bytes('RESULT 3\nYES')).outcomes).toEqual([{ type: 'rejected' }]);
    expect(other.state).toBe('ACKNOWLEDGED');
  });

  it('counts the result length in bytes, as supervisord reads them', () => {
    const seen: string[] = [];
    const protocol = new ListenerProtocol('listener', (result) => {
      seen.push(new TextDecoder().decode(result));
      return 'accepted';
    });
    protocol.feed(bytes('READY\n'));
    protocol.sent();
    expect(protocol.feed(bytes('RESULT 3\nébREADY\n')).outcomes.map((o) => o.type)).toEqual(['processed', 'ready']);
    expect(seen).toEqual(['éb']);
  });

  it('sends a listener UNKNOWN and rejects its event when the result line has no length', () => {
    const protocol = busyListener();
    const { outcomes, logs } = protocol.feed(bytes('RESULT two\nOK'));
    expect(outcomes).toEqual([{ type: 'rejected' }]);
    expect(protocol.state).toBe('UNKNOWN');
    expect(logs).toContainEqual({ level: 'warn', message: "listener: bad result line: 'RESULT two'" });
    expect(logs).toContainEqual({
      level: 'warn',
      message:
        'listener: has entered the UNKNOWN state and will no longer receive events, this usually indicates the process violated the eventlistener protocol',
    });
  });

  it('does not check the "RESULT " prefix, as supervisord skips its 7 bytes unread', () => {
    const protocol = busyListener();
    expect(protocol.feed(bytes('XXXXXX 2\nOK')).outcomes).toEqual([{ type: 'processed' }]);
  });

  it('sends a listener UNKNOWN and rejects its event when the result handler throws', () => {
    const protocol = new ListenerProtocol('listener', () => {
      throw new Error('boom');
    });
    protocol.feed(bytes('READY\n'));
    protocol.sent();
    const { outcomes, logs } = protocol.feed(bytes('RESULT 2\nOK'));
    expect(outcomes).toEqual([{ type: 'rejected' }]);
    expect(protocol.state).toBe('UNKNOWN');
    expect(logs).toContainEqual({ level: 'warn', message: 'listener: event caused an error' });
  });

  it('sends a listener UNKNOWN when its first words are not READY', () => {
    const protocol = new ListenerProtocol('listener');
    expect(protocol.feed(bytes('hello')).outcomes).toEqual([]); // fewer than 6 bytes: undecided
    expect(protocol.state).toBe('ACKNOWLEDGED');
    protocol.feed(bytes(' world\n'));
    expect(protocol.state).toBe('UNKNOWN');
  });

  it('sends a listener UNKNOWN when it speaks while READY, and ignores it from then on', () => {
    const protocol = new ListenerProtocol('listener');
    protocol.feed(bytes('READY\n'));
    protocol.feed(bytes('x'));
    expect(protocol.state).toBe('UNKNOWN');
    expect(protocol.feed(bytes('READY\n'))).toEqual({
      outcomes: [],
      logs: [{ level: 'debug', message: "'listener' stdout output:\nb'READY\\n'" }],
    });
    expect(protocol.state).toBe('UNKNOWN');
  });

  it('builds no debug-level line when told debug is off, and still the warnings', () => {
    const protocol = new ListenerProtocol('listener');
    expect(protocol.feed(bytes('READY\n'), false)).toEqual({ outcomes: [{ type: 'ready' }], logs: [] });
    protocol.sent();
    expect(protocol.feed(bytes('RESULT 2\nOKREADY\n'), false)).toEqual({ outcomes: [{ type: 'processed' }, { type: 'ready' }], logs: [] });
    protocol.sent();
    expect(protocol.feed(bytes('RESULT x\n'), false).logs).toEqual([
      { level: 'warn', message: "listener: bad result line: 'RESULT x'" },
      { level: 'warn', message: expect.stringContaining('listener: has entered the UNKNOWN state') },
    ]);
  });

  it('logs every chunk at debug level and every state change, in supervisord\'s words', () => {
    const protocol = new ListenerProtocol('listener');
    expect(protocol.feed(bytes('READY\n')).logs).toEqual([
      { level: 'debug', message: "'listener' stdout output:\nb'READY\\n'" },
      { level: 'debug', message: 'listener: ACKNOWLEDGED -> READY' },
    ]);
  });
});

describe('a result length', () => {
  it('is read as Python\'s int() reads bytes', () => {
    expect(parsePythonInt(bytes(' 2 '))).toBe(2);
    expect(parsePythonInt(bytes('+1_0'))).toBe(10);
    expect(parsePythonInt(bytes('2x'))).toBeNull();
    expect(parsePythonInt(bytes(''))).toBeNull();
    expect(parsePythonInt(bytes('-1'))).toBeNull(); // supervisord would hang; supd calls it garbled
  });
});

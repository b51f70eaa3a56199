import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatEnvelope } from '../../../src/events/listener-protocol.js';
import { eventPayload, type SupdEvent } from '../../../src/events/payloads.js';
import { PAYLOADS } from '../../unit/events/payload-cases.js';

const PYTHON = '/usr/bin/python3';
const FIXTURE = join(import.meta.dirname, 'fixtures/supervisord-payloads.py');

function importsSupervisor(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import supervisor.events'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The event as the fixture's JSON spec: output bytes travel as a list of numbers. */
function spec(event: SupdEvent): Record<string, unknown> {
  if ('data' in event && event.data instanceof Uint8Array) {
    const { data, ...rest } = event;
    return { ...rest, data_bytes: [...data] };
  }
  return { ...event };
}

describe('payloads and envelopes', () => {
  it('are what supervisord 4.2.5\'s own events.py and _eventEnvelope produce, for every event type', (ctx) => {
    ctx.skip(!importsSupervisor(), `${PYTHON} cannot import supervisor.events (supervisor 4.2.5 not installed)`);
    const events = PAYLOADS.map(([event]) => event);
    const input = events.map((e) => JSON.stringify(spec(e))).join('\n') + '\n';
    const output = execFileSync(PYTHON, [FIXTURE], { input, encoding: 'utf8' });
    const theirs = output.trim().split('\n').map((line) => JSON.parse(line) as { payload: string; envelope: string });
    const ours = events.map((event) => {
      const payload = eventPayload(event);
      const envelope = formatEnvelope({ server: 'supervisor', serial: 7, pool: 'listeners', poolserial: 3, eventname: event.type, payload });
      return { payload, envelope };
    });
    expect(ours).toEqual(theirs);
  });
});

import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EventListener, listen, parseHeaders, parsePayload } from '../../../src/listener.js';
import { encodeEnvelope } from '../../../src/events/listener-protocol.js';

/** A listener on in-memory pipes: `stdin` is what supd writes, `said()` is what it answered. */
function pipes() {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  return { stdin, stdout, said: () => out };
}

const envelope = (serial: number, eventname: string, payload: string) =>
  encodeEnvelope({ server: 'supervisor', serial, pool: 'p', poolserial: serial, eventname, payload });

describe('the listener helper', () => {
  it('says READY, then reads the header and len characters of a non-ASCII payload split anywhere', async () => {
    const payload = 'processname:café☃😀 groupname:g from_state:RUNNING expected:0 pid:5';
    const data = envelope(3, 'PROCESS_STATE_EXITED', payload);
    for (let cut = 0; cut <= data.length; cut += 1) {
      const io = pipes();
      const listener = new EventListener({ input: io.stdin, output: io.stdout });
      const next = listener.readEvent();
      io.stdin.write(data.subarray(0, cut));
      io.stdin.write(data.subarray(cut));
      io.stdin.write('ver:3.0'); // the start of the next event must not be swallowed
      const event = await next;
      expect(io.said()).toBe('READY\n');
      expect(event).toMatchObject({
        eventname: 'PROCESS_STATE_EXITED',
        serial: 3,
        pool: 'p',
        poolserial: 3,
        payload,
        payloadHeaders: { processname: 'café☃😀', expected: '0', pid: '5' },
        data: '',
      });
    }
  });

  it('answers each event of a for-await loop, OK unless told FAIL, and stops when stdin ends', async () => {
    const io = pipes();
    const names: string[] = [];
    const done = (async () => {
      for await (const event of listen({ input: io.stdin, output: io.stdout })) {
        names.push(event.eventname);
        if (event.eventname === 'TICK_60') await event.fail();
      }
    })();
    io.stdin.write(envelope(0, 'TICK_5', 'when:5'));
    io.stdin.write(envelope(1, 'TICK_60', 'when:60'));
    io.stdin.write(envelope(2, 'PROCESS_LOG_STDOUT', 'processname:a groupname:a pid:1 channel:stdout\nline 1\nline 2\n'));
    io.stdin.end();
    await done;
    expect(names).toEqual(['TICK_5', 'TICK_60', 'PROCESS_LOG_STDOUT']);
    expect(io.said()).toBe('READY\nRESULT 2\nOKREADY\nRESULT 4\nFAILREADY\nRESULT 2\nOKREADY\n');
  });

  it('answers FAIL for an event whose loop body threw, so supd sends it again', async () => {
    const io = pipes();
    io.stdin.write(envelope(0, 'TICK_5', 'when:5'));
    const run = (async () => {
      for await (const _event of listen({ input: io.stdin, output: io.stdout })) throw new Error('handler broke');
    })();
    await expect(run).rejects.toThrow('handler broke');
    expect(io.said()).toBe('READY\nRESULT 4\nFAIL');
  });

  it('parses headers and payload bodies as childutils does', () => {
    expect(parseHeaders('ver:3.0 server:supervisor len:15\n')).toEqual({ ver: '3.0', server: 'supervisor', len: '15' });
    expect(parsePayload('processname:a groupname:a pid:1 channel:stdout\nhello\n')).toEqual({
      headers: { processname: 'a', groupname: 'a', pid: '1', channel: 'stdout' },
      data: 'hello\n',
    });
    expect(parsePayload('type:deploy\nv2:blue')).toEqual({ headers: { type: 'deploy' }, data: 'v2:blue' });
    expect(parsePayload('groupname:g\n')).toEqual({ headers: { groupname: 'g' }, data: '' });
  });
});

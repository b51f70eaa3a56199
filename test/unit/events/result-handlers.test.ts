import { describe, expect, it } from 'vitest';
import { supervisorStdoutHandler } from '../../../src/events/result-handlers.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('supervisor_stdout:event_handler, run natively', () => {
  it('prints each line of the data as NAME CHANNEL | line, as the Python prints it (a last prefix-only line after a newline)', () => {
    const printed: string[] = [];
    const handler = supervisorStdoutHandler((t) => printed.push(t));
    expect(handler(bytes('processname:web groupname:web pid:12 channel:stdout\nhello\nworld\n'))).toBe('accepted');
    expect(printed).toEqual(['web stdout | hello\nweb stdout | world\nweb stdout | \n']);
  });

  it('fails as the Python raises: no header line, a header word without one colon, no channel, bytes not UTF-8', () => {
    const handler = supervisorStdoutHandler(() => undefined);
    for (const bad of ['no newline', 'processname:a:b channel:stdout\nx', 'processname:web\nx']) {
      expect(() => handler(bytes(bad))).toThrow();
    }
    expect(() => handler(new Uint8Array([0x70, 0x3a, 0xff, 0x0a]))).toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import { configOf, errorsOf } from './fake-files.js';

const F = '/etc/supd/supd.conf';
const head = '[supervisord]\n';

describe("supd's lifecycle keys", () => {
  it('read backoff_*, startretries=infinite, shutdown_on and stopastree into internal units', () => {
    const { config } = configOf(
      `${head}[program:web]\ncommand=run\nbackoff_delay=0.5\nbackoff_factor=2\nbackoff_limit=8\nstartretries=infinite\nshutdown_on=exit\nstopastree=true\n`,
    );
    expect(config.groups[0]?.processes[0]).toMatchObject({
      backoffDelayMs: 500,
      backoffFactor: 2,
      backoffLimitMs: 8_000,
      startRetries: Number.POSITIVE_INFINITY,
      shutdownOn: 'exit',
      stopAsTree: true,
    });
  });

  it('read shutdown_stuck_timeout in [supervisord]', () => {
    expect(configOf('[supervisord]\nshutdown_stuck_timeout=2.5\n').config.supervisord.shutdownStuckTimeoutMs).toBe(2_500);
  });

  it.each([
    ['backoff_factor=0.5', 'backoff_factor=0.5: expected a number >= 1 (e.g. 2), or none'],
    ['backoff_delay=-1', 'backoff_delay=-1: expected a number of seconds >= 0 (e.g. 1 or 0.5)'],
    ['shutdown_on=always', 'shutdown_on=always: expected fatal, unexpected, exit or none'],
    ['startretries=forever', 'startretries=forever: expected an integer or infinite'],
  ])('%s is refused with one error naming file, line, section and key', (line, message) => {
    expect(errorsOf(`${head}[program:web]\n${line}\ncommand=run\n`)).toEqual([`${F}:3: [program:web] ${message}`]);
  });
});

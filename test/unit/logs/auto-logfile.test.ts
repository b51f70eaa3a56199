import { describe, expect, it } from 'vitest';
import { autoLogfileName, autoLogfilePattern } from '../../../src/logs/auto-logfile.js';
import { stdTargetOf } from '../../../src/logs/std-targets.js';

describe('AUTO log file names', () => {
  it('are named as supervisord names them: <name>-<channel>---<identifier>-<random>.log', () => {
    expect(autoLogfileName('/var/log/supervisor', 'web_00', 'stdout', 'supervisor', 'k3j_9a0z')).toBe(
      '/var/log/supervisor/web_00-stdout---supervisor-k3j_9a0z.log',
    );
  });

  it('are cleaned up, with their backups, by the pattern clear_autochildlogdir uses', () => {
    const pattern = autoLogfilePattern('supervisor');
    expect(pattern.test('web-stdout---supervisor-k3j_9a0z.log')).toBe(true);
    expect(pattern.test('web-stderr---supervisor-k3j_9a0z.log.3')).toBe(true);
    expect(pattern.test('web-stdout---other-k3j_9a0z.log')).toBe(false);
    expect(pattern.test('web.log')).toBe(false);
  });

  it('treat the identifier literally, not as a regular expression', () => {
    expect(autoLogfilePattern('a.b').test('web-stdout---axb-12345678.log')).toBe(false);
  });
});

describe('special log paths', () => {
  it.each([
    ['/dev/stdout', 'stdout'],
    ['/dev/stderr', 'stderr'],
    ['/proc/self/fd/1', 'stdout'],
    ['/proc/1/fd/2', 'stderr'],
    ['/var/log/web.log', null],
  ])('%s means %s of supd', (path, expected) => {
    expect(stdTargetOf(path)).toBe(expected);
  });
});

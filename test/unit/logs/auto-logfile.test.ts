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
    expect('web-stdout---supervisor-k3j_9a0z.log').toMatch(pattern);
    expect('web-stderr---supervisor-k3j_9a0z.log.3').toMatch(pattern);
    expect('web-stdout---other-k3j_9a0z.log').not.toMatch(pattern);
    expect('web.log').not.toMatch(pattern);
  });

  it('treat the identifier literally, not as a regular expression', () => {
    expect('web-stdout---axb-12345678.log').not.toMatch(autoLogfilePattern('a.b'));
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

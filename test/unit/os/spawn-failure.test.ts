// Spawn failures as data: supervisord's spawnerr text for each, and the fault startProcess answers.
import { describe, expect, it } from 'vitest';
import { SPAWN_FAILURE_FAULTS } from '../../../src/daemon/spawn-faults.js';
import { describeSpawnFailure, type SpawnFailure } from '../../../src/os/spawn-failure.js';

const CASES: readonly [SpawnFailure, string][] = [
  [{ kind: 'bad-command', reason: 'command is empty' }, 'command is empty'],
  [{ kind: 'no-file', command: 'webx' }, "can't find command 'webx'"],
  [{ kind: 'no-file', command: "it's" }, `can't find command "it's"`],
  [{ kind: 'is-directory', command: '/srv' }, "command at '/srv' is a directory"],
  [{ kind: 'not-executable', command: '/srv/run' }, "command at '/srv/run' is not executable"],
  [{ kind: 'no-permission', command: '/srv/run' }, "no permission to run command '/srv/run'"],
  [{ kind: 'bad-directory', directory: '/srv/app', errno: 'ENOENT' }, "couldn't chdir to /srv/app: ENOENT"],
  [{ kind: 'bad-user', user: 'steam', reason: "Can't find username 'steam'" }, "couldn't setuid to steam: Can't find username 'steam'"],
  [{ kind: 'exec-failed', program: '/x', errno: 'EACCES' }, "couldn't exec /x: EACCES"],
  [{ kind: 'exec-failed', program: '/x', errno: 'ENOENT', interpreter: '/usr/bin/python9' }, "couldn't exec /x: ENOENT (its #! interpreter /usr/bin/python9 does not exist)"],
  [{ kind: 'no-pipe', stream: 'output', errno: 'EMFILE' }, "couldn't make a pipe for the child's output: EMFILE"],
];

describe('a spawn failure', () => {
  it.each(CASES)('%j reads as supervisord\'s spawnerr %s', (failure, text) => {
    expect(describeSpawnFailure(failure)).toEqual(text);
  });

  it('maps to the fault supervisord\'s startProcess answers (NotFound, NotExecutable, NoPermission, BadCommand)', () => {
    expect(SPAWN_FAILURE_FAULTS).toEqual({
      'no-file': 'NO_FILE',
      'is-directory': 'NOT_EXECUTABLE',
      'not-executable': 'NOT_EXECUTABLE',
      'no-permission': 'NOT_EXECUTABLE',
      'bad-command': 'NOT_EXECUTABLE',
      'bad-directory': 'SPAWN_ERROR',
      'bad-user': 'SPAWN_ERROR',
      'exec-failed': 'SPAWN_ERROR',
      'no-pipe': 'SPAWN_ERROR',
    });
  });
});

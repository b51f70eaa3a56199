// src/os/rlimits.ts on this process's real limits: minfds/minprocs raise the soft limit as
// supervisord's set_rlimits_or_exit() does, and a limit that cannot be raised gives its message.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { getRlimit, isLibcError, RLIMIT_NOFILE, setRlimit, type Rlimit } from '../../../src/os/libc.js';
import { raiseSoftLimit } from '../../../src/os/rlimits.js';

const CAP_SYS_RESOURCE = 24n;
const capEff = readFileSync('/proc/self/status', 'utf8').match(/^CapEff:\s*([0-9a-f]+)$/m)?.[1] ?? '0';
const canRaiseHard = ((BigInt(`0x${capEff}`) >> CAP_SYS_RESOURCE) & 1n) === 1n;

function nofile(): Rlimit {
  const limit = getRlimit(RLIMIT_NOFILE);
  if (isLibcError(limit)) throw new Error(`getrlimit: ${limit.code}`);
  return limit;
}

const original = nofile();
afterEach(() => {
  // Back to what this worker started with (lowering a hard limit we raised needs no privilege).
  setRlimit(RLIMIT_NOFILE, original);
});

describe('raiseSoftLimit', () => {
  it('leaves a soft limit that is already high enough alone', () => {
    expect(raiseSoftLimit('NOFILE', 16)).toEqual({ ok: true, before: original.soft, after: original.soft });
    expect(nofile()).toEqual(original);
  });

  it.skipIf(original.hard < 200)('raises a low soft limit to exactly the minimum, below the hard limit', () => {
    expect(setRlimit(RLIMIT_NOFILE, { soft: 100, hard: original.hard })).toEqual(true);
    expect(raiseSoftLimit('NOFILE', 150)).toEqual({ ok: true, before: 100, after: 150 });
    expect(nofile()).toEqual({ soft: 150, hard: original.hard });
  });

  it.skipIf(original.hard === Infinity)(
    `gives supervisord's minfds message when the hard limit is too low and cannot be raised${canRaiseHard ? ' (or raises it with CAP_SYS_RESOURCE)' : ''}`,
    () => {
      const wanted = original.hard + 1;
      const result = raiseSoftLimit('NOFILE', wanted);
      if (canRaiseHard) {
        expect(result).toEqual({ ok: true, before: original.soft, after: wanted });
      } else {
        expect(result).toEqual({
          ok: false,
          reason: expect.stringContaining(
            `The minimum number of file descriptors required to run this process is ${wanted} as per the "minfds"`,
          ),
        });
        expect(nofile()).toEqual(original);
      }
    },
  );

  it('reads the process limit for minprocs too', () => {
    expect(raiseSoftLimit('NPROC', 1)).toMatchObject({ ok: true });
  });
});

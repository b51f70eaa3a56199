// Raises supd's own soft limits for minfds/minprocs at startup, as supervisord's
// set_rlimits_or_exit() does (options.py). Children inherit them. Not per-program limits.
import { getRlimit, isLibcError, RLIMIT_NOFILE, RLIMIT_NPROC, setRlimit } from './libc.js';

export type RlimitResource = 'NOFILE' | 'NPROC';

export type RaiseResult =
  | { readonly ok: true; readonly before: number; readonly after: number }
  | { readonly ok: false; readonly reason: string };

const RESOURCES = {
  NOFILE: {
    id: RLIMIT_NOFILE,
    refusal: (min: number, hard: number) =>
      `The minimum number of file descriptors required to run this process is ${min} as per the ` +
      `"minfds" command-line argument or config file setting. The current environment will only ` +
      `allow you to open ${hard} file descriptors.  Either raise the number of usable file ` +
      `descriptors in your environment (see README.rst) or lower the minfds setting in the ` +
      `config file to allow the process to start.`,
  },
  NPROC: {
    id: RLIMIT_NPROC,
    refusal: (min: number, hard: number) =>
      `The minimum number of available processes required to run this program is ${min} as per ` +
      `the "minprocs" command-line argument or config file setting. The current environment will ` +
      `only allow you to open ${hard} processes.  Either raise the number of usable processes in ` +
      `your environment (see README.rst) or lower the minprocs setting in the config file to ` +
      `allow the program to start.`,
  },
} as const;

/**
 * Makes the soft limit at least `minimum`: to exactly `minimum`, raising the hard limit too when
 * it is lower (only root may), as supervisord does; a limit already high enough is left alone.
 * `before`/`after` are soft limits, Infinity for unlimited. supervisord exits with `reason`
 * (usage error) when this fails; on success it logs "Increased RLIMIT_NOFILE limit to N".
 */
export function raiseSoftLimit(resource: RlimitResource, minimum: number): RaiseResult {
  const { id, refusal } = RESOURCES[resource];
  const current = getRlimit(id);
  if (isLibcError(current)) return { ok: false, reason: `getrlimit(RLIMIT_${resource}): ${current.code}` };
  if (current.soft >= minimum) return { ok: true, before: current.soft, after: current.soft };
  const hard = current.hard < minimum ? minimum : current.hard;
  const result = setRlimit(id, { soft: minimum, hard });
  if (isLibcError(result)) return { ok: false, reason: refusal(minimum, current.hard) };
  return { ok: true, before: current.soft, after: minimum };
}

// The few libc calls Node.js does not offer, bound with koffi. The ONLY file that imports koffi.
// Each binding says why Node can't do it. Loaded lazily: importing this file costs nothing until
// the first call. Not a general FFI layer: callers get numbers and errno names, never koffi types.
import { createRequire } from 'node:module';
import { constants } from 'node:os';

type Koffi = typeof import('koffi');

/** Linux x86_64/arm64 values (asm-generic), the only platform supd supports. */
export const WNOHANG = 1;
export const WEXITED = 4;
export const WNOWAIT = 0x01000000;
export const P_ALL = 0;
/** sizeof(siginfo_t), and where si_pid sits in it on 64-bit Linux. */
const SIGINFO_SIZE = 128;
const SI_PID_OFFSET = 16;
export const PR_SET_CHILD_SUBREAPER = 36;
export const RLIMIT_NPROC = 6;
export const RLIMIT_NOFILE = 7;
export const O_CLOEXEC = 0o2000000;
export const F_SETPIPE_SZ = 1031;
export const F_GETPIPE_SZ = 1032;

/** A failed call: -1 with errno, as its name (`ECHILD`) and number. */
export interface LibcError {
  readonly errno: number;
  readonly code: string;
}

export interface Rlimit {
  /** Infinity stands for RLIM_INFINITY. */
  readonly soft: number;
  readonly hard: number;
}

interface Bindings {
  readonly koffi: Koffi;
  readonly waitpid: (pid: number, status: number[], options: number) => number;
  readonly waitid: (idtype: number, id: number, infop: Buffer, options: number) => number;
  readonly prctl: (option: number, a2: number, a3: number, a4: number, a5: number) => number;
  readonly getrlimit: (resource: number, out: Record<string, number | bigint>) => number;
  readonly setrlimit: (resource: number, rlim: Record<string, number | bigint>) => number;
  readonly pipe2: (fds: Buffer, flags: number) => number;
  readonly fcntl: (fd: number, cmd: number, arg: number) => number;
}

let bindings: Bindings | undefined;

function libc(): Bindings {
  if (bindings !== undefined) return bindings;
  const koffi = createRequire(import.meta.url)('koffi') as Koffi;
  // dlopen(NULL): the symbols node itself links against, so glibc and musl both work.
  const lib = koffi.load(null);
  koffi.struct('rlimit', { rlim_cur: 'uint64', rlim_max: 'uint64' });
  bindings = {
    koffi,
    // Why: Node has no waitpid; libuv waits only for the children it spawned itself.
    waitpid: lib.func('int waitpid(int pid, _Out_ int *status, int options)'),
    // Why: Node cannot ask which child is a zombie without reaping it (waitid with WNOWAIT).
    waitid: lib.func('int waitid(int idtype, int id, _Inout_ void *infop, int options)'),
    // Why: Node has no prctl; PR_SET_CHILD_SUBREAPER makes orphans ours when we are not PID 1.
    prctl: lib.func(
      'int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)',
    ),
    // Why: Node can read neither the soft nor the hard resource limits.
    getrlimit: lib.func('int getrlimit(int resource, _Out_ rlimit *rlim)'),
    // Why: Node cannot change resource limits (supervisord's minfds/minprocs raise them).
    setrlimit: lib.func('int setrlimit(int resource, const rlimit *rlim)'),
    // Why: Node's stdio 'pipe' is a Unix socketpair; a real pipe (as supervisord's os.pipe())
    // can be enlarged with F_SETPIPE_SZ, so a fast writer is read in 1 MiB rather than 64 KiB bites.
    pipe2: lib.func('int pipe2(_Inout_ void *pipefd, int flags)'),
    // Why: Node has no fcntl (F_SETPIPE_SZ, F_GETPIPE_SZ).
    fcntl: lib.func('int fcntl(int fd, int cmd, int arg)'),
  };
  return bindings;
}

function lastError(): LibcError {
  const errno = libc().koffi.errno();
  const code =
    Object.entries(constants.errno).find(([, n]) => n === errno)?.[0] ?? `errno ${errno}`;
  return { errno, code };
}

/**
 * waitpid(pid, &status, WNOHANG): the reaped pid and its raw wait status, `null` when pid is
 * still running, or the error (ECHILD: not our child, or already reaped by someone else).
 */
export function waitpidNoHang(
  pid: number,
): { pid: number; status: number } | null | LibcError {
  const status = [0];
  const result = libc().waitpid(pid, status, WNOHANG);
  if (result === -1) return lastError();
  if (result === 0) return null;
  return { pid: result, status: status[0] ?? 0 };
}

/**
 * waitid(P_ALL, WEXITED | WNOHANG | WNOWAIT): the pid of one exited child, left unreaped (its
 * owner may still collect it), or 0 when no child has exited. Never takes anyone's status.
 */
export function peekExitedChild(): number | LibcError {
  const info = Buffer.alloc(SIGINFO_SIZE);
  if (libc().waitid(P_ALL, 0, info, WEXITED | WNOHANG | WNOWAIT) === -1) return lastError();
  return info.readInt32LE(SI_PID_OFFSET);
}

/** prctl(PR_SET_CHILD_SUBREAPER, 1): orphaned descendants are reparented to us, not to PID 1. */
export function setChildSubreaper(): true | LibcError {
  return libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) === 0 ? true : lastError();
}

const RLIM_INFINITY = 2n ** 64n - 1n;

function fromRlim(value: number | bigint | undefined): number {
  if (value === undefined) return 0;
  if (typeof value === 'bigint') return value >= RLIM_INFINITY ? Infinity : Number(value);
  return value >= Number.MAX_SAFE_INTEGER ? Infinity : value;
}

function toRlim(value: number): bigint {
  return value === Infinity ? RLIM_INFINITY : BigInt(value);
}

export function getRlimit(resource: number): Rlimit | LibcError {
  const out: Record<string, number | bigint> = {};
  if (libc().getrlimit(resource, out) !== 0) return lastError();
  return { soft: fromRlim(out['rlim_cur']), hard: fromRlim(out['rlim_max']) };
}

export function setRlimit(resource: number, limit: Rlimit): true | LibcError {
  const rlim = { rlim_cur: toRlim(limit.soft), rlim_max: toRlim(limit.hard) };
  return libc().setrlimit(resource, rlim) === 0 ? true : lastError();
}

/** pipe2(O_CLOEXEC): [readFd, writeFd], neither inherited by children unless passed as their stdio. */
export function openPipe(): [number, number] | LibcError {
  const fds = Buffer.alloc(8);
  if (libc().pipe2(fds, O_CLOEXEC) !== 0) return lastError();
  return [fds.readInt32LE(0), fds.readInt32LE(4)];
}

/**
 * fcntl(F_SETPIPE_SZ): the pipe's capacity in bytes as the kernel rounded it. Beyond
 * /proc/sys/fs/pipe-max-size (1 MiB by default) or the user's pipe-user-pages-soft an
 * unprivileged caller gets EPERM; the pipe then keeps its 64 KiB.
 */
export function setPipeSize(fd: number, bytes: number): number | LibcError {
  const result = libc().fcntl(fd, F_SETPIPE_SZ, bytes);
  return result === -1 ? lastError() : result;
}

/** fcntl(F_GETPIPE_SZ): the pipe's capacity in bytes (EBADF/EINVAL when fd is no pipe). */
export function getPipeSize(fd: number): number | LibcError {
  const result = libc().fcntl(fd, F_GETPIPE_SZ, 0);
  return result === -1 ? lastError() : result;
}

export function isLibcError(value: unknown): value is LibcError {
  return typeof value === 'object' && value !== null && 'errno' in value && 'code' in value;
}

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
const SI_CODE_OFFSET = 8;
const SI_PID_OFFSET = 16;
const SI_STATUS_OFFSET = 24;
const CLD_EXITED = 1;
const CLD_DUMPED = 3;
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
  readonly posixSpawn: (
    pid: number[],
    path: string,
    fileActions: Buffer,
    attr: Buffer,
    argv: (string | null)[],
    envp: (string | null)[],
  ) => number;
  readonly fileActionsInit: (fa: Buffer) => number;
  readonly fileActionsDestroy: (fa: Buffer) => number;
  readonly fileActionsAddDup2: (fa: Buffer, fd: number, newfd: number) => number;
  readonly fileActionsAddChdir: ((fa: Buffer, path: string) => number) | null;
  readonly attrInit: (attr: Buffer) => number;
  readonly attrDestroy: (attr: Buffer) => number;
  readonly attrSetFlags: (attr: Buffer, flags: number) => number;
  readonly attrSetSigDefault: (attr: Buffer, set: Buffer) => number;
  readonly attrSetSigMask: (attr: Buffer, set: Buffer) => number;
}

/** The bindings, made at the first call (Node's module cache keeps koffi; `once` keeps these). */
const libc = once((): Bindings => {
  const koffi = createRequire(import.meta.url)('koffi') as Koffi;
  // dlopen(NULL): the symbols node itself links against, so glibc and musl both work.
  const lib = koffi.load(null);
  koffi.struct('rlimit', { rlim_cur: 'uint64', rlim_max: 'uint64' });
  return {
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
    // Why: libuv fork()s, and forking a ~90 MiB Node process costs milliseconds of page-table
    // copying per spawn, charged to supd; posix_spawn's vfork-style clone shares our memory until
    // the child execs. The helpers below build its file actions and attributes.
    posixSpawn: lib.func(
      'int posix_spawn(_Out_ int *pid, const char *path, void *fa, void *attr, const char **argv, const char **envp)',
    ),
    fileActionsInit: lib.func('int posix_spawn_file_actions_init(void *fa)'),
    fileActionsDestroy: lib.func('int posix_spawn_file_actions_destroy(void *fa)'),
    fileActionsAddDup2: lib.func('int posix_spawn_file_actions_adddup2(void *fa, int fd, int newfd)'),
    // glibc >= 2.29 and musl >= 1.1.24; without it a program with directory= goes through libuv.
    fileActionsAddChdir: optionalFunc(lib, 'int posix_spawn_file_actions_addchdir_np(void *fa, const char *path)'),
    attrInit: lib.func('int posix_spawnattr_init(void *attr)'),
    attrDestroy: lib.func('int posix_spawnattr_destroy(void *attr)'),
    attrSetFlags: lib.func('int posix_spawnattr_setflags(void *attr, short flags)'),
    attrSetSigDefault: lib.func('int posix_spawnattr_setsigdefault(void *attr, const void *set)'),
    attrSetSigMask: lib.func('int posix_spawnattr_setsigmask(void *attr, const void *set)'),
  };
});

/** A value made at the first call and the same ever after: a load, not state that changes. */
function once<T>(make: () => T): () => T {
  let made: { readonly value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

function optionalFunc<F>(lib: ReturnType<Koffi['load']>, signature: string): F | null {
  try {
    return lib.func(signature) as F;
  } catch {
    return null; // the symbol is not in this libc
  }
}

function lastError(): LibcError {
  return errnoError(libc().koffi.errno());
}

const ERRNO_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

function errnoError(errno: number): LibcError {
  return { errno, code: ERRNO_NAMES.get(errno) ?? `errno ${errno}` };
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
  const siginfo = Buffer.alloc(SIGINFO_SIZE); // zeroed: si_pid stays 0 when no child has exited
  if (libc().waitid(P_ALL, 0, siginfo, WEXITED | WNOHANG | WNOWAIT) === -1) return lastError();
  return siginfo.readInt32LE(SI_PID_OFFSET);
}

/**
 * waitid(P_ALL, WEXITED | WNOHANG): reaps one exited child, whichever it is, and returns its pid
 * with a raw wait status (as waitpid gives it); null when no child has exited. Only for callers
 * that know no other owner (libuv) has a child of ours to wait for.
 */
export function reapAnyExitedChild(): { pid: number; status: number } | null | LibcError {
  const siginfo = Buffer.alloc(SIGINFO_SIZE);
  if (libc().waitid(P_ALL, 0, siginfo, WEXITED | WNOHANG) === -1) return lastError();
  const pid = siginfo.readInt32LE(SI_PID_OFFSET);
  if (pid === 0) return null;
  const code = siginfo.readInt32LE(SI_CODE_OFFSET);
  const value = siginfo.readInt32LE(SI_STATUS_OFFSET);
  // CLD_EXITED carries the exit code; CLD_KILLED and CLD_DUMPED the signal number.
  const status = code === CLD_EXITED ? (value & 0xff) << 8 : (value & 0x7f) | (code === CLD_DUMPED ? 0x80 : 0);
  return { pid, status };
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

/** POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID (glibc and musl values). */
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;
/** Larger than glibc's posix_spawn_file_actions_t (80), posix_spawnattr_t (336) and sigset_t (128). */
const OPAQUE_BYTES = 512;
/**
 * Every signal 1-64 by its bit, not sigfillset(): that leaves out glibc's internal signals 32 and
 * 33, which glibc's spawn then sets to SIG_IGN in the child, and exec keeps that.
 */
const ALL_SIGNALS = Buffer.alloc(OPAQUE_BYTES).fill(0xff, 0, 8);
/** sigemptyset() on Linux, glibc and musl alike: no bit set. */
const NO_SIGNALS = Buffer.alloc(OPAQUE_BYTES);

export interface PosixSpawnRequest {
  /** The file to execute (already resolved: posix_spawn does no PATH search). */
  readonly file: string;
  readonly argv: readonly string[];
  readonly env: readonly string[];
  /** [fd in supd, fd in the child]: dup2()ed in order, which also clears close-on-exec. */
  readonly dup2: readonly (readonly [number, number])[];
  readonly cwd: string | null;
}

/** Whether posixSpawn can honour `cwd` (posix_spawn_file_actions_addchdir_np exists). */
export function canSpawnInDirectory(): boolean {
  return libc().fileActionsAddChdir !== null;
}

/**
 * posix_spawn() the way libuv's uv_spawn sets a child up, minus the fork: a new session
 * (setsid), every signal back to its default disposition (Node ignores SIGPIPE, and ignored
 * signals survive exec) and nothing blocked. Returns the pid, or the errno of a failed exec:
 * glibc reports exec failures (ENOENT, ENOEXEC, EACCES) synchronously.
 */
export function posixSpawn(req: PosixSpawnRequest): number | LibcError {
  const c = libc();
  const actions = Buffer.alloc(OPAQUE_BYTES);
  const attr = Buffer.alloc(OPAQUE_BYTES);
  let result = c.fileActionsInit(actions);
  if (result !== 0) return errnoError(result);
  try {
    result = c.attrInit(attr);
    if (result !== 0) return errnoError(result);
    try {
      for (const [from, to] of req.dup2) {
        result = c.fileActionsAddDup2(actions, from, to);
        if (result !== 0) return errnoError(result);
      }
      if (req.cwd !== null) {
        if (c.fileActionsAddChdir === null) return errnoError(constants.errno.ENOSYS);
        result = c.fileActionsAddChdir(actions, req.cwd);
        if (result !== 0) return errnoError(result);
      }
      c.attrSetSigDefault(attr, ALL_SIGNALS);
      c.attrSetSigMask(attr, NO_SIGNALS);
      c.attrSetFlags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID);
      const pid = [0];
      result = c.posixSpawn(pid, req.file, actions, attr, [...req.argv, null], [...req.env, null]);
      return result === 0 ? (pid[0] ?? 0) : errnoError(result);
    } finally {
      c.attrDestroy(attr);
    }
  } finally {
    c.fileActionsDestroy(actions);
  }
}

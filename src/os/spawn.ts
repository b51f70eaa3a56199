// The only spawner: starts one program as supervisord's Subprocess.spawn() does (process.py
// get_execv_args, _spawn_as_child), with posix_spawn (its exit collected by os/reaper.ts), or with
// execa when it must change user. Either way the pid is recorded in the caller's ChildTable, which
// tells the reaper whose exit it is to collect. Failures the user can cause come back as a typed
// SpawnFailure (os/spawn-failure.ts), never as throws. Not the state machine, not log capture:
// callers get the child's pipes and an exit promise.
import { closeSync, openSync, readSync, statSync, accessSync, constants as fsConstants, type Stats } from 'node:fs';
import { Socket } from 'node:net';
import { isAbsolute, join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { createRequire } from 'node:module';
import { canSpawnInDirectory, isLibcError, openPipe, posixSpawn, setPipeSize, type LibcError, type PosixSpawnRequest } from './libc.js';
import type { ChildTable } from './child-table.js';
import type { SpawnFailure } from './spawn-failure.js';
import { decodeWaitStatus } from './wait-status.js';
import { findUser, readPasswdFile, type PasswdEntry } from './passwd.js';

export interface SpawnRequest {
  /** argv[0] is the command as written; it is resolved in env.PATH when it has no '/'. */
  readonly argv: readonly string[];
  /** The child's whole environment: nothing of supd's is added. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string | null;
  readonly umask: number | null;
  /** user= as configured: a name or a uid. */
  readonly user: string | null;
  /** redirect_stderr: the child's fd 2 is the same pipe as its fd 1, so ordering is exact. */
  readonly redirectStderr?: boolean;
}

export interface ChildExit {
  readonly code: number | null;
  /** e.g. 'SIGKILL' */
  readonly signal: string | null;
  /**
   * Set when the program never ran although a pid was given (Node reported the failure only after
   * the fork). code is then 127, as supervisord's child _exit(127)s after writing "couldn't exec
   * ..." to the program's stderr. Rare: most failures are returned by spawnProcess itself.
   */
  readonly failure?: SpawnFailure;
}

export interface SpawnedChild {
  readonly pid: number;
  /**
   * The write end of the child's stdin pipe as a stream, made on first use: most programs are
   * never written to, and a stream per program costs memory for nothing.
   */
  readonly openStdin: () => Writable;
  /** The read end of the child's stdout pipe; the caller owns it and must read and close it. */
  readonly stdoutFd: number;
  /** The read end of its stderr pipe, or null with redirectStderr (stderr is in stdoutFd). */
  readonly stderrFd: number | null;
  /** Resolves once, when the process has exited and libuv has reaped it. */
  readonly exit: Promise<ChildExit>;
}

export type SpawnResult = { ok: true; child: SpawnedChild } | Failed;
type Failed = { readonly ok: false; readonly failure: SpawnFailure };

function failed(failure: SpawnFailure): Failed {
  return { ok: false, failure };
}

/** supervisord's get_path() default when the child's environment has no PATH. */
const DEFAULT_PATH = ['/bin', '/usr/bin', '/usr/local/bin'];

/**
 * execa takes longer to load than supd takes to start a hundred programs, and only user=
 * programs need it: load it at the first such spawn (require of an ES module, Node >= 22.12;
 * the module cache makes later calls free).
 */
function loadExeca(): typeof import('execa').execa {
  return (createRequire(import.meta.url)('execa') as typeof import('execa')).execa;
}

/** Output pipe capacity: large reads are what let supd's logging keep up with a fast writer. */
const PIPE_BYTES = 1024 * 1024;

/**
 * Starts a program and records it in `children`. Synchronous: the pid exists (or the failure is
 * known) when this returns.
 */
export function spawnProcess(children: ChildTable, req: SpawnRequest): SpawnResult {
  const [program] = req.argv;
  if (program === undefined || program === '') return failed({ kind: 'bad-command', reason: 'command is empty' });

  const cwd = req.cwd ?? process.cwd();
  if (req.cwd !== null) {
    const problem = checkDirectory(req.cwd);
    if (problem !== null) return failed({ kind: 'bad-directory', directory: req.cwd, errno: problem });
  }

  const command = resolveCommand(program, req.env, cwd);
  if (!command.ok) return command;

  const identity = resolveIdentity(req.user);
  if (!identity.ok) return identity;
  if (identity.entry !== null) {
    // libuv chdir()s and execs with the target's uid/gid, but chdir()s before setuid(): a
    // directory the user may not enter would still "work". supervisord setuid()s first, so its
    // chdir fails; copy that, and name an exec the user may not run before forking.
    if (req.cwd !== null && !isReachableAs(req.cwd, identity.entry))
      return failed({ kind: 'bad-directory', directory: req.cwd, errno: 'EACCES' });
    if (!isReachableAs(command.filename, identity.entry)) return failed({ kind: 'exec-failed', program, errno: 'EACCES' });
  }
  const env = identity.entry === null ? { ...req.env } : withUserEnv(req.env, identity.entry);

  // Real pipes, as supervisord's os.pipe(), not the socketpairs Node's stdio 'pipe' makes: with
  // 1 MiB of pipe buffer each read takes up to 1 MiB, which is what lets logging keep up.
  const out = outputPipe();
  if ('failure' in out) return out;
  const err = req.redirectStderr === true ? null : outputPipe();
  if (err !== null && 'failure' in err) {
    closeAll([out.read, out.write]);
    return err;
  }
  const closeWriteEnds = (): void => closeAll([out.write, ...(err === null ? [] : [err.write])]);
  const closeReadEnds = (): void => closeAll([out.read, ...(err === null ? [] : [err.read])]);
  const common = { program, filename: command.filename, args: req.argv.slice(1), env, umask: req.umask };
  const childStderr = err === null ? out.write : err.write;
  // posix_spawn cannot change user, and may lack chdir in an old libc: those go through libuv.
  const result =
    identity.entry === null && (req.cwd === null || canSpawnInDirectory())
      ? spawnDirect(children, common, req.cwd, out.write, childStderr)
      : spawnThroughLibuv(children, common, cwd, identity.entry, out.write, childStderr);
  // The child has its own copies now; ours would keep the pipes open after it exits.
  closeWriteEnds();
  if (!result.ok) {
    closeReadEnds();
    return result;
  }
  return {
    ok: true,
    child: { ...result.started, stdoutFd: out.read, stderrFd: err === null ? null : err.read },
  };
}

interface CommonSpawn {
  /** argv[0] as written: supervisord execve()s with it, not with the resolved path. */
  readonly program: string;
  readonly filename: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly umask: number | null;
}

type Started = { ok: true; started: Pick<SpawnedChild, 'pid' | 'openStdin' | 'exit'> } | Failed;

/**
 * The usual path: posix_spawn, whose vfork-style clone does not copy supd's page tables, so a
 * spawn costs supd a fraction of libuv's fork(). supd's reaper collects the exit (os/reaper.ts).
 */
function spawnDirect(children: ChildTable, spawn: CommonSpawn, cwd: string | null, stdoutFd: number, stderrFd: number): Started {
  const stdinPipe = openPipe();
  if (isLibcError(stdinPipe)) return failed({ kind: 'no-pipe', stream: 'input', errno: stdinPipe.code });
  const [stdinRead, stdinWrite] = stdinPipe;
  const pid = posixSpawnProgram(spawn, cwd, [[stdinRead, 0], [stdoutFd, 1], [stderrFd, 2]]);
  closeAll([stdinRead]);
  if (isLibcError(pid)) {
    closeAll([stdinWrite]);
    return failed(describeExecFailure(spawn.program, spawn.filename, pid.code));
  }
  let stdin: Socket | undefined;
  let isExited = false;
  const openStdin = (): Writable => {
    if (stdin === undefined) {
      stdin = new Socket({ fd: stdinWrite, readable: false, writable: true });
      // A program that exits while supd writes to it would raise EPIPE with no listener.
      stdin.on('error', () => {});
      if (isExited) stdin.destroy();
    }
    return stdin;
  };
  const startedPid = pid;
  const exit = new Promise<ChildExit>((settle) => {
    children.awaitExit(startedPid, (status) => {
      // As Node does for its children: nothing can be written to a process that has gone.
      isExited = true;
      if (stdin === undefined) closeAll([stdinWrite]);
      else stdin.destroy();
      settle(decodeWaitStatus(status));
    });
  });
  return { ok: true, started: { pid: startedPid, openStdin, exit } };
}

/**
 * posix_spawn of the program, with /bin/sh for a file without #! (it fails exec with ENOEXEC;
 * execvp, and so libuv, then runs it with /bin/sh). Its own function so that the environment's
 * strings are garbage once the child exists: closures made beside them in spawnDirect (stdin,
 * the exit callback) live as long as the child and would keep them, ~2 KiB a program.
 */
function posixSpawnProgram(spawn: CommonSpawn, cwd: string | null, dup2: PosixSpawnRequest['dup2']): number | LibcError {
  const env = Object.entries(spawn.env).map(([name, value]) => `${name}=${value}`);
  const run = (file: string, argv: readonly string[]) => spawnWithUmask(spawn.umask, () => posixSpawn({ file, argv, env, dup2, cwd }));
  const pid = run(spawn.filename, [spawn.program, ...spawn.args]);
  if (isLibcError(pid) && pid.code === 'ENOEXEC') return run('/bin/sh', ['/bin/sh', spawn.filename, ...spawn.args]);
  return pid;
}

/**
 * For user=: posix_spawn cannot setuid, libuv can (after fork, before exec). libuv reaps these,
 * so the pid is recorded as libuv's until its exit arrives and the reaper leaves it alone.
 */
function spawnThroughLibuv(
  children: ChildTable,
  spawn: CommonSpawn,
  cwd: string,
  user: PasswdEntry | null,
  stdoutFd: number,
  stderrFd: number,
): Started {
  // execa's types accept only literal fd numbers here; at run time any open fd is passed through.
  const execa = loadExeca();
  const subprocess = spawnWithUmask(spawn.umask, () =>
    execa(spawn.filename, spawn.args, {
      argv0: spawn.program,
      env: spawn.env,
      extendEnv: false,
      cwd,
      stdin: 'pipe',
      stdout: stdoutFd as 1,
      stderr: stderrFd as 2,
      reject: false,
      cleanup: false,
      // setsid(): each program leads its own process group (supervisord calls setpgrp), so a
      // group signal reaches its children, and a Ctrl-C at supd's terminal does not.
      detached: true,
      ...(user === null ? {} : { uid: user.uid, gid: user.gid }),
    }),
  );
  // With reject:false the promise only settles; we watch the ChildProcess itself because execa
  // also waits for the pipes, which a grandchild may hold open long after the program exited.
  subprocess.catch(() => {});

  const pid = subprocess.pid;
  if (pid === undefined) {
    // Node leaves the pid unset when fork or exec failed; the errno only arrives on the next
    // tick, so name the likely cause from what we can see.
    return failed(describeExecFailure(spawn.program, spawn.filename, null));
  }
  children.recordLibuvChild(pid);
  const program = spawn.program;

  const exit = new Promise<ChildExit>((settle) => {
    let settled = false;
    const finish = (result: ChildExit): void => {
      if (settled) return;
      settled = true;
      children.forgetLibuvChild(pid);
      settle(result);
    };
    let spawned = false;
    subprocess.once('spawn', () => {
      spawned = true;
    });
    subprocess.once('exit', (code, signal) => finish({ code, signal }));
    // Should a pid exist and Node still emit 'error' instead of 'spawn' (and no 'exit'), the
    // program never ran. Our listener runs before execa's promise settles, so this result wins.
    subprocess.once('error', (error: NodeJS.ErrnoException) => {
      if (spawned) return;
      finish({ code: 127, signal: null, failure: { kind: 'exec-failed', program, errno: error.code ?? error.message } });
    });
    // The backstop for any other way execa settles without an 'exit' event.
    void subprocess.then(
      (result) => finish({ code: result.exitCode ?? null, signal: result.signal ?? null }),
      () => finish({ code: null, signal: null }),
    );
  });

  // A program that exits while supd writes to it would raise EPIPE with no listener.
  subprocess.stdin.on('error', () => {});
  return { ok: true, started: { pid, openStdin: () => subprocess.stdin, exit } };
}

/**
 * A Readable over a pipe read end (takes ownership of the fd), for consumers that want a stream
 * rather than src/logs/pipe-reader.ts: the event-listener protocol, tests.
 */
export function readableFromFd(fd: number): Readable {
  return new Socket({ fd, readable: true, writable: false });
}

/** A pipe whose read end stays in supd (close-on-exec), enlarged to 1 MiB where allowed. */
function outputPipe(): { read: number; write: number } | Failed {
  const fds = openPipe();
  if (isLibcError(fds)) return failed({ kind: 'no-pipe', stream: 'output', errno: fds.code });
  // Past /proc/sys/fs/pipe-max-size or the user's pipe-user-pages-soft this is EPERM: 64 KiB stays.
  setPipeSize(fds[0], PIPE_BYTES);
  return { read: fds[0], write: fds[1] };
}

function closeAll(fds: readonly number[]): void {
  for (const fd of fds) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  }
}

/**
 * What supervisord's startProcess checks before it spawns (get_execv_args): null when the command
 * can be run, else why not (no-file, not-executable...), so an RPC start can refuse with NO_FILE or
 * NOT_EXECUTABLE and leave the process as it was.
 */
export function checkCommand(req: SpawnRequest): SpawnFailure | null {
  const [program] = req.argv;
  if (program === undefined || program === '') return { kind: 'bad-command', reason: 'command is empty' };
  const result = resolveCommand(program, req.env, req.cwd ?? process.cwd());
  return result.ok ? null : result.failure;
}

/** get_execv_args + check_execv_args, with supervisord's messages. */
function resolveCommand(
  program: string,
  env: Readonly<Record<string, string>>,
  cwd: string,
): { ok: true; filename: string } | Failed {
  let filename: string;
  let st: Stats | undefined;
  if (program.includes('/')) {
    // Relative to the child's directory, where execve will look (supervisord stats it relative
    // to its own cwd, then execs after chdir: a mismatch we do not copy).
    filename = isAbsolute(program) ? program : resolve(cwd, program);
    st = statOrUndefined(filename);
  } else {
    const path = env['PATH'] ? env['PATH'].split(':') : DEFAULT_PATH;
    filename = program;
    for (const dir of path) {
      const candidate = dir === '' ? resolve(cwd, program) : join(dir, program);
      st = statOrUndefined(candidate);
      if (st !== undefined) {
        filename = candidate;
        break;
      }
    }
  }
  const command = program.includes('/') ? program : filename;
  if (st === undefined) return failed({ kind: 'no-file', command });
  if (st.isDirectory()) return failed({ kind: 'is-directory', command });
  if ((st.mode & 0o111) === 0) return failed({ kind: 'not-executable', command });
  try {
    accessSync(filename, fsConstants.X_OK);
  } catch {
    return failed({ kind: 'no-permission', command });
  }
  return { ok: true, filename };
}

/** drop_privileges(): null when no change of user is needed (none asked, or already that uid). */
function resolveIdentity(
  user: string | null,
): { ok: true; entry: PasswdEntry | null } | Failed {
  if (user === null) return { ok: true, entry: null };
  const found = findUser(readPasswdFile(), user);
  if (!found.ok) return failed({ kind: 'bad-user', user, reason: found.reason });
  const current = process.getuid?.() ?? 0;
  if (found.entry.uid === current) return { ok: true, entry: null };
  if (current !== 0) return failed({ kind: 'bad-user', user, reason: "Can't drop privilege as nonroot user" });
  return { ok: true, entry: found.entry };
}

/**
 * HOME, USER and LOGNAME of the user= account. supervisord 4.2.5 leaves supd's own values here
 * (its docs tell users to set them in environment=); supd sets them, as su/login would.
 */
function withUserEnv(env: Readonly<Record<string, string>>, entry: PasswdEntry): Record<string, string> {
  return { ...env, HOME: entry.home, USER: entry.name, LOGNAME: entry.name };
}

/**
 * umask= applies to the child only. libuv forks inside execa() synchronously, and the child keeps
 * the umask it was forked with, so setting ours around that call gives the child its umask and
 * restores supd's before any other JavaScript runs. The one window left: a libuv threadpool file
 * creation landing in those microseconds would get the program's umask (umask is per process).
 */
function spawnWithUmask<T>(umask: number | null, spawn: () => T): T {
  if (umask === null) return spawn();
  const previous = process.umask(umask);
  try {
    return spawn();
  } finally {
    process.umask(previous);
  }
}

/** The errno name of why `dir` can't be the child's cwd, or null if it can. */
function checkDirectory(dir: string): string | null {
  try {
    return statSync(dir).isDirectory() ? null : 'ENOTDIR';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? 'unknown error';
  }
}

/**
 * Why exec failed (supervisord's child's "couldn't exec %s: %s"). The checks before the spawn
 * passed, so an ENOENT is usually a missing #! interpreter: name it.
 */
function describeExecFailure(program: string, filename: string, code: string | null): SpawnFailure {
  if (code !== null && code !== 'ENOENT') return { kind: 'exec-failed', program, errno: code };
  let head = '';
  try {
    const fd = openSync(filename, 'r');
    try {
      const buffer = Buffer.alloc(256);
      head = buffer.toString('latin1', 0, readSync(fd, buffer, 0, buffer.length, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    // unreadable: nothing more to say
  }
  const interpreter = head.startsWith('#!') ? head.slice(2).split('\n')[0]?.trim().split(/\s+/)[0] : undefined;
  if (interpreter !== undefined && interpreter !== '' && statOrUndefined(interpreter) === undefined)
    return { kind: 'exec-failed', program, errno: 'ENOENT', interpreter };
  return { kind: 'exec-failed', program, errno: code };
}

/**
 * Whether the user= account may reach `path`: search (x) on every directory above it and x on
 * itself. libuv drops supplementary groups (setgroups(0)), so only the primary gid counts.
 */
function isReachableAs(path: string, entry: PasswdEntry): boolean {
  const full = resolve(path);
  const parts = full.split('/').filter((p) => p !== '');
  for (let i = 0; i <= parts.length; i++) {
    const st = statOrUndefined(`/${parts.slice(0, i).join('/')}`);
    if (st === undefined) return false;
    const shift = st.uid === entry.uid ? 6 : st.gid === entry.gid ? 3 : 0;
    if (((st.mode >> shift) & 0o1) === 0) return false;
  }
  return true;
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

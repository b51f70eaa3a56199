// The only spawner: starts one program with execa, as supervisord's Subprocess.spawn() does
// (process.py get_execv_args, _spawn_as_child), and records its pid so the reaper leaves it to
// libuv. Failures the user can cause come back as supervisord's spawnerr text, never as throws.
// Not the state machine, not log capture: callers get the child's pipes and an exit promise.
import { statSync, accessSync, constants as fsConstants, type Stats } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { execa } from 'execa';
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
}

export interface ChildExit {
  readonly code: number | null;
  /** e.g. 'SIGKILL' */
  readonly signal: string | null;
  /**
   * Set when the program never ran: libuv reported a chdir or exec failure only after the fork
   * (e.g. EACCES as the user= account). code is then 127, as supervisord's child _exit(127)s after
   * writing "couldn't chdir to ..." to the program's stderr; supd should log this text.
   */
  readonly spawnerr?: string;
}

/**
 * Read stdout and stderr in the same turn of the event loop as spawnProcess() returned: with
 * buffer:false, execa resumes a pipe nobody reads after one setImmediate and its output is
 * dropped (execa#730). That also keeps a program whose output nobody wants from blocking.
 */
export interface SpawnedChild {
  readonly pid: number;
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Resolves once, when the process has exited and libuv has reaped it. */
  readonly exit: Promise<ChildExit>;
}

export type SpawnResult = { ok: true; child: SpawnedChild } | { ok: false; spawnerr: string };

/** supervisord's get_path() default when the child's environment has no PATH. */
const DEFAULT_PATH = ['/bin', '/usr/bin', '/usr/local/bin'];

const owned = new Set<number>();

/** True for pids spawned here whose exit libuv has not reported yet: the reaper must not wait on them. */
export function isOwnedPid(pid: number): boolean {
  return owned.has(pid);
}

/** Starts a program. Synchronous: the pid exists (or the spawnerr is known) when this returns. */
export function spawnProcess(req: SpawnRequest): SpawnResult {
  const [program] = req.argv;
  if (program === undefined || program === '') return { ok: false, spawnerr: 'command is empty' };

  const cwd = req.cwd ?? process.cwd();
  if (req.cwd !== null) {
    const problem = checkDirectory(req.cwd);
    // supervisord's child writes "couldn't chdir to %s: %s" with the errno name (process.py).
    if (problem !== null) return { ok: false, spawnerr: `couldn't chdir to ${req.cwd}: ${problem}` };
  }

  const command = resolveCommand(program, req.env, cwd);
  if (!command.ok) return command;

  const identity = resolveIdentity(req.user);
  if (!identity.ok) return identity;
  const env = identity.entry === null ? { ...req.env } : withUserEnv(req.env, identity.entry);

  const subprocess = spawnWithUmask(req.umask, () =>
    execa(command.filename, req.argv.slice(1), {
      argv0: program, // supervisord execve()s with argv[0] as written, not the resolved path
      env,
      extendEnv: false,
      cwd,
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      cleanup: false,
      // setsid(): each program leads its own process group (supervisord calls setpgrp), so a
      // group signal reaches its children, and a Ctrl-C at supd's terminal does not.
      detached: true,
      ...(identity.entry === null ? {} : { uid: identity.entry.uid, gid: identity.entry.gid }),
    }),
  );
  // With reject:false the promise only settles; we watch the ChildProcess itself because execa
  // also waits for the pipes, which a grandchild may hold open long after the program exited.
  subprocess.catch(() => {});

  const pid = subprocess.pid;
  if (pid === undefined) {
    // Node only leaves the pid unset when it could not even fork (EMFILE, EAGAIN...).
    return { ok: false, spawnerr: `couldn't spawn ${command.filename}: fork failed (too many open files or processes?)` };
  }
  owned.add(pid);

  const exit = new Promise<ChildExit>((settle) => {
    let settled = false;
    const finish = (result: ChildExit): void => {
      if (settled) return;
      settled = true;
      owned.delete(pid);
      settle(result);
    };
    let spawned = false;
    subprocess.once('spawn', () => {
      spawned = true;
    });
    subprocess.once('exit', (code, signal) => finish({ code, signal }));
    // Node emits 'error' instead of 'spawn' (and no 'exit') when the exec or chdir failed in the
    // forked child. Our listener runs before execa's promise settles, so this result wins.
    subprocess.once('error', (error: NodeJS.ErrnoException) => {
      if (spawned) return;
      const code = error.code ?? 'unknown error';
      finish({ code: 127, signal: null, spawnerr: describeLateFailure(code, command.filename, cwd, identity.entry) });
    });
    // The backstop for any other way execa settles without an 'exit' event.
    void subprocess.then(
      (result) => finish({ code: result.exitCode ?? null, signal: result.signal ?? null }),
      () => finish({ code: null, signal: null }),
    );
  });

  // A program that exits while supd writes to it would raise EPIPE with no listener.
  subprocess.stdin.on('error', () => {});

  return {
    ok: true,
    child: { pid, stdin: subprocess.stdin, stdout: subprocess.stdout, stderr: subprocess.stderr, exit },
  };
}

/** get_execv_args + check_execv_args, with supervisord's messages. */
function resolveCommand(
  program: string,
  env: Readonly<Record<string, string>>,
  cwd: string,
): { ok: true; filename: string } | { ok: false; spawnerr: string } {
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
  const shown = program.includes('/') ? program : filename;
  if (st === undefined) return { ok: false, spawnerr: `can't find command ${pyRepr(shown)}` };
  if (st.isDirectory()) return { ok: false, spawnerr: `command at ${pyRepr(shown)} is a directory` };
  if ((st.mode & 0o111) === 0)
    return { ok: false, spawnerr: `command at ${pyRepr(shown)} is not executable` };
  try {
    accessSync(filename, fsConstants.X_OK);
  } catch {
    return { ok: false, spawnerr: `no permission to run command ${pyRepr(shown)}` };
  }
  return { ok: true, filename };
}

/** drop_privileges(): null when no change of user is needed (none asked, or already that uid). */
function resolveIdentity(
  user: string | null,
): { ok: true; entry: PasswdEntry | null } | { ok: false; spawnerr: string } {
  if (user === null) return { ok: true, entry: null };
  const found = findUser(readPasswdFile(), user);
  if (!found.ok) return { ok: false, spawnerr: `couldn't setuid to ${user}: ${found.reason}` };
  const current = process.getuid?.() ?? 0;
  if (found.entry.uid === current) return { ok: true, entry: null };
  if (current !== 0)
    return { ok: false, spawnerr: `couldn't setuid to ${user}: Can't drop privilege as nonroot user` };
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
 * Names what failed after the fork: the errno alone doesn't say whether chdir or exec failed, but
 * only the user= account can fail to enter a directory that passed our checks.
 */
function describeLateFailure(code: string, filename: string, cwd: string, entry: PasswdEntry | null): string {
  if (entry !== null && !canAccessAs(cwd, entry, 0o1)) return `couldn't chdir to ${cwd}: ${code}`;
  return `couldn't exec ${filename}: ${code}`;
}

function canAccessAs(path: string, entry: PasswdEntry, bits: number): boolean {
  const st = statOrUndefined(path);
  if (st === undefined) return false;
  const shift = st.uid === entry.uid ? 6 : st.gid === entry.gid ? 3 : 0;
  return ((st.mode >> shift) & bits) === bits;
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Python's repr() of a str, as supervisord's %r puts it in spawnerr. */
function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text.replace(/\\/g, '\\\\').replace(quote === "'" ? /'/g : /"/g, `\\${quote}`);
  return `${quote}${escaped}${quote}`;
}

// Why a program could not be started, as data: os/spawn.ts returns these, the daemon maps them to
// XML-RPC faults by kind (daemon/spawn-faults.ts) and to supervisord's spawnerr text here. Never
// parsed back from text.

export type SpawnFailure =
  /** supervisord's BadCommand: nothing to run (`command is empty`) or a command line it can't split. */
  | { readonly kind: 'bad-command'; readonly reason: string }
  /** NotFound: `can't find command 'webx'`. `command` is as supervisord shows it (resolved in PATH or as written). */
  | { readonly kind: 'no-file'; readonly command: string }
  /** NotExecutable: the command is a directory. */
  | { readonly kind: 'is-directory'; readonly command: string }
  /** NotExecutable: no x bit at all. */
  | { readonly kind: 'not-executable'; readonly command: string }
  /** NoPermission: an x bit, but not for supd. */
  | { readonly kind: 'no-permission'; readonly command: string }
  /** The child's directory= can't be entered (`couldn't chdir to /srv: ENOENT`). */
  | { readonly kind: 'bad-directory'; readonly directory: string; readonly errno: string }
  /** user= is unknown, or supd may not become it. */
  | { readonly kind: 'bad-user'; readonly user: string; readonly reason: string }
  /**
   * exec itself failed after the checks passed. errno null: libuv had not said why yet.
   * `interpreter`: the #! interpreter that does not exist, when that is the cause.
   */
  | { readonly kind: 'exec-failed'; readonly program: string; readonly errno: string | null; readonly interpreter?: string }
  /** No pipe for the child's stdin or output (out of descriptors). */
  | { readonly kind: 'no-pipe'; readonly stream: 'input' | 'output'; readonly errno: string };

export type SpawnFailureKind = SpawnFailure['kind'];

/** supervisord's spawnerr text for a failure (process.py get_execv_args, _spawn_as_child). */
export function describeSpawnFailure(failure: SpawnFailure): string {
  switch (failure.kind) {
    case 'bad-command':
      return failure.reason;
    case 'no-file':
      return `can't find command ${pyRepr(failure.command)}`;
    case 'is-directory':
      return `command at ${pyRepr(failure.command)} is a directory`;
    case 'not-executable':
      return `command at ${pyRepr(failure.command)} is not executable`;
    case 'no-permission':
      return `no permission to run command ${pyRepr(failure.command)}`;
    case 'bad-directory':
      // supervisord's child writes "couldn't chdir to %s: %s" with the errno name.
      return `couldn't chdir to ${failure.directory}: ${failure.errno}`;
    case 'bad-user':
      return `couldn't setuid to ${failure.user}: ${failure.reason}`;
    case 'exec-failed':
      if (failure.interpreter !== undefined)
        return `couldn't exec ${failure.program}: ENOENT (its #! interpreter ${failure.interpreter} does not exist)`;
      if (failure.errno !== null) return `couldn't exec ${failure.program}: ${failure.errno}`;
      // libuv reports its errno only on a later tick: we do not know it here.
      return `couldn't exec ${failure.program}: spawn failed (out of processes or file descriptors, or an unusable #! interpreter)`;
    case 'no-pipe':
      return `couldn't make a pipe for the child's ${failure.stream}: ${failure.errno}`;
    default:
      return unreachable(failure);
  }
}

function unreachable(value: never): never {
  throw new Error(`unknown spawn failure ${JSON.stringify(value)}`);
}

/** Python's repr() of a str, as supervisord's %r puts it in spawnerr. */
function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text.replace(/\\/g, '\\\\').replace(quote === "'" ? /'/g : /"/g, `\\${quote}`);
  return `${quote}${escaped}${quote}`;
}

// The zombie reaper: collects the exit status of children supd did not spawn (orphans reparented
// to us as PID 1 or as a child subreaper). Not the owner of programs' exits: libuv reaps what
// os/spawn.ts started, and this file never takes a status that belongs to an owned pid.
import { isLibcError, peekExitedChild, setChildSubreaper, waitpidNoHang } from './libc.js';

export interface ReaperOptions {
  /** True for pids os/spawn.ts started and libuv has not reaped yet (spawn.ts isOwnedPid). */
  readonly isOwned: (pid: number) => boolean;
  /** Called for each orphan reaped, with its raw wait status. */
  readonly onReaped?: (pid: number, status: number) => void;
  readonly log?: (level: 'debug' | 'warn', message: string) => void;
}

export interface Reaper {
  /** Removes the SIGCHLD listener and pending passes; the subreaper flag stays (it cannot be unset safely while orphans may exist). */
  stop(): void;
  /** Runs one reaping pass now; returns how many orphans it reaped. */
  reapNow(): number;
}

/** How soon to look again when an owned zombie, which libuv is about to reap, hides the rest. */
const OWNED_ZOMBIE_RETRY_MS = 10;
/** After this long an owned zombie libuv never reaped is reported once: a bug in pid ownership. */
const OWNED_ZOMBIE_WARN_MS = 2_000;

/**
 * Starts reaping. Not PID 1: asks the kernel to make us the child subreaper first, so orphans of
 * our programs come to us rather than to the container's init (tini and dumb-init do the same).
 *
 * How a pass finds orphans: waitid(P_ALL, WNOWAIT) names one exited child without reaping it.
 * An orphan is reaped with waitpid(pid, WNOHANG); an owned pid is left to libuv. Never
 * waitpid(-1): libuv waits for each of its children by pid, and drops the exit event of a child
 * whose status someone else took (mittnite#107, ramr/go-reaper#21). The cost is O(zombies), not
 * O(children), so thousands of living programs cost nothing per SIGCHLD.
 * (Walking /proc/self/task/{tid}/children instead would list every living child too, and cost a
 * waitpid per living program on every SIGCHLD; the guarantees are the same.)
 */
export function startReaper(opts: ReaperOptions): Reaper {
  const log = opts.log ?? (() => {});
  if (process.pid !== 1) {
    const result = setChildSubreaper();
    if (isLibcError(result))
      log('warn', `couldn't become the child subreaper (prctl: ${result.code}); orphans go to PID 1`);
  }

  let scheduled = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  const blockedSince = new Map<number, number>();

  const reapPass = (): { reaped: number; blockedBy: number } => {
    let reaped = 0;
    for (;;) {
      const pid = peekExitedChild();
      if (isLibcError(pid)) {
        if (pid.code !== 'ECHILD') log('warn', `waitid failed: ${pid.code}`);
        return { reaped, blockedBy: 0 };
      }
      if (pid === 0) return { reaped, blockedBy: 0 };
      if (opts.isOwned(pid)) return { reaped, blockedBy: pid };
      const result = waitpidNoHang(pid);
      if (result === null) return { reaped, blockedBy: 0 }; // cannot happen: it was peeked exited
      if (isLibcError(result)) {
        // ECHILD: someone else reaped it between our peek and waitpid; look again.
        if (result.code !== 'ECHILD') {
          log('warn', `waitpid(${pid}) failed: ${result.code}`);
          return { reaped, blockedBy: 0 };
        }
        continue;
      }
      reaped++;
      opts.onReaped?.(result.pid, result.status);
    }
  };

  const reapNow = (): number => {
    let total = 0;
    // A burst of SIGCHLDs is one pass, looping until a round reaps nothing.
    for (;;) {
      const { reaped, blockedBy } = reapPass();
      total += reaped;
      if (blockedBy !== 0) {
        noteBlocked(blockedBy);
        scheduleRetry();
        break;
      }
      blockedSince.clear();
      if (reaped === 0) break;
    }
    if (total > 0) log('debug', `reaped ${total} orphaned process(es)`);
    return total;
  };

  const noteBlocked = (pid: number): void => {
    const now = Date.now();
    const since = blockedSince.get(pid);
    if (since === undefined) blockedSince.set(pid, now);
    else if (since > 0 && now - since > OWNED_ZOMBIE_WARN_MS) {
      log('warn', `pid ${pid} is an unreaped zombie marked as owned by the spawner; orphans wait behind it`);
      blockedSince.set(pid, -1); // warned once
    }
  };

  // libuv reaps an owned zombie on the SIGCHLD its exit raised; look again shortly after.
  const scheduleRetry = (): void => {
    if (retryTimer !== undefined || stopped) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      schedulePass();
    }, OWNED_ZOMBIE_RETRY_MS);
    retryTimer.unref();
  };

  // setImmediate: after libuv has reaped its own children for this SIGCHLD, and once per burst.
  const schedulePass = (): void => {
    if (scheduled || stopped) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (!stopped) reapNow();
    });
  };

  process.on('SIGCHLD', schedulePass);
  schedulePass(); // zombies that arrived before we listened (e.g. inherited at container start)

  return {
    stop() {
      stopped = true;
      process.off('SIGCHLD', schedulePass);
      if (retryTimer !== undefined) clearTimeout(retryTimer);
    },
    reapNow,
  };
}

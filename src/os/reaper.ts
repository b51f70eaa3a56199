// Collects the exit status of every child libuv does not own: programs os/spawn.ts started with
// posix_spawn (their exits go to the waiter spawn.ts registered), and, once startReaper() has run,
// orphans reparented to us as PID 1 or as a child subreaper. It never takes a status that belongs
// to libuv (programs started as another user=, and anything else Node spawned).
import { isLibcError, peekExitedChild, reapAnyExitedChild, setChildSubreaper, waitpidNoHang } from './libc.js';

export interface ReaperOptions {
  /** True for pids libuv spawned and has not reaped yet (spawn.ts isOwnedPid). */
  readonly isOwned: (pid: number) => boolean;
  /**
   * Whether libuv has any such child now (spawn.ts hasOwnedPids): if not, any zombie is ours to
   * reap without peeking first. Without it the reaper always peeks.
   */
  readonly hasOwned?: () => boolean;
  /** Called for each orphan reaped, with its raw wait status. */
  readonly onReaped?: (pid: number, status: number) => void;
  readonly log?: (level: 'debug' | 'warn', message: string) => void;
}

export interface Reaper {
  /** Stops reaping orphans; the subreaper flag stays (it cannot be unset safely while orphans may exist). */
  stop(): void;
  /** Runs one reaping pass now; returns how many orphans it reaped. */
  reapNow(): number;
}

/** How soon to look again when a zombie libuv is about to reap hides the orphans behind it. */
const OWNED_ZOMBIE_RETRY_MS = 10;
/** After this long an owned zombie libuv never reaped is reported once: a bug in pid ownership. */
const OWNED_ZOMBIE_WARN_MS = 2_000;

/** Children started outside libuv, by pid: each gets its raw wait status exactly once. */
const exitWaiters = new Map<number, (status: number) => void>();
let orphans: ReaperOptions | null = null;
let listening = false;
let scheduled = false;
let retryTimer: NodeJS.Timeout | undefined;
let keepAlive: NodeJS.Timeout | undefined;
const blockedSince = new Map<number, number>();

/**
 * Delivers the raw wait status of `pid`, a child started outside libuv, when it exits. Call it in
 * the same tick as the spawn: the SIGCHLD of an instant exit is handled on a later tick.
 */
export function awaitChildExit(pid: number, onExit: (status: number) => void): void {
  exitWaiters.set(pid, onExit);
  listen();
  // A child libuv spawned holds the event loop open until its exit; so does one of ours. One
  // timer for all of them, due in 24 days: it never wakes the loop in practice.
  keepAlive ??= setInterval(() => undefined, 2 ** 31 - 1);
}

/** Pids registered with awaitChildExit whose exit has not been delivered yet. */
export function awaitedChildCount(): number {
  return exitWaiters.size;
}

/**
 * Starts reaping orphans too. Not PID 1: asks the kernel to make us the child subreaper first, so
 * orphans of our programs come to us rather than to the container's init (as tini and dumb-init do).
 *
 * How a pass finds exits: waitid(P_ALL, WNOWAIT) names one exited child without reaping it. A
 * child we wait for, or an orphan, is reaped with waitpid(pid, WNOHANG); a libuv child is left to
 * libuv. Never waitpid(-1): libuv waits for each of its children by pid, and drops the exit event
 * of a child whose status someone else took (mittnite#107, ramr/go-reaper#21). The cost is
 * O(zombies), not O(children), so thousands of living programs cost nothing per SIGCHLD.
 */
export function startReaper(opts: ReaperOptions): Reaper {
  const log = opts.log ?? (() => {});
  if (process.pid !== 1) {
    const result = setChildSubreaper();
    if (isLibcError(result))
      log('warn', `couldn't become the child subreaper (prctl: ${result.code}); orphans go to PID 1`);
  }
  orphans = opts;
  listen();
  schedulePass(); // zombies that arrived before we reaped orphans (e.g. inherited at container start)
  return {
    stop() {
      if (orphans === opts) orphans = null;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      retryTimer = undefined;
    },
    reapNow: () => reapNow().orphans,
  };
}

function listen(): void {
  if (listening) return;
  listening = true;
  // Node keeps its signal watchers unref'd: listening does not hold the event loop open.
  process.on('SIGCHLD', schedulePass);
  // A child that exited before there was a handler raised a SIGCHLD nobody heard: look now.
  schedulePass();
}

// setImmediate: after libuv has reaped its own children for this SIGCHLD, and once per burst.
function schedulePass(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    reapNow();
  });
}

function reapNow(): { orphans: number } {
  let total = 0;
  // A burst of SIGCHLDs is one pass, looping until a round reaps nothing.
  for (;;) {
    const { reaped, blockedBy } = reapPass();
    total += reaped;
    if (blockedBy !== 0) {
      // A zombie that is not ours to take hides the rest from waitid: collect our own children
      // by pid, and look for orphans again once libuv has taken its zombie.
      sweepAwaited();
      noteBlocked(blockedBy);
      if (orphans !== null) scheduleRetry();
      break;
    }
    blockedSince.clear();
    if (reaped === 0) break;
  }
  if (total > 0) orphans?.log?.('debug', `reaped ${total} orphaned process(es)`);
  return { orphans: total };
}

function reapPass(): { reaped: number; blockedBy: number } {
  if (orphans?.hasOwned !== undefined && !orphans.hasOwned()) return reapAll();
  let reaped = 0;
  for (;;) {
    const pid = peekExitedChild();
    if (isLibcError(pid)) {
      if (pid.code !== 'ECHILD') orphans?.log?.('warn', `waitid failed: ${pid.code}`);
      return { reaped, blockedBy: 0 };
    }
    if (pid === 0) return { reaped, blockedBy: 0 };
    if (!exitWaiters.has(pid) && (orphans === null || orphans.isOwned(pid))) return { reaped, blockedBy: pid };
    const result = waitpidNoHang(pid);
    if (result === null) return { reaped, blockedBy: 0 }; // cannot happen: it was peeked exited
    if (isLibcError(result)) {
      // ECHILD: someone else reaped it between our peek and waitpid; look again.
      if (result.code !== 'ECHILD') {
        orphans?.log?.('warn', `waitpid(${pid}) failed: ${result.code}`);
        return { reaped, blockedBy: 0 };
      }
      continue;
    }
    reaped += collected(result.pid, result.status);
  }
}

/**
 * With orphans to reap and no libuv child alive, every zombie is ours to take: one waitid each,
 * without the peek (a third fewer syscalls when thousands of orphans exit at once).
 */
function reapAll(): { reaped: number; blockedBy: number } {
  let reaped = 0;
  for (;;) {
    const result = reapAnyExitedChild();
    if (result === null) return { reaped, blockedBy: 0 };
    if (isLibcError(result)) {
      if (result.code !== 'ECHILD') orphans?.log?.('warn', `waitid failed: ${result.code}`);
      return { reaped, blockedBy: 0 };
    }
    reaped += collected(result.pid, result.status);
  }
}

/** A reaped child's status goes to its waiter, or it was an orphan: 1 then, else 0. */
function collected(pid: number, status: number): number {
  const waiter = exitWaiters.get(pid);
  if (waiter !== undefined) {
    deliver(pid, waiter, status);
    return 0;
  }
  orphans?.onReaped?.(pid, status);
  return 1;
}

function sweepAwaited(): void {
  for (const [pid, waiter] of exitWaiters) {
    const result = waitpidNoHang(pid);
    if (result !== null && !isLibcError(result)) deliver(pid, waiter, result.status);
  }
}

function deliver(pid: number, waiter: (status: number) => void, status: number): void {
  exitWaiters.delete(pid);
  if (exitWaiters.size === 0 && keepAlive !== undefined) {
    clearInterval(keepAlive);
    keepAlive = undefined;
  }
  waiter(status);
}

function noteBlocked(pid: number): void {
  const now = Date.now();
  const since = blockedSince.get(pid);
  if (since === undefined) blockedSince.set(pid, now);
  else if (since > 0 && now - since > OWNED_ZOMBIE_WARN_MS && orphans !== null) {
    orphans.log?.('warn', `pid ${pid} is an unreaped zombie marked as owned by libuv; orphans wait behind it`);
    blockedSince.set(pid, -1); // warned once
  }
}

// libuv reaps its zombie on the SIGCHLD its exit raised; look again shortly after.
function scheduleRetry(): void {
  if (retryTimer !== undefined) return;
  retryTimer = setTimeout(() => {
    retryTimer = undefined;
    schedulePass();
  }, OWNED_ZOMBIE_RETRY_MS);
  retryTimer.unref();
}

// Collects the exit status of every child libuv does not own: programs os/spawn.ts started with
// posix_spawn (recorded in the ChildTable with a waiter), and, once adoptOrphans() has run,
// orphans reparented to us as PID 1 or as a child subreaper. It never takes a status that belongs
// to libuv (programs started as another user=, and anything else Node spawned). All its state is
// in the Reaper object; the pids are the ChildTable's.
import type { ChildTable, ChildTableWatcher } from './child-table.js';
import { isLibcError, peekExitedChild, reapAnyExitedChild, setChildSubreaper, waitpidNoHang } from './libc.js';

export interface ReaperOptions {
  /** Called for each orphan reaped, with its raw wait status. */
  readonly onReaped?: (pid: number, status: number) => void;
  readonly log?: (level: 'debug' | 'warn', message: string) => void;
}

/** How soon to look again when a zombie libuv is about to reap hides the orphans behind it. */
const OWNED_ZOMBIE_RETRY_MS = 10;
/** After this long an owned zombie libuv never reaped is reported once: a bug in pid ownership. */
const OWNED_ZOMBIE_WARN_MS = 2_000;
/**
 * After a pass that reaped orphans, the next one comes this long after it, and SIGCHLD goes
 * unheard meanwhile. Each pass's last, empty waitid(P_ALL) walks every living child (~0.3 ms with
 * 2,000 orphans here), and each SIGCHLD heard is a signal handler, a pipe write and an event-loop
 * wake-up: reaping each of 2,000 exiting orphans as its SIGCHLD came cost supd several times
 * tini's CPU, taken from the exiting processes on a small machine. A program's exit during such a
 * storm waits at most this long to be seen.
 */
const ORPHAN_STORM_GAP_MS = 20;

/**
 * Made once per process with its ChildTable: from then on it delivers the exits of the table's
 * awaited children. adoptOrphans() makes it reap orphans too.
 *
 * How a pass finds exits: waitid(P_ALL, WNOWAIT) names one exited child without reaping it. A
 * child we wait for, or an orphan, is reaped with waitpid(pid, WNOHANG); a libuv child is left to
 * libuv. Never waitpid(-1): libuv waits for each of its children by pid, and drops the exit event
 * of a child whose status someone else took (mittnite#107, ramr/go-reaper#21). The cost is
 * O(zombies), not O(children), so thousands of living programs cost nothing per SIGCHLD.
 */
export class Reaper {
  private isAdopting = false;
  private isListening = false;
  /** Whether our SIGCHLD listener is installed (not during the gap after a pass that reaped orphans). */
  private isHearing = false;
  private isScheduled = false;
  private passTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  private readonly blockedSince = new Map<number, number>();
  private readonly log: NonNullable<ReaperOptions['log']>;
  private readonly watcher: ChildTableWatcher;
  private readonly onSigchld = (): void => this.schedulePass();

  constructor(
    private readonly children: ChildTable,
    private readonly options: ReaperOptions = {},
  ) {
    this.log = options.log ?? (() => {});
    this.watcher = {
      awaited: () => {
        this.listen();
        // A child libuv spawned holds the event loop open until its exit; so does one of ours.
        // One timer for all of them, due in 24 days: it never wakes the loop in practice.
        this.keepAlive ??= setInterval(() => undefined, 2 ** 31 - 1);
      },
      drained: () => {
        if (this.keepAlive !== undefined) clearInterval(this.keepAlive);
        this.keepAlive = undefined;
      },
    };
    children.attach(this.watcher);
  }

  /**
   * Reaps orphans too. Not PID 1: asks the kernel to make us the child subreaper first, so
   * orphans of our programs come to us rather than to the container's init (as tini and
   * dumb-init do).
   */
  adoptOrphans(): void {
    if (process.pid !== 1) {
      const result = setChildSubreaper();
      if (isLibcError(result)) this.log('warn', `couldn't become the child subreaper (prctl: ${result.code}); orphans go to PID 1`);
    }
    this.isAdopting = true;
    this.listen();
    this.schedulePass(); // zombies that arrived before we reaped orphans (e.g. inherited at container start)
  }

  /**
   * Stops reaping, orphans and awaited children alike, and lets go of the table (a new Reaper may
   * take it). The subreaper flag stays: it cannot be unset safely while orphans may exist.
   */
  stop(): void {
    this.isAdopting = false;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.passTimer !== undefined) clearTimeout(this.passTimer);
    this.passTimer = undefined;
    this.isScheduled = false;
    this.watcher.drained();
    this.deafen();
    this.isListening = false;
    this.children.detach(this.watcher);
  }

  /** Runs one reaping pass now; returns how many orphans it reaped. */
  reapNow(): number {
    // A burst of SIGCHLDs is one pass, which loops until waitid finds no zombie. That last,
    // empty waitid walks every living child in the kernel: one per pass, as tini's waitpid(-1)
    // loop, and never a second round to confirm it (with 2,000 orphans alive, each costs ~0.2 ms).
    const { reaped, blockedBy } = this.reapPass();
    if (blockedBy !== 0) {
      // A zombie that is not ours to take hides the rest from waitid: collect our own children
      // by pid, and look for orphans again once libuv has taken its zombie.
      this.sweepAwaited();
      this.noteBlocked(blockedBy);
      if (this.isAdopting) this.scheduleRetry();
    } else if (this.blockedSince.size > 0) this.blockedSince.clear();
    if (reaped > 0) this.log('debug', `reaped ${reaped} orphaned process(es)`);
    return reaped;
  }

  private listen(): void {
    if (this.isListening) return;
    this.isListening = true;
    this.hear();
    // A child that exited before there was a handler raised a SIGCHLD nobody heard: look now.
    this.schedulePass();
  }

  // Node keeps its signal watchers unref'd: listening does not hold the event loop open.
  private hear(): void {
    if (this.isHearing) return;
    this.isHearing = true;
    process.on('SIGCHLD', this.onSigchld);
  }

  private deafen(): void {
    if (!this.isHearing) return;
    this.isHearing = false;
    process.off('SIGCHLD', this.onSigchld);
  }

  // setImmediate: after libuv has reaped its own children for this SIGCHLD, and once per burst.
  private schedulePass(): void {
    if (this.isScheduled) return;
    this.isScheduled = true;
    setImmediate(this.runPass);
  }

  private readonly runPass = (): void => {
    this.passTimer = undefined;
    this.isScheduled = false;
    if (!this.isListening) return;
    // Heard again before the pass: an exit after its last waitid raises a SIGCHLD we get.
    this.hear();
    if (this.reapNow() === 0) return;
    // Orphans are exiting, maybe thousands: let their zombies gather unheard, then look again.
    // The look that finds none leaves SIGCHLD heard and no timer: idle, supd does not wake.
    this.deafen();
    this.isScheduled = true;
    this.passTimer = setTimeout(this.runPass, ORPHAN_STORM_GAP_MS);
  };

  private reapPass(): { reaped: number; blockedBy: number } {
    if (this.isAdopting && !this.children.hasLibuvChildren()) return this.reapAll();
    let reaped = 0;
    for (;;) {
      const pid = peekExitedChild();
      if (isLibcError(pid)) {
        if (pid.code !== 'ECHILD') this.log('warn', `waitid failed: ${pid.code}`);
        return { reaped, blockedBy: 0 };
      }
      if (pid === 0) return { reaped, blockedBy: 0 };
      // Not ours to take: libuv's child, or (before adoptOrphans) anything we do not await.
      if (!this.children.isAwaited(pid) && (!this.isAdopting || this.children.isLibuvChild(pid))) return { reaped, blockedBy: pid };
      const result = waitpidNoHang(pid);
      if (result === null) return { reaped, blockedBy: 0 }; // cannot happen: it was peeked exited
      if (isLibcError(result)) {
        // ECHILD: someone else reaped it between our peek and waitpid; look again.
        if (result.code !== 'ECHILD') {
          this.log('warn', `waitpid(${pid}) failed: ${result.code}`);
          return { reaped, blockedBy: 0 };
        }
        continue;
      }
      reaped += this.collected(result.pid, result.status);
    }
  }

  /**
   * With orphans to reap and no libuv child alive, every zombie is ours to take: one waitid each,
   * without the peek (a third fewer syscalls when thousands of orphans exit at once).
   */
  private reapAll(): { reaped: number; blockedBy: number } {
    let reaped = 0;
    for (;;) {
      const result = reapAnyExitedChild();
      if (result === null) return { reaped, blockedBy: 0 };
      if (isLibcError(result)) {
        if (result.code !== 'ECHILD') this.log('warn', `waitid failed: ${result.code}`);
        return { reaped, blockedBy: 0 };
      }
      reaped += this.collected(result.pid, result.status);
    }
  }

  /** A reaped child's status goes to its waiter, or it was an orphan: 1 then, else 0. */
  private collected(pid: number, status: number): number {
    if (this.children.settle(pid, status)) return 0;
    this.options.onReaped?.(pid, status);
    return 1;
  }

  private sweepAwaited(): void {
    for (const pid of this.children.awaitedPids()) {
      const result = waitpidNoHang(pid);
      if (result !== null && !isLibcError(result)) this.children.settle(pid, result.status);
    }
  }

  private noteBlocked(pid: number): void {
    if (!this.isAdopting) return;
    const now = Date.now();
    const since = this.blockedSince.get(pid);
    if (since === undefined) this.blockedSince.set(pid, now);
    else if (since > 0 && now - since > OWNED_ZOMBIE_WARN_MS) {
      this.log('warn', `pid ${pid} is an unreaped zombie marked as owned by libuv; orphans wait behind it`);
      this.blockedSince.set(pid, -1); // warned once
    }
  }

  // libuv reaps its zombie on the SIGCHLD its exit raised; look again shortly after.
  private scheduleRetry(): void {
    if (this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.schedulePass();
    }, OWNED_ZOMBIE_RETRY_MS);
    this.retryTimer.unref();
  }
}

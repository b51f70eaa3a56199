/**
 * One [eventlistener:x] pool as supervisord 4.2.5 runs it (process.py EventListenerPool): a
 * buffer of at most buffer_size events, per-pool serials, one event at a time to one READY
 * listener whose process is RUNNING, and re-delivery of rejected events. It spawns nothing and
 * reads no pipe: the daemon hands it each listener's stdin as a ListenerChannel and feeds it the
 * listener's stdout, process state and exit.
 */
import type { ProcessStateName } from '../core/states.js';
import {
  defaultResultHandler,
  encodeEnvelope,
  ListenerProtocol,
  type ListenerState,
  type ProtocolLog,
  type ResultHandler,
} from './listener-protocol.js';
import { eventPayload, type SupdEvent } from './payloads.js';

/** A listener's stdin. write() may throw (EPIPE): the pool then tries the next listener. */
export interface ListenerChannel {
  write(data: Uint8Array): void;
}

/** The subset of pino's logger (or any logger) the pool writes to. */
export interface EventLogger {
  debug(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** pino's: false for 'debug' makes the pool build no debug message at all. Absent: all are built. */
  isLevelEnabled?(level: string): boolean;
}

export interface PoolOptions {
  /** The pool's name: the x of [eventlistener:x], which is also its processes' group name. */
  readonly name: string;
  /** buffer_size (supervisord's default is 10; must be >= 1). */
  readonly bufferSize: number;
  /** [supervisord] identifier=, the `server:` of the envelope; default "supervisor". */
  readonly identifier?: string;
  readonly resultHandler?: ResultHandler;
  readonly logger: EventLogger;
  /** Runs `fn` after `ms` (setTimeout by default); returns a cancel. Tests pass a virtual clock. */
  readonly schedule?: (fn: () => void, ms: number) => () => void;
}

/**
 * After the nth rejection in a row, the pool waits this long before offering the rejected event
 * again: 10 ms doubling to 1 s. A listener that rejects everything, at any speed, costs supd at
 * most one delivery a second instead of a busy loop.
 */
export function redeliveryDelayMs(rejectionsInARow: number): number {
  return Math.min(10 * 2 ** Math.max(0, rejectionsInARow - 1), 1_000);
}

/** An event waiting in the buffer, or in flight, with the serials it keeps across re-deliveries. */
export interface PoolEvent {
  readonly event: SupdEvent;
  /** The global serial, given by the bus when the first pool accepted the event. */
  readonly serial: number;
  readonly poolSerial: number;
}

/**
 * One listener process, as the pool knows it from listenerSpawned() until listenerExited(). A
 * restarted listener is a new handle under the same name: the old process's late output or exit
 * can never touch the new one.
 */
export interface ListenerHandle {
  readonly processName: string;
}

interface Listener {
  readonly handle: ListenerHandle;
  channel: ListenerChannel;
  protocol: ListenerProtocol;
  processState: ProcessStateName;
  inFlight: PoolEvent | null;
}

/** Python's sys.maxsize, where supervisord's new_serial() wraps back to 0. */
const MAX_SERIAL = 2 ** 63 - 1;

export class EventListenerPool {
  readonly name: string;
  private readonly bufferSize: number;
  private readonly identifier: string;
  private readonly resultHandler: ResultHandler;
  private readonly logger: EventLogger;
  private readonly buffer: PoolEvent[] = [];
  private serial = -1;
  // Insertion order is the order listeners are offered events (supervisord's processes dict).
  private readonly listeners = new Map<ListenerHandle, Listener>();
  /** The newest process of each name: the one process state changes are about. */
  private readonly newest = new Map<string, Listener>();
  private dispatching = false;
  private dispatchAgain = false;
  private readonly schedule: (fn: () => void, ms: number) => () => void;
  /** Rejections since the last accepted event, and the wait before the next delivery. */
  private rejectionsInARow = 0;
  private cancelHold: (() => void) | null = null;
  /** Events written to a listener, and events a full buffer discarded (for /metrics). */
  readonly counts = { sent: 0, dropped: 0 };

  constructor(options: PoolOptions) {
    if (!Number.isInteger(options.bufferSize) || options.bufferSize < 1) {
      throw new RangeError(`[eventlistener:${options.name}] buffer_size must be at least 1 (got ${options.bufferSize})`);
    }
    this.name = options.name;
    this.bufferSize = options.bufferSize;
    this.identifier = options.identifier ?? 'supervisor';
    this.resultHandler = options.resultHandler ?? defaultResultHandler;
    this.logger = options.logger;
    this.schedule =
      options.schedule ??
      ((fn, ms) => {
        const timer = setTimeout(fn, ms);
        return () => clearTimeout(timer);
      });
  }

  /** An event the pool subscribes to was published (process.py _acceptEvent, then dispatch). */
  accept(event: SupdEvent, serial: number): void {
    this.serial = this.serial >= MAX_SERIAL ? 0 : this.serial + 1;
    this.enqueue({ event, serial, poolSerial: this.serial }, false);
    this.dispatch();
  }

  /**
   * A listener process was spawned: its stdin is `channel`. Its protocol starts over in
   * ACKNOWLEDGED, as supervisord makes a new dispatcher per spawn; it gets events once it has
   * said READY and its process is RUNNING. Feed its output and exit with the handle returned.
   */
  listenerSpawned(processName: string, channel: ListenerChannel): ListenerHandle {
    const handle: ListenerHandle = { processName };
    const listener: Listener = {
      handle,
      channel,
      protocol: new ListenerProtocol(processName, this.resultHandler),
      processState: 'STARTING',
      inFlight: null,
    };
    // An older process of this name whose exit is not reported yet is dead: it gets no more
    // events, but its last answer may still be on its way, so it stays until listenerExited.
    const old = this.newest.get(processName);
    if (old !== undefined) old.processState = 'EXITED';
    this.listeners.set(handle, listener);
    this.newest.set(processName, listener);
    return handle;
  }

  /** A listener process changed state; only RUNNING ones are sent events. */
  processStateChanged(processName: string, state: ProcessStateName): void {
    const listener = this.newest.get(processName);
    if (!listener) return;
    listener.processState = state;
    if (state === 'RUNNING') this.dispatch();
  }

  /**
   * A chunk of the listener's stdout, which is the protocol channel and nothing else. The chunk
   * is only read during the call (it may be a read buffer that the next read overwrites).
   */
  listenerOutput(handle: ListenerHandle, chunk: Uint8Array): void {
    const listener = this.listeners.get(handle);
    if (!listener) return; // output after the exit was reported: supervisord closed that pipe
    const { outcomes, logs } = listener.protocol.feed(chunk, this.debugOn());
    if (logs.length > 0) {
      // supervisord warns at every rejection; supd warns at the first of a run and counts the rest.
      const rejectedWarning = `${handle.processName}: event was rejected`;
      this.log(this.rejectionsInARow > 0 ? logs.filter((l) => l.message !== rejectedWarning) : logs);
    }
    let ready = false;
    for (const outcome of outcomes) {
      switch (outcome.type) {
        case 'ready':
          ready = true;
          break;
        case 'processed':
          listener.inFlight = null;
          this.endRejectionRun();
          break;
        case 'rejected':
          // EventRejectedEvent -> handle_rejected: back to the head of the buffer
          if (listener.inFlight) this.rebuffer(listener.inFlight);
          listener.inFlight = null;
          if (listener.protocol.state === 'UNKNOWN') {
            ready = true; // a broken listener gets nothing more: another may take it now
          } else {
            this.rejectionsInARow++;
            this.hold(redeliveryDelayMs(this.rejectionsInARow));
          }
          break;
      }
    }
    if (ready) this.dispatch();
  }

  /**
   * The listener process is gone (call it once its stdout has ended, so no answer is lost). An
   * event it had not answered goes back to the head of the buffer (process.py finish()).
   */
  listenerExited(handle: ListenerHandle): void {
    const listener = this.listeners.get(handle);
    if (!listener) return;
    this.listeners.delete(handle);
    if (this.newest.get(handle.processName) === listener) this.newest.delete(handle.processName);
    if (listener.inFlight) {
      this.rebuffer(listener.inFlight);
      this.dispatch();
    }
  }

  /** The listener's protocol state, for getProcessInfo-like reports and tests. */
  listenerState(processName: string): ListenerState | undefined {
    return this.newest.get(processName)?.protocol.state;
  }

  /** The events waiting to be sent, oldest first. */
  bufferedEvents(): readonly PoolEvent[] {
    return [...this.buffer];
  }

  /** Delivers nothing for `ms`, then dispatches. */
  private hold(ms: number): void {
    this.cancelHold?.();
    this.cancelHold = this.schedule(() => {
      this.cancelHold = null;
      this.dispatch();
    }, ms);
  }

  private endRejectionRun(): void {
    if (this.rejectionsInARow > 1) {
      this.logger.warn(`pool ${this.name}: ${this.rejectionsInARow} rejections in a row before an event was processed`);
    }
    this.rejectionsInARow = 0;
  }

  /** process.py dispatch(): send the oldest events while some listener can take one. */
  private dispatch(): void {
    if (this.cancelHold !== null) return; // redelivery after a rejection waits its turn
    if (this.dispatching) {
      this.dispatchAgain = true; // a listener answered from inside write(): loop again
      return;
    }
    this.dispatching = true;
    try {
      do {
        this.dispatchAgain = false;
        // Taken off the buffer only when some listener can take it: putting it back at the head
        // costs a move of the whole buffer, once per event while a burst drains.
        while (this.buffer.length > 0 && this.someoneReady()) {
          const entry = this.buffer.shift()!;
          if (!this.dispatchEvent(entry)) {
            this.buffer.unshift(entry); // nobody can take it: keep it first, stop trying
            break;
          }
        }
      } while (this.dispatchAgain);
    } finally {
      this.dispatching = false;
    }
  }

  private someoneReady(): boolean {
    for (const listener of this.listeners.values()) {
      if (listener.processState === 'RUNNING' && listener.protocol.state === 'READY') return true;
    }
    return false;
  }

  private debugOn(): boolean {
    return this.logger.isLevelEnabled?.('debug') ?? true;
  }

  /** process.py _dispatchEvent(): the first RUNNING and READY listener gets it. */
  private dispatchEvent(entry: PoolEvent): boolean {
    for (const listener of this.listeners.values()) {
      const processName = listener.handle.processName;
      if (listener.processState !== 'RUNNING' || listener.protocol.state !== 'READY') continue;
      const bytes = encodeEnvelope({
        server: this.identifier,
        serial: entry.serial,
        pool: this.name,
        poolserial: entry.poolSerial,
        eventname: entry.event.type,
        payload: eventPayload(entry.event),
      });
      // BUSY before the write, so an answer fed back from inside write() finds it waiting
      listener.protocol.sent(); // READY -> BUSY
      listener.inFlight = entry;
      try {
        listener.channel.write(bytes);
      } catch {
        listener.protocol.unsent();
        listener.inFlight = null;
        if (this.debugOn()) {
          this.logger.debug(
            `epipe occurred while sending event ${entry.serial} to listener ${processName}, listener state unchanged`,
          );
        }
        continue;
      }
      if (this.debugOn()) this.logger.debug(`event ${entry.serial} sent to listener ${processName}`);
      this.counts.sent += 1;
      return true;
    }
    return false;
  }

  private rebuffer(entry: PoolEvent): void {
    if (this.debugOn()) {
      this.logger.debug(
        `rebuffering event ${entry.serial} for pool ${this.name} (buf size=${this.buffer.length}, max=${this.bufferSize})`,
      );
    }
    this.enqueue(entry, true);
  }

  /** _acceptEvent's buffer rule: a full buffer discards its oldest event, even to re-buffer one. */
  private enqueue(entry: PoolEvent, head: boolean): void {
    if (this.buffer.length >= this.bufferSize) {
      const discarded = this.buffer.shift();
      if (discarded) {
        this.counts.dropped += 1;
        this.logger.error(`pool ${this.name} event buffer overflowed, discarding event ${discarded.serial}`);
      }
    }
    if (head) this.buffer.unshift(entry);
    else this.buffer.push(entry);
  }

  private log(logs: readonly ProtocolLog[]): void {
    for (const { level, message } of logs) this.logger[level](message);
  }
}

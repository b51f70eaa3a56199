/**
 * Routes published events to the listener pools subscribed to their type (events.py notify() with
 * each pool's _acceptEvent), giving each event its global serial as supervisord does: once, when
 * the first pool accepts it. It also tells a pool about the state changes of its own listeners.
 * Nothing here spawns or reads pipes; see docs/events.md for the daemon's side.
 */
import type { EventListenerPool } from './pool.js';
import {
  isEventTypeName,
  isSubtypeOf,
  processStateEvent,
  TICK_PERIODS,
  type EventTypeName,
  type StateTransition,
  type SupdEvent,
  type TickEventName,
} from './payloads.js';

interface Subscription {
  readonly pool: EventListenerPool;
  readonly events: readonly EventTypeName[];
}

/** Python's sys.maxsize, where supervisord's new_serial() wraps back to 0. */
const MAX_SERIAL = 2 ** 63 - 1;

export class EventBus {
  private readonly subscriptions: Subscription[] = [];
  private serial = -1;
  private readonly observers = new Set<(event: SupdEvent) => void>();

  /**
   * Subscribe a pool to its [eventlistener:x] events= types (abstract types match subtypes), in
   * the order supervisord adds groups. Throws on a name supervisord would not know.
   */
  addPool(pool: EventListenerPool, events: readonly string[]): void {
    const unknown = events.filter((name) => !isEventTypeName(name));
    if (unknown.length > 0) {
      throw new Error(`Unknown event type ${unknown[0]} in [eventlistener:${pool.name}] events`);
    }
    this.removePool(pool.name);
    this.subscriptions.push({ pool, events: events as EventTypeName[] });
  }

  /** Unsubscribe a pool (removeProcessGroup / reload); its buffered events are dropped with it. */
  removePool(name: string): void {
    const index = this.subscriptions.findIndex((s) => s.pool.name === name);
    if (index !== -1) this.subscriptions.splice(index, 1);
  }

  /**
   * Sees every published event, whether or not a pool subscribes to it (the dashboard's live
   * stream); returns unsubscribe. Observers must not throw.
   */
  observe(observer: (event: SupdEvent) => void): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** Every subscribed pool, in the order they were added. */
  pools(): EventListenerPool[] {
    return this.subscriptions.map((s) => s.pool);
  }

  pool(name: string): EventListenerPool | undefined {
    return this.subscriptions.find((s) => s.pool.name === name)?.pool;
  }

  /** True when some pool would accept an event of this type (e.g. to skip building LOG events). */
  hasSubscribers(type: SupdEvent['type']): boolean {
    return this.subscriptions.some((s) => s.events.some((e) => isSubtypeOf(type, e)));
  }

  /** The TICK events some pool subscribes to, for TickScheduler.start(). */
  subscribedTicks(): TickEventName[] {
    return (Object.keys(TICK_PERIODS) as TickEventName[]).filter((name) => this.hasSubscribers(name));
  }

  /**
   * Hand the event to every subscribed pool. Returns its global serial, or null when no pool
   * wanted it (supervisord numbers only events some pool accepted). A pool subscribed to two
   * types that both match gets the event once (supervisord would buffer it twice).
   */
  publish(event: SupdEvent): number | null {
    for (const observer of this.observers) observer(event);
    const pools = this.subscriptions
      .filter((s) => s.events.some((e) => isSubtypeOf(event.type, e)))
      .map((s) => s.pool);
    if (pools.length === 0) return null;
    this.serial = this.serial >= MAX_SERIAL ? 0 : this.serial + 1;
    for (const pool of pools) pool.accept(event, this.serial);
    return this.serial;
  }

  /**
   * One process changed state. If it is a listener, its pool learns the new state first (only
   * RUNNING listeners get events); then PROCESS_STATE_<to> is published.
   */
  publishTransition(t: StateTransition): number | null {
    this.pool(t.groupName)?.processStateChanged(t.processName, t.to);
    return this.publish(processStateEvent(t));
  }
}

/**
 * Connects the event system to the running daemon: one pool per [eventlistener:x] group, every
 * state transition published, listener processes' stdin/stdout used as the protocol channel,
 * TICKs scheduled only when some pool wants them, and supervisor/group events.
 */
import { isSupportedResultHandler } from '../config/result-handlers.js';
import type { GroupConfig } from '../config/types.js';
import type { ProcessEntry } from '../core/supervisor.js';
import { EventBus } from '../events/bus.js';
import type { SupdEvent } from '../events/payloads.js';
import type { ResultHandler } from '../events/listener-protocol.js';
import { EventListenerPool } from '../events/pool.js';
import { resultHandlerFor } from '../events/result-handlers.js';
import { TickScheduler } from '../events/ticks.js';
import { readPipe } from '../logs/pipe-reader.js';
import type { Daemon } from './daemon.js';

export interface EventsHandle {
  readonly bus: EventBus;
  publish(event: SupdEvent): void;
  /** After a reload or add/remove of groups: pools follow the active event-listener groups. */
  syncPools(): void;
  /** Where supervisor-stdout's result handler prints (supd's stdout sink); process.stdout until set. */
  routeRelay(write: (text: string) => void): void;
  stop(): void;
}

export function attachEvents(daemon: Daemon): EventsHandle {
  const bus = new EventBus();
  const logger = daemon.logger;
  const ticks = new TickScheduler((event) => bus.publish(event));
  const poolGroups = new Map<string, GroupConfig>();
  let relay = (text: string): void => void process.stdout.write(text);
  const print = (text: string): void => relay(text);

  const isListener = (entry: ProcessEntry): boolean =>
    daemon.supervisor.getGroup(entry.config.groupName)?.kind === 'eventlistener';

  const syncPools = (): void => {
    const active = daemon.supervisor.listGroups().filter((g) => g.kind === 'eventlistener');
    const activeNames = new Set(active.map((g) => g.name));
    for (const name of [...poolGroups.keys()]) {
      if (!activeNames.has(name)) {
        bus.removePool(name);
        poolGroups.delete(name);
      }
    }
    for (const group of active) {
      if (poolGroups.get(group.name) === group) continue;
      if (poolGroups.has(group.name)) bus.removePool(group.name);
      const pool = new EventListenerPool({
        name: group.name,
        bufferSize: group.eventListener?.bufferSize ?? 10,
        identifier: daemon.currentConfig.supervisord.identifier,
        resultHandler: handlerOf(group, print),
        logger,
      });
      try {
        bus.addPool(pool, group.eventListener?.events ?? []);
        poolGroups.set(group.name, group);
      } catch (error) {
        logger.error(`[eventlistener:${group.name}]: ${(error as Error).message}`);
      }
    }
    const wanted = bus.subscribedTicks();
    if (wanted.length > 0) ticks.start(wanted);
    else ticks.stop();
  };

  daemon.runtime.onTransition(({ process: entry, transition }) => {
    bus.publishTransition({
      processName: entry.config.name,
      groupName: entry.config.groupName,
      from: transition.from,
      to: transition.to,
      tries: transition.machine.backoff,
      ...(transition.machine.state.name === 'EXITED' ? { expected: transition.machine.state.expected } : {}),
      pid: transition.pid,
    });
  });

  daemon.runtime.onOom((entry, report) => {
    bus.publish({
      type: 'PROCESS_OOM',
      processname: entry.config.name,
      groupname: entry.config.groupName,
      pid: report.pid,
      memory_limit: report.limitBytes,
    });
  });

  daemon.runtime.onStuck((entry, report) => {
    const seconds = Math.round((daemon.clock() - report.since) / 1000);
    for (const p of report.processes) {
      bus.publish({
        type: 'PROCESS_STUCK',
        processname: entry.config.name,
        groupname: entry.config.groupName,
        pid: p.pid,
        state: p.state.startsWith('frozen') ? 'frozen' : p.state.charAt(0),
        seconds,
      });
    }
  });

  daemon.health.onChange(({ entry, status, health }) => {
    bus.publish({
      type: status === 'healthy' ? 'PROCESS_HEALTH_HEALTHY' : 'PROCESS_HEALTH_UNHEALTHY',
      processname: entry.config.name,
      groupname: entry.config.groupName,
      pid: entry.machine.pid,
      failures: health.failures,
      error: health.lastError ?? '',
    });
  });

  daemon.runtime.onChild((entry, child) => {
    if (!isListener(entry)) return;
    const pool = bus.pool(entry.config.groupName);
    if (pool === undefined) return;
    const name = entry.config.name;
    const stdin = child.openStdin();
    stdin.on('error', () => undefined); // EPIPE from a dying listener is handled by its exit
    const listener = pool.listenerSpawned(name, { write: (bytes) => stdin.write(bytes) });
    // Read straight into the shared read buffer (no stream machinery per answer); the pool
    // only reads a chunk during the call. The end of stdout, not the exit: an answer written
    // just before dying must still be read. It may come after the restarted process
    // registered: the handle makes it this process's exit only.
    readPipe(child.stdoutFd, {
      onData: (chunk) => pool.listenerOutput(listener, chunk),
      onEnd: () => pool.listenerExited(listener),
    });
  });

  daemon.onNotice((notice) => {
    switch (notice.type) {
      case 'running':
        bus.publish({ type: 'SUPERVISOR_STATE_CHANGE_RUNNING' });
        return;
      case 'stopping':
        bus.publish({ type: 'SUPERVISOR_STATE_CHANGE_STOPPING' });
        return;
      case 'groups-changed':
        syncPools();
        for (const groupname of notice.added) bus.publish({ type: 'PROCESS_GROUP_ADDED', groupname });
        for (const groupname of notice.removed) bus.publish({ type: 'PROCESS_GROUP_REMOVED', groupname });
        return;
    }
  });
  daemon.addCloser(() => ticks.stop());

  syncPools();
  return {
    bus,
    publish: (event) => {
      bus.publish(event);
    },
    syncPools,
    routeRelay: (write) => {
      relay = write;
    },
    stop: () => ticks.stop(),
  };
}

/** The pool's result handler; the config refused any result_handler supd cannot run. */
function handlerOf(group: GroupConfig, print: (text: string) => void): ResultHandler {
  const spec = group.eventListener?.resultHandler ?? 'supervisor.dispatchers:default_handler';
  return resultHandlerFor(isSupportedResultHandler(spec) ? spec : 'supervisor.dispatchers:default_handler', print);
}

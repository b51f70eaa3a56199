/**
 * supervisord 4.2.5's event type names (events.py EventTypes) with their parents: the one table
 * that [eventlistener:x] events= is checked against and that events/ publishes and matches with.
 * Data only.
 */

/**
 * Every event type name supervisord knows, with its parent (Python's class hierarchy in events.py).
 * Abstract types (EVENT, PROCESS_STATE, ...) are never published; listeners subscribe to them to
 * receive all their subtypes.
 */
export const EVENT_TYPES = {
  EVENT: null,
  PROCESS_STATE: 'EVENT',
  PROCESS_STATE_STOPPED: 'PROCESS_STATE',
  PROCESS_STATE_EXITED: 'PROCESS_STATE',
  PROCESS_STATE_STARTING: 'PROCESS_STATE',
  PROCESS_STATE_STOPPING: 'PROCESS_STATE',
  PROCESS_STATE_BACKOFF: 'PROCESS_STATE',
  PROCESS_STATE_FATAL: 'PROCESS_STATE',
  PROCESS_STATE_RUNNING: 'PROCESS_STATE',
  PROCESS_STATE_UNKNOWN: 'PROCESS_STATE',
  PROCESS_COMMUNICATION: 'EVENT',
  PROCESS_COMMUNICATION_STDOUT: 'PROCESS_COMMUNICATION',
  PROCESS_COMMUNICATION_STDERR: 'PROCESS_COMMUNICATION',
  PROCESS_LOG: 'EVENT',
  PROCESS_LOG_STDOUT: 'PROCESS_LOG',
  PROCESS_LOG_STDERR: 'PROCESS_LOG',
  REMOTE_COMMUNICATION: 'EVENT',
  SUPERVISOR_STATE_CHANGE: 'EVENT',
  SUPERVISOR_STATE_CHANGE_RUNNING: 'SUPERVISOR_STATE_CHANGE',
  SUPERVISOR_STATE_CHANGE_STOPPING: 'SUPERVISOR_STATE_CHANGE',
  TICK: 'EVENT',
  TICK_5: 'TICK',
  TICK_60: 'TICK',
  TICK_3600: 'TICK',
  PROCESS_GROUP: 'EVENT',
  PROCESS_GROUP_ADDED: 'PROCESS_GROUP',
  PROCESS_GROUP_REMOVED: 'PROCESS_GROUP',
  // supd extensions, roots of their own (not under EVENT): only a listener that names them gets them.
  PROCESS_OOM: null,
  PROCESS_STUCK: null,
  PROCESS_HEALTH: null,
  PROCESS_HEALTH_HEALTHY: 'PROCESS_HEALTH',
  PROCESS_HEALTH_UNHEALTHY: 'PROCESS_HEALTH',
} as const satisfies Record<string, string | null>;

export type EventTypeName = keyof typeof EVENT_TYPES;

/** The names of events.py's abstract classes ("Abstract" in their docstrings): never sent. */
export const ABSTRACT_EVENT_TYPES: readonly EventTypeName[] = [
  'EVENT',
  'PROCESS_STATE',
  'PROCESS_COMMUNICATION',
  'PROCESS_LOG',
  'SUPERVISOR_STATE_CHANGE',
  'TICK',
  'PROCESS_GROUP',
  'PROCESS_HEALTH',
];

/** supd's own event types, not in supervisord 4.2.5: sent only to listeners that name them. */
export const SUPD_EVENT_TYPES: readonly EventTypeName[] = [
  'PROCESS_OOM',
  'PROCESS_STUCK',
  'PROCESS_HEALTH',
  'PROCESS_HEALTH_HEALTHY',
  'PROCESS_HEALTH_UNHEALTHY',
];

export function isEventTypeName(name: string): name is EventTypeName {
  return Object.hasOwn(EVENT_TYPES, name);
}

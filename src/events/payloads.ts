/**
 * supervisord 4.2.5's event types (events.py EventTypes) and their payloads, token for token: the
 * event data supd publishes, the subtype tree subscriptions match against, and payload(). Pure: no
 * I/O, no clock. Serials, envelopes and delivery live in listener-protocol.ts and pool.ts.
 */
import type { ProcessStateName } from '../core/states.js';
import { EVENT_TYPES, type EventTypeName } from '../config/event-types.js';

export { ABSTRACT_EVENT_TYPES, EVENT_TYPES, isEventTypeName, SUPD_EVENT_TYPES, type EventTypeName } from '../config/event-types.js';

/** Python's isinstance(event, subscribed): true when `type` is `subscribed` or one of its subtypes. */
export function isSubtypeOf(type: EventTypeName, subscribed: EventTypeName): boolean {
  for (let t: EventTypeName | null = type; t !== null; t = EVENT_TYPES[t]) {
    if (t === subscribed) return true;
  }
  return false;
}

/** The TICK periods in seconds, in supervisord's TICK_EVENTS order. */
export const TICK_PERIODS = { TICK_5: 5, TICK_60: 60, TICK_3600: 3600 } as const;
export type TickEventName = keyof typeof TICK_PERIODS;

/** A child's output as read from its pipe: bytes, decoded (or not) when the payload is built. */
export type OutputData = string | Uint8Array;

interface ProcessFields {
  readonly processname: string;
  /** '' when the process has no group, as events.py writes it; supd's processes always have one. */
  readonly groupname: string;
}

/**
 * One event, as plain data. Field names are the payload's tokens (supervisord's words), so a
 * payload is these fields in supervisord's order.
 */
export type SupdEvent =
  | (ProcessFields & {
      readonly type: 'PROCESS_STATE_STOPPED' | 'PROCESS_STATE_RUNNING' | 'PROCESS_STATE_STOPPING';
      readonly from_state: ProcessStateName;
      readonly pid: number;
    })
  | (ProcessFields & {
      readonly type: 'PROCESS_STATE_STARTING' | 'PROCESS_STATE_BACKOFF';
      readonly from_state: ProcessStateName;
      readonly tries: number;
    })
  | (ProcessFields & {
      readonly type: 'PROCESS_STATE_EXITED';
      readonly from_state: ProcessStateName;
      readonly expected: boolean;
      readonly pid: number;
    })
  | (ProcessFields & {
      readonly type: 'PROCESS_STATE_FATAL' | 'PROCESS_STATE_UNKNOWN';
      readonly from_state: ProcessStateName;
    })
  | (ProcessFields & {
      readonly type:
        | 'PROCESS_LOG_STDOUT'
        | 'PROCESS_LOG_STDERR'
        | 'PROCESS_COMMUNICATION_STDOUT'
        | 'PROCESS_COMMUNICATION_STDERR';
      readonly pid: number;
      readonly data: OutputData;
    })
  | {
      readonly type: 'REMOTE_COMMUNICATION';
      /** The `type` argument of supervisor.sendRemoteCommEvent(type, data). */
      readonly remote_type: string;
      readonly data: string;
    }
  | { readonly type: 'SUPERVISOR_STATE_CHANGE_RUNNING' | 'SUPERVISOR_STATE_CHANGE_STOPPING' }
  | {
      readonly type: TickEventName;
      /** Start of the period that just began, in whole Unix seconds (supervisord's timeslice()). */
      readonly when: number;
    }
  | { readonly type: 'PROCESS_GROUP_ADDED' | 'PROCESS_GROUP_REMOVED'; readonly groupname: string }
  /** supd: the kernel's OOM killer ended the process; memory_limit in bytes, or `max`. */
  | (ProcessFields & { readonly type: 'PROCESS_OOM'; readonly pid: number; readonly memory_limit: number | null })
  /** supd: a process still there stopwaitsecs after SIGKILL; state is /proc's letter or `frozen`. */
  | (ProcessFields & { readonly type: 'PROCESS_STUCK'; readonly pid: number; readonly state: string; readonly seconds: number })
  /** supd: a health check passed after not passing, or failed healthcheck_retries times in a row. */
  | (ProcessFields & {
      readonly type: 'PROCESS_HEALTH_HEALTHY' | 'PROCESS_HEALTH_UNHEALTHY';
      readonly pid: number;
      readonly failures: number;
      /** Why the last check failed; '' when healthy. */
      readonly error: string;
    });

export type PublishableEventName = SupdEvent['type'];

/** What the core reports for one state change of one process; turned into a PROCESS_STATE_* event. */
export interface StateTransition {
  readonly processName: string;
  readonly groupName: string;
  readonly from: ProcessStateName;
  readonly to: ProcessStateName;
  /** supervisord's `backoff` after the transition: the `tries` of STARTING and BACKOFF. */
  readonly tries: number;
  /** For EXITED: was the exit code in exitcodes? supervisord defaults it to true elsewhere. */
  readonly expected?: boolean;
  /** The pid the process has (or, for STOPPED and EXITED, just had); 0 when it has none. */
  readonly pid: number;
}

/** process.py change_state(): every state has an event (event_map covers all eight). */
export function processStateEvent(t: StateTransition): SupdEvent {
  const base = { processname: t.processName, groupname: t.groupName, from_state: t.from };
  switch (t.to) {
    case 'STOPPED':
      return { type: 'PROCESS_STATE_STOPPED', ...base, pid: t.pid };
    case 'RUNNING':
      return { type: 'PROCESS_STATE_RUNNING', ...base, pid: t.pid };
    case 'STOPPING':
      return { type: 'PROCESS_STATE_STOPPING', ...base, pid: t.pid };
    case 'STARTING':
      return { type: 'PROCESS_STATE_STARTING', ...base, tries: t.tries };
    case 'BACKOFF':
      return { type: 'PROCESS_STATE_BACKOFF', ...base, tries: t.tries };
    case 'EXITED':
      return { type: 'PROCESS_STATE_EXITED', ...base, expected: t.expected ?? true, pid: t.pid };
    case 'FATAL':
      return { type: 'PROCESS_STATE_FATAL', ...base };
    case 'UNKNOWN':
      return { type: 'PROCESS_STATE_UNKNOWN', ...base };
    default:
      return unreachable(t.to);
  }
}

/** The payload string of one event, exactly as events.py's payload() returns it. */
export function eventPayload(event: SupdEvent): string {
  switch (event.type) {
    case 'PROCESS_STATE_STOPPED':
    case 'PROCESS_STATE_RUNNING':
    case 'PROCESS_STATE_STOPPING':
      return stateTokens(event, [['pid', String(event.pid)]]);
    case 'PROCESS_STATE_STARTING':
    case 'PROCESS_STATE_BACKOFF':
      return stateTokens(event, [['tries', String(Math.trunc(event.tries))]]);
    case 'PROCESS_STATE_EXITED':
      // int(self.expected): 1 or 0, then the pid
      return stateTokens(event, [
        ['expected', event.expected ? '1' : '0'],
        ['pid', String(event.pid)],
      ]);
    case 'PROCESS_STATE_FATAL':
    case 'PROCESS_STATE_UNKNOWN':
      return stateTokens(event, []);
    case 'PROCESS_LOG_STDOUT':
    case 'PROCESS_LOG_STDERR': {
      const channel = event.type === 'PROCESS_LOG_STDOUT' ? 'stdout' : 'stderr';
      return (
        `processname:${event.processname} groupname:${event.groupname} pid:${event.pid} ` +
        `channel:${channel}\n${decodeOutput(event.data)}`
      );
    }
    case 'PROCESS_COMMUNICATION_STDOUT':
    case 'PROCESS_COMMUNICATION_STDERR':
      // No channel token here: ProcessCommunicationEvent.payload() leaves it out.
      return `processname:${event.processname} groupname:${event.groupname} pid:${event.pid}\n${decodeOutput(event.data)}`;
    case 'REMOTE_COMMUNICATION':
      return `type:${event.remote_type}\n${event.data}`;
    case 'SUPERVISOR_STATE_CHANGE_RUNNING':
    case 'SUPERVISOR_STATE_CHANGE_STOPPING':
      return '';
    case 'TICK_5':
    case 'TICK_60':
    case 'TICK_3600':
      return `when:${event.when}`;
    case 'PROCESS_GROUP_ADDED':
    case 'PROCESS_GROUP_REMOVED':
      // The only payload ending in a newline (ProcessGroupEvent.payload()).
      return `groupname:${event.groupname}\n`;
    case 'PROCESS_OOM':
      return `processname:${event.processname} groupname:${event.groupname} pid:${event.pid} memory_limit:${event.memory_limit ?? 'max'}`;
    case 'PROCESS_STUCK':
      return `processname:${event.processname} groupname:${event.groupname} pid:${event.pid} state:${event.state} seconds:${event.seconds}`;
    case 'PROCESS_HEALTH_HEALTHY':
    case 'PROCESS_HEALTH_UNHEALTHY':
      // The error is free text: it goes last, after a newline, as PROCESS_LOG's data does.
      return `processname:${event.processname} groupname:${event.groupname} pid:${event.pid} failures:${event.failures}\n${event.error}`;
    default:
      return unreachable(event);
  }
}

function stateTokens(
  event: ProcessFields & { readonly from_state: ProcessStateName },
  extra: readonly (readonly [string, string])[],
): string {
  const pairs: (readonly [string, string])[] = [
    ['processname', event.processname],
    ['groupname', event.groupname],
    ['from_state', event.from_state],
    ...extra,
  ];
  return pairs.map(([name, value]) => `${name}:${value}`).join(' ');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** as_string(data), or events.py's `'Undecodable: %r' % data` for bytes that are not UTF-8. */
export function decodeOutput(data: OutputData): string {
  if (typeof data === 'string') return data;
  try {
    return utf8.decode(data);
  } catch {
    return `Undecodable: ${pythonBytesRepr(data)}`;
  }
}

/** Python 3's repr() of a bytes object: b'...' (or b"..." when it holds ' and no "). */
export function pythonBytesRepr(data: Uint8Array): string {
  const hasSingle = data.includes(0x27);
  const quote = hasSingle && !data.includes(0x22) ? '"' : "'";
  let out = `b${quote}`;
  for (const byte of data) {
    if (byte === 0x5c) out += '\\\\';
    else if (byte === 0x09) out += '\\t';
    else if (byte === 0x0a) out += '\\n';
    else if (byte === 0x0d) out += '\\r';
    else if (byte === quote.charCodeAt(0)) out += `\\${quote}`;
    else if (byte < 0x20 || byte >= 0x7f) out += `\\x${byte.toString(16).padStart(2, '0')}`;
    else out += String.fromCharCode(byte);
  }
  return `${out}${quote}`;
}

function unreachable(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
}

/**
 * supervisord's state names and numeric codes (states.py), which the XML-RPC API, supctl and
 * event payloads expose unchanged. Codes only; the transitions live in process-machine.ts.
 */

export const PROCESS_STATES = {
  STOPPED: 0,
  STARTING: 10,
  RUNNING: 20,
  BACKOFF: 30,
  STOPPING: 40,
  EXITED: 100,
  FATAL: 200,
  UNKNOWN: 1000,
} as const;

export type ProcessStateName = keyof typeof PROCESS_STATES;

/** States in which a process is considered started (supervisord's RUNNING_STATES). */
export const RUNNING_STATES: readonly ProcessStateName[] = ['RUNNING', 'BACKOFF', 'STARTING'];
/** States from which a process may be started (supervisord's STOPPED_STATES). */
export const STOPPED_STATES: readonly ProcessStateName[] = ['STOPPED', 'EXITED', 'FATAL', 'UNKNOWN'];
/** States in which a process has a pid worth signalling (supervisord's SIGNALLABLE_STATES). */
export const SIGNALLABLE_STATES: readonly ProcessStateName[] = ['RUNNING', 'STARTING', 'STOPPING'];

export const SUPERVISOR_STATES = {
  FATAL: 2,
  RUNNING: 1,
  RESTARTING: 0,
  SHUTDOWN: -1,
} as const;

export type SupervisorStateName = keyof typeof SUPERVISOR_STATES;

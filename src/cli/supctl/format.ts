/**
 * supctl's text output, line for line as supervisorctl 4.2.5 prints it (supervisorctl.py
 * _show_statuses, _startresult, _signalresult, _clearresult, _formatChanges, _formatConfigInfo),
 * plus optional colour on the state word. Pure: values in, strings out.
 */
import { FAULTS } from '../../rpc/faults.js';
import { makeNamespec } from '../../rpc/namespec.js';

export interface ProcessInfoView {
  readonly name: string;
  readonly group: string;
  readonly state: number;
  readonly statename: string;
  readonly description: string;
  readonly pid: number;
}

/** A row of the *All/*Group methods: {name, group, status, description}. */
export interface ResultView {
  readonly name: string;
  readonly group: string;
  readonly status: number;
  readonly description: string;
}

const COLOURS: Readonly<Record<string, string>> = {
  RUNNING: '\x1b[32m',
  STARTING: '\x1b[33m',
  BACKOFF: '\x1b[33m',
  STOPPING: '\x1b[33m',
  STOPPED: '\x1b[2m',
  EXITED: '\x1b[31m',
  FATAL: '\x1b[1;31m',
  UNKNOWN: '\x1b[1;31m',
};

/** `%(namespec)-Ns%(state)-10s%(desc)s`, N = max(30, longest namespec) + 3. */
export function formatStatusLines(infos: readonly ProcessInfoView[], color = false): string[] {
  const namespecs = infos.map((i) => makeNamespec(i.group, i.name));
  const width = Math.max(30, ...namespecs.map((n) => n.length)) + 3;
  return infos.map((info, index) => {
    const state = info.statename.padEnd(10);
    const painted = color && COLOURS[info.statename] !== undefined ? `${COLOURS[info.statename]}${state}\x1b[0m` : state;
    return `${(namespecs[index] as string).padEnd(width)}${painted}${info.description}`;
  });
}

const TEMPLATE = (name: string, why: string): string => `${name}: ERROR (${why})`;

/** supervisorctl _startresult; codes it does not know are shown with the fault text. */
export function formatStartResult(result: ResultView): string {
  const name = makeNamespec(result.group, result.name);
  switch (result.status) {
    case FAULTS.BAD_NAME: return TEMPLATE(name, 'no such process');
    case FAULTS.NO_FILE: return TEMPLATE(name, 'no such file');
    case FAULTS.NOT_EXECUTABLE: return TEMPLATE(name, 'file is not executable');
    case FAULTS.ALREADY_STARTED: return TEMPLATE(name, 'already started');
    case FAULTS.SPAWN_ERROR: return TEMPLATE(name, 'spawn error');
    case FAULTS.ABNORMAL_TERMINATION: return TEMPLATE(name, 'abnormal termination');
    case FAULTS.SUCCESS: return `${name}: started`;
    default: return TEMPLATE(name, result.description);
  }
}

/** supervisorctl _signalresult (and _stopresult with success word 'stopped'). */
export function formatSignalResult(result: ResultView, success = 'signalled'): string {
  const name = makeNamespec(result.group, result.name);
  switch (result.status) {
    case FAULTS.BAD_NAME: return TEMPLATE(name, 'no such process');
    case FAULTS.BAD_SIGNAL: return TEMPLATE(name, 'bad signal name');
    case FAULTS.NOT_RUNNING: return TEMPLATE(name, 'not running');
    case FAULTS.SUCCESS: return `${name}: ${success}`;
    case FAULTS.FAILED: return result.description;
    default: return TEMPLATE(name, result.description);
  }
}

export function formatStopResult(result: ResultView): string {
  return formatSignalResult(result, 'stopped');
}

/** supervisorctl _clearresult. */
export function formatClearResult(result: ResultView): string {
  const name = makeNamespec(result.group, result.name);
  switch (result.status) {
    case FAULTS.BAD_NAME: return TEMPLATE(name, 'no such process');
    case FAULTS.FAILED: return TEMPLATE(name, 'failed');
    case FAULTS.SUCCESS: return `${name}: cleared`;
    default: return TEMPLATE(name, result.description);
  }
}

/** supervisorctl _formatChanges: `name: available|changed|disappeared`, sorted by name. */
export function formatChanges(added: readonly string[], changed: readonly string[], removed: readonly string[]): string[] {
  const words = new Map<string, string>();
  for (const n of added) words.set(n, 'available');
  for (const n of changed) words.set(n, 'changed');
  for (const n of removed) words.set(n, 'disappeared');
  if (words.size === 0) return ['No config updates to processes'];
  return [...words.keys()].sort().map((n) => `${n}: ${words.get(n) as string}`);
}

export interface ConfigInfoView {
  readonly name: string;
  readonly group: string;
  readonly inuse: boolean;
  readonly autostart: boolean;
  readonly group_prio: number;
  readonly process_prio: number;
}

/** supervisorctl _formatConfigInfo: `%(name)-32s %(inuse)-9s %(autostart)-9s %(priority)s`. */
export function formatConfigInfo(info: ConfigInfoView): string {
  const name = makeNamespec(info.group, info.name).padEnd(32);
  return `${name} ${(info.inuse ? 'in use' : 'avail').padEnd(9)} ${(info.autostart ? 'auto' : 'manual').padEnd(9)} ${info.group_prio}:${info.process_prio}`;
}

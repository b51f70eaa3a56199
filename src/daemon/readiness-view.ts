/**
 * The running supervisor as core/readiness.ts reads it: one ReadinessView per process, with its
 * state, exit, health and what it waits for. Shared by /readyz, supctl health and supctl wait.
 */
import { namespec } from '../config/check-report.js';
import { assessReadiness, type Readiness, type ReadinessView } from '../core/readiness.js';
import type { ProcessEntry, Supervisor } from '../core/supervisor.js';

export function readinessViewOf(entry: ProcessEntry): ReadinessView {
  const { state } = entry.machine;
  return {
    name: namespec(entry.config.groupName, entry.config.name),
    state: state.name,
    ...(state.name === 'EXITED' ? { expected: state.expected, restarting: state.restartAt !== null } : {}),
    exitstatus: entry.machine.exitstatus,
    spawnerr: entry.machine.spawnerr,
  };
}

/**
 * The verdict over every process, or over those `names` select (a program, a group or a
 * `group:process`); unknown names are returned apart so callers can refuse them.
 */
export function readinessOf(
  supervisor: Supervisor,
  names: readonly string[] = [],
  view: (entry: ProcessEntry) => ReadinessView = readinessViewOf,
): Readiness & { readonly unknown: readonly string[] } {
  const entries = supervisor.list();
  if (names.length === 0) return { ...assessReadiness(entries.map(view)), unknown: [] };
  const unknown: string[] = [];
  const chosen = new Set<ProcessEntry>();
  for (const name of names) {
    const matched = entries.filter((e) => matchesName(e, name));
    if (matched.length === 0) unknown.push(name);
    for (const e of matched) chosen.add(e);
  }
  return { ...assessReadiness(entries.filter((e) => chosen.has(e)).map(view)), unknown };
}

/** `web` (the program or group web), `group:web_00`, `group:*`. */
function matchesName(entry: ProcessEntry, name: string): boolean {
  const { groupName, name: processName, programName } = entry.config;
  const colon = name.indexOf(':');
  if (colon === -1) return name === groupName || name === programName || name === processName;
  const group = name.slice(0, colon);
  const process = name.slice(colon + 1);
  return group === groupName && (process === '*' || process === processName);
}

/**
 * What changed between two configs, per group (supervisord's diff_to_active, which reloadConfig
 * and `supervisorctl reread` report) and per process (what supd's SIGHUP reload applies).
 * A process is "changed" when any setting differs; where a setting came from does not count.
 */
import type { GroupConfig, ProcessConfig } from '../config/types.js';

export interface ProcessDiff {
  readonly added: readonly ProcessConfig[];
  readonly changed: readonly ProcessConfig[];
  readonly removed: readonly ProcessConfig[];
}

export interface GroupDiff {
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
}

/** A canonical form of a setting value: origins stripped, keys sorted. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) => {
    if (key === 'origin') return undefined;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)));
    }
    return v;
  });
}

export function isSameProcess(a: ProcessConfig, b: ProcessConfig): boolean {
  return canonical(a) === canonical(b);
}

export function isSameGroup(a: GroupConfig, b: GroupConfig): boolean {
  return canonical(a) === canonical(b);
}

function processesByKey(groups: readonly GroupConfig[]): Map<string, ProcessConfig> {
  const map = new Map<string, ProcessConfig>();
  for (const group of groups) for (const p of group.processes) map.set(`${group.name}:${p.name}`, p);
  return map;
}

export function diffProcesses(before: readonly GroupConfig[], after: readonly GroupConfig[]): ProcessDiff {
  const old = processesByKey(before);
  const next = processesByKey(after);
  const added: ProcessConfig[] = [];
  const changed: ProcessConfig[] = [];
  const removed: ProcessConfig[] = [];
  for (const [key, config] of next) {
    const previous = old.get(key);
    if (previous === undefined) added.push(config);
    else if (!isSameProcess(previous, config)) changed.push(config);
  }
  for (const [key, config] of old) if (!next.has(key)) removed.push(config);
  return { added, changed, removed };
}

export function diffGroups(before: readonly GroupConfig[], after: readonly GroupConfig[]): GroupDiff {
  const old = new Map(before.map((g) => [g.name, g]));
  const next = new Map(after.map((g) => [g.name, g]));
  const added = [...next.keys()].filter((name) => !old.has(name)).sort();
  const removed = [...old.keys()].filter((name) => !next.has(name)).sort();
  const changed = [...next.keys()]
    .filter((name) => old.has(name) && !isSameGroup(old.get(name)!, next.get(name)!))
    .sort();
  return { added, changed, removed };
}

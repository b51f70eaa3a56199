/**
 * Start order from depends_on: which dependencies of a process are not met yet (and so what it is
 * waiting for), and the order of stopping at shutdown (dependents before what they depend on,
 * priorities ordering everything else). Pure: the processes' configs and a view of each one's
 * state and health come in; decisions go out. Cycles never get here: the config refuses them.
 */
import { resolveDependency } from '../config/health-sections.js';
import type { DependCondition, Dependency, ProcessConfig } from '../config/types.js';
import type { HealthStatus } from './readiness.js';
import type { ProcessStateName } from './states.js';

/** What the rule needs to know about a dependency right now. */
export interface DependencyView {
  readonly state: ProcessStateName;
  /** EXITED: whether the exit code was expected. */
  readonly expected?: boolean;
  /** EXITED: whether autorestart is about to start it again. */
  readonly restarting?: boolean;
  readonly health: HealthStatus | null;
}

/** One dependency not met yet, and, when it cannot get there by itself, why. */
export interface Unmet {
  readonly name: string;
  readonly conditions: readonly DependCondition[];
  /** "db is FATAL", "migrate exited unexpectedly": set when the dependency is stuck, not on its way. */
  readonly stuck: string | null;
}

export function isConditionMet(condition: DependCondition, v: DependencyView): boolean {
  switch (condition) {
    case 'running':
      return v.state === 'RUNNING';
    case 'healthy':
      return v.state === 'RUNNING' && v.health === 'healthy';
    case 'completed':
      return v.state === 'EXITED' && v.expected === true;
  }
}

/** Why a dependency that does not meet its condition will not get there without help, or null. */
function stuckReason(name: string, conditions: readonly DependCondition[], v: DependencyView): string | null {
  switch (v.state) {
    case 'FATAL':
      return `${name} is FATAL`;
    case 'EXITED':
      if (v.restarting === true) return null;
      return v.expected === true ? `${name} has exited` : `${name} exited unexpectedly`;
    case 'RUNNING':
      return conditions.includes('completed') || v.health !== 'unhealthy' ? null : `${name} is unhealthy`;
    default:
      return null;
  }
}

/**
 * The dependencies of `config` not met now, in the order written. A name standing for several
 * processes (numprocs, a group) is met when every one of them is.
 */
export function unmetDependencies(
  config: ProcessConfig,
  all: readonly ProcessConfig[],
  viewOf: (p: ProcessConfig) => DependencyView,
): Unmet[] {
  const unmet: Unmet[] = [];
  for (const dep of config.dependsOn ?? []) {
    let stuck: string | null = null;
    let met = true;
    for (const target of resolveDependency(dep.name, all)) {
      const view = viewOf(target);
      if (dep.conditions.some((c) => isConditionMet(c, view))) continue;
      met = false;
      stuck ??= stuckReason(target.name, dep.conditions, view);
    }
    if (!met) unmet.push({ name: dep.name, conditions: dep.conditions, stuck });
  }
  return unmet;
}

/** What a waiting process's description says: `db (healthy), migrate (completed): migrate exited unexpectedly`. */
export function describeWait(unmet: readonly Unmet[]): string {
  const what = unmet.map((u) => `${u.name} (${u.conditions.join(' or ')})`).join(', ');
  const stuck = unmet.flatMap((u) => (u.stuck === null ? [] : [u.stuck]));
  return stuck.length === 0 ? what : `${what}: ${stuck.join(', ')}`;
}

/** The processes `config` depends on (every condition), resolved. */
export function dependenciesOf(config: ProcessConfig, all: readonly ProcessConfig[]): ProcessConfig[] {
  return (config.dependsOn ?? []).flatMap((dep: Dependency) => resolveDependency(dep.name, all));
}

/**
 * Each process's shutdown level: its group's priority (levels stop highest first, as supervisord
 * does), lowered to the level of the lowest of its dependents when that is lower, so that nothing
 * stops before what depends on it. Within a level, the caller stops a process only once its
 * dependents have stopped. Without depends_on this is exactly the group priority.
 */
export function shutdownLevels(
  all: readonly ProcessConfig[],
  keyOf: (p: ProcessConfig) => string,
  groupPriority: (p: ProcessConfig) => number,
): Map<string, number> {
  const level = new Map(all.map((p) => [keyOf(p), groupPriority(p)]));
  if (!all.some((p) => (p.dependsOn?.length ?? 0) > 0)) return level;
  // A dependency may be lowered by a dependent that was itself lowered: repeat until nothing moves
  // (at most one pass per process, the graph being acyclic).
  for (let pass = 0; pass <= all.length; pass++) {
    let moved = false;
    for (const dependent of all) {
      const mine = level.get(keyOf(dependent))!;
      for (const dep of dependenciesOf(dependent, all)) {
        const key = keyOf(dep);
        if (level.get(key)! > mine) {
          level.set(key, mine);
          moved = true;
        }
      }
    }
    if (!moved) break;
  }
  return level;
}

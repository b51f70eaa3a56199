/**
 * The worst-case shutdown time `supd --check` prints: priority levels stop one after another
 * (highest first), the processes of a level in parallel, each up to its stopwaitsecs before the
 * SIGKILL; with depends_on, a dependent stops before what it depends on, so a chain inside a level
 * adds up. Pure: configs in, milliseconds and the slowest path out.
 */
import type { ProcessConfig } from '../config/types.js';
import { dependenciesOf, shutdownLevels } from './start-order.js';

export interface ShutdownEstimate {
  readonly worstMs: number;
  /** One entry per level, highest first: its priority, its worst time and the chain that takes it. */
  readonly levels: readonly { readonly priority: number; readonly worstMs: number; readonly chain: readonly string[] }[];
}

export function estimateShutdown(processes: readonly ProcessConfig[], groupPriority: (p: ProcessConfig) => number): ShutdownEstimate {
  const keyOf = (p: ProcessConfig) => `${p.groupName}:${p.name}`;
  const levelOf = shutdownLevels(processes, keyOf, groupPriority);
  const byKey = new Map(processes.map((p) => [keyOf(p), p]));
  /** process -> the processes in its level that depend on it (they stop first). */
  const dependents = new Map<string, string[]>();
  for (const p of processes) {
    for (const d of dependenciesOf(p, processes)) {
      const k = keyOf(d);
      if (levelOf.get(k) === levelOf.get(keyOf(p))) dependents.set(k, [...(dependents.get(k) ?? []), keyOf(p)]);
    }
  }
  const memo = new Map<string, { ms: number; chain: string[] }>();
  // The longest stop path ending with `key`: its dependents' longest path, then its own stopwaitsecs.
  const chainOf = (key: string): { ms: number; chain: string[] } => {
    const known = memo.get(key);
    if (known !== undefined) return known;
    let before = { ms: 0, chain: [] as string[] };
    for (const d of dependents.get(key) ?? []) {
      const c = chainOf(d);
      if (c.ms > before.ms) before = c;
    }
    const p = byKey.get(key)!;
    const result = { ms: before.ms + p.stopWaitMs, chain: [...before.chain, p.name] };
    memo.set(key, result);
    return result;
  };
  const levels = [...new Set(levelOf.values())].sort((a, b) => b - a).map((priority) => {
    let worst = { ms: 0, chain: [] as string[] };
    for (const [key, level] of levelOf) {
      if (level !== priority) continue;
      const c = chainOf(key);
      if (c.ms > worst.ms) worst = c;
    }
    return { priority, worstMs: worst.ms, chain: worst.chain };
  });
  return { worstMs: levels.reduce((sum, l) => sum + l.worstMs, 0), levels };
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** The lines --check prints, and the warning when it exceeds the orchestrator's grace period. */
export function formatShutdownEstimate(e: ShutdownEstimate, graceS: number | null): { lines: string[]; warning: string | null } {
  const slowest = e.levels.filter((l) => l.worstMs > 0).map((l) => `priority ${l.priority}: ${seconds(l.worstMs)} (${l.chain.join(' -> ')})`);
  const lines = [`worst-case shutdown: ${seconds(e.worstMs)} over ${e.levels.length} priority level${e.levels.length === 1 ? '' : 's'}${slowest.length > 0 ? `; ${slowest.join(', ')}` : ''}`];
  const warning =
    graceS !== null && e.worstMs > graceS * 1000
      ? `worst-case shutdown ${seconds(e.worstMs)} exceeds --grace ${graceS} s: the orchestrator would SIGKILL supd before every program has stopped (raise terminationGracePeriodSeconds / docker stop -t, or lower stopwaitsecs)`
      : null;
  return { lines, warning };
}

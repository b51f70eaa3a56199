/** What the core Supervisor decided, as names and states a failing assertion can show. */
import type { Outcome, Supervisor } from '../../src/core/supervisor.js';

/** Names of the processes an outcome spawns, in order. */
export function spawnedNames(out: Outcome): string[] {
  return out.effects.filter((e) => e.effect.type === 'spawn').map((e) => e.process.config.name);
}

/** Names of the processes an outcome signals, in order. */
export function signalled(out: Outcome): string[] {
  return out.effects.filter((e) => e.effect.type === 'signal').map((e) => e.process.config.name);
}

/** Whether shutdown is complete, with every process's state: assert `toMatchObject({ complete })`. */
export function shutdownView(sup: Supervisor): { complete: boolean; states: string[] } {
  return { complete: sup.isShutdownComplete(), states: sup.list().map((e) => `${e.key} ${e.machine.state.name}`) };
}

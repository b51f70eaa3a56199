import { describe, expect, it } from 'vitest';
import { shutdownDecision } from '../../../src/core/exit-policy.js';
import { decodeExit } from '../../../src/core/exit-status.js';
import { initialMachine, step, type Effect, type ProcessEvent } from '../../../src/core/process-machine.js';
import { processConfig } from '../../support/process-config.js';

const code = (n: number) => decodeExit(n, null);
const killed = (signal: string) => decodeExit(null, signal);

describe('shutdown_on', () => {
  it('exit: any exit ends supd with the exit code, or 128+N for signal N', () => {
    expect(shutdownDecision('exit', { type: 'exited', status: code(0), isExpected: true })).toMatchObject({ code: 0 });
    expect(shutdownDecision('exit', { type: 'exited', status: code(3), isExpected: false })).toMatchObject({ code: 3 });
    expect(shutdownDecision('exit', { type: 'exited', status: killed('SIGKILL'), isExpected: false })).toMatchObject({ code: 137 });
    expect(shutdownDecision('exit', { type: 'exited', status: killed('SIGTERM'), isExpected: false })).toMatchObject({ code: 143 });
  });

  it('unexpected: only an exit code not in exitcodes, and a spawn error with 1', () => {
    expect(shutdownDecision('unexpected', { type: 'exited', status: code(0), isExpected: true })).toBeNull();
    expect(shutdownDecision('unexpected', { type: 'exited', status: code(2), isExpected: false })).toMatchObject({ code: 2 });
    expect(shutdownDecision('unexpected', { type: 'spawn-failed', spawnerr: "can't find command 'x'" })).toMatchObject({ code: 1 });
  });

  it('fatal: only FATAL, with the last exit code or 1 when it never ran', () => {
    expect(shutdownDecision('fatal', { type: 'exited', status: code(2), isExpected: false })).toBeNull();
    expect(shutdownDecision('fatal', { type: 'fatal', lastExit: code(4) })).toMatchObject({ code: 4 });
    expect(shutdownDecision('fatal', { type: 'fatal', lastExit: null })).toMatchObject({ code: 1 });
  });

  it('none: nothing ever shuts supd down', () => {
    expect(shutdownDecision(null, { type: 'fatal', lastExit: code(4) })).toBeNull();
  });
});

describe('a process with shutdown_on', () => {
  const shutdowns = (effects: readonly Effect[]) => effects.filter((e) => e.type === 'shutdown-supd');
  const run = (cfg: ReturnType<typeof processConfig>, events: [ProcessEvent, number][]) => {
    let m = initialMachine();
    const effects: Effect[] = [];
    for (const [event, at] of events) {
      const s = step(m, event, at, cfg);
      m = s.machine;
      effects.push(...s.effects);
    }
    return { machine: m, effects };
  };

  it('=exit asks supd to shut down with its code and is not restarted', () => {
    const cfg = processConfig({ shutdownOn: 'exit', autorestart: 'true' });
    const { machine, effects } = run(cfg, [
      [{ type: 'start' }, 0],
      [{ type: 'spawned', pid: 9 }, 0],
      [{ type: 'tick' }, 1_001],
      [{ type: 'exited', status: code(7) }, 5_000],
    ]);
    expect(shutdowns(effects)).toEqual([{ type: 'shutdown-supd', code: 7, reason: 'exited (exit status 7; not expected)' }]);
    expect(machine.state).toEqual({ name: 'EXITED', expected: false, restartAt: null });
    expect(effects.filter((e) => e.type === 'spawn')).toHaveLength(1);
  });

  it('=fatal asks once its retries are used up, not before', () => {
    const cfg = processConfig({ shutdownOn: 'fatal', startRetries: 1 });
    const { machine, effects } = run(cfg, [
      [{ type: 'start' }, 0],
      [{ type: 'spawned', pid: 9 }, 0],
      [{ type: 'exited', status: code(5) }, 100],
      [{ type: 'tick' }, 1_100],
      [{ type: 'spawned', pid: 10 }, 1_100],
      [{ type: 'exited', status: code(5) }, 1_200],
    ]);
    expect(machine.state.name).toBe('FATAL');
    expect(shutdowns(effects)).toEqual([{ type: 'shutdown-supd', code: 5, reason: 'entered FATAL state (last exit status 5)' }]);
  });

  it('is not triggered by a stop supd asked for', () => {
    const cfg = processConfig({ shutdownOn: 'exit' });
    const { machine, effects } = run(cfg, [
      [{ type: 'start' }, 0],
      [{ type: 'spawned', pid: 9 }, 0],
      [{ type: 'tick' }, 1_001],
      [{ type: 'stop' }, 2_000],
      [{ type: 'exited', status: killed('SIGTERM') }, 2_100],
    ]);
    expect(machine.state.name).toBe('STOPPED');
    expect(shutdowns(effects)).toEqual([]);
  });
});

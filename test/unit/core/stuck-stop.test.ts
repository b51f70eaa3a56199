import { describe, expect, it } from 'vitest';
import { decodeExit } from '../../../src/core/exit-status.js';
import { initialMachine, step, type Effect, type Machine, type ProcessEvent } from '../../../src/core/process-machine.js';
import { describeStuck, formatDuration } from '../../../src/core/process-report.js';
import { isStuck, Supervisor } from '../../../src/core/supervisor.js';
import { processConfig, programGroup } from '../../support/process-config.js';
import { shutdownView } from '../../support/supervisor-view.js';

const cfg = processConfig({ stopWaitMs: 2_000, startSecs: 0 });

function drive(events: [ProcessEvent, number][], config = cfg): { machine: Machine; effects: Effect[] } {
  let m = initialMachine();
  const effects: Effect[] = [];
  for (const [event, at] of events) {
    const s = step(m, event, at, config);
    m = s.machine;
    effects.push(...s.effects);
  }
  return { machine: m, effects };
}

const started: [ProcessEvent, number][] = [
  [{ type: 'start' }, 0],
  [{ type: 'spawned', pid: 50 }, 0],
  [{ type: 'tick' }, 1],
];

describe('a stop that does not finish', () => {
  it('is reported stuck once, stopwaitsecs after SIGKILL, and SIGKILL keeps being sent as supervisord does', () => {
    const { machine, effects } = drive([
      ...started,
      [{ type: 'stop' }, 1_000], // SIGTERM
      [{ type: 'tick' }, 3_000], // SIGKILL
      [{ type: 'tick' }, 5_000], // still there: stuck
      [{ type: 'tick' }, 7_000], // still there: no second report
    ]);
    expect(effects.filter((e) => e.type === 'stuck')).toEqual([{ type: 'stuck', pid: 50, since: 3_000 }]);
    expect(effects.filter((e) => e.type === 'signal').map((e) => (e.type === 'signal' ? e.signal : ''))).toEqual(['TERM', 'KILL', 'KILL', 'KILL']);
    expect(machine.state).toMatchObject({ name: 'STOPPING', killedAt: 3_000, isStuck: true });
  });

  it('is not stuck when the process dies within stopwaitsecs of SIGKILL', () => {
    const { machine, effects } = drive([
      ...started,
      [{ type: 'stop' }, 1_000],
      [{ type: 'tick' }, 3_000],
      [{ type: 'exited', status: decodeExit(null, 'SIGKILL') }, 3_100],
    ]);
    expect(effects.filter((e) => e.type === 'stuck')).toEqual([]);
    expect(machine.state.name).toBe('STOPPED');
  });

  it('signals the whole tree with stopastree', () => {
    const { effects } = drive([...started, [{ type: 'stop' }, 1_000]], processConfig({ stopAsTree: true }));
    expect(effects).toContainEqual({ type: 'signal', signal: 'TERM', asGroup: false, pid: 50, tree: true });
  });
});

describe('a shutdown with a stuck process', () => {
  it('goes on to stop the lower priority levels, and says only stuck processes are left', () => {
    const sup = new Supervisor([
      programGroup({ name: 'stuck', priority: 900, stopWaitMs: 1_000, startSecs: 0 }),
      programGroup({ name: 'db', priority: 100, stopWaitMs: 1_000, startSecs: 0 }),
    ]);
    sup.boot(0);
    sup.spawned('stuck:stuck', 10, 0);
    sup.spawned('db:db', 11, 0);
    sup.tick('stuck:stuck', 1);
    sup.tick('db:db', 1);
    sup.shutdown(100); // stuck's level first
    expect(sup.get('db:db')?.machine.state.name).toBe('RUNNING');
    sup.tick('stuck:stuck', 1_100); // SIGKILL
    const outcome = sup.tick('stuck:stuck', 2_100); // stuck
    const stuck = sup.get('stuck:stuck');
    expect({ state: stuck?.machine.state.name, isStuck: isStuck(stuck) }).toEqual({ state: 'STOPPING', isStuck: true });
    expect(outcome.effects.map((e) => `${e.process.key} ${e.effect.type}`)).toContain('db:db signal');
    expect(sup.stuckLeft()).toBeNull(); // db is still stopping
    sup.exited('db:db', decodeExit(0, null), 2_200);
    expect(sup.stuckLeft()?.map((e) => e.key)).toEqual(['stuck:stuck']);
    expect(shutdownView(sup)).toMatchObject({ complete: false });
  });
});

describe('the stuck description', () => {
  it('names pid, command, state, wchan and for how long', () => {
    expect(describeStuck([{ pid: 4185068, command: 'rm -rf /p00', state: 'D (disk sleep)', wchan: 'nfs_wait' }], 0, 125_000)).toBe(
      'stuck: pid 4185068 rm -rf /p00 in D (disk sleep) for 2m, wchan=nfs_wait',
    );
    expect([45_000, 120_000, 3_780_000, 7_200_000].map(formatDuration)).toEqual(['45s', '2m', '1h3m', '2h']);
  });
});

import { describe, expect, it } from 'vitest';
import { decodeExit } from '../../../src/core/exit-status.js';
import { Supervisor } from '../../../src/core/supervisor.js';
import { programGroup } from '../../support/process-config.js';
import { shutdownView, signalled, spawnedNames } from '../../support/supervisor-view.js';

/** Boot, spawn every process as pid 100+i and let startsecs pass. */
function runningSupervisor(groups: ReturnType<typeof programGroup>[]): Supervisor {
  const sup = new Supervisor(groups);
  const boot = sup.boot(0);
  spawnedNames(boot).forEach((name, i) => sup.spawned(`${name}:${name}`, 100 + i, 0));
  for (const entry of sup.list()) sup.tick(entry.key, 5_000);
  return sup;
}

describe('at boot', () => {
  it('starts autostart programs lowest priority first', () => {
    const sup = new Supervisor([
      programGroup({ name: 'late', priority: 900 }),
      programGroup({ name: 'early', priority: 10 }),
      programGroup({ name: 'manual', priority: 1, autostart: false }),
      programGroup({ name: 'middle', priority: 500 }),
    ]);
    expect(spawnedNames(sup.boot(0))).toEqual(['early', 'middle', 'late']);
    expect(sup.get('manual:manual')?.machine.state.name).toBe('STOPPED');
  });
});

describe('shutdown', () => {
  const groups = [
    programGroup({ name: 'db', priority: 10 }),
    programGroup({ name: 'api', priority: 500 }),
    programGroup({ name: 'worker', priority: 500 }),
    programGroup({ name: 'proxy', priority: 900 }),
  ];

  it('stops the highest priority level first and waits for it before the next', () => {
    const sup = runningSupervisor(groups);
    expect(signalled(sup.shutdown(10_000))).toEqual(['proxy']);
    const next = sup.exited('proxy:proxy', decodeExit(null, 'SIGTERM'), 10_100);
    expect(signalled(next).sort()).toEqual(['api', 'worker']); // equal priority: in parallel
    expect(signalled(sup.exited('api:api', decodeExit(0, null), 10_200))).toEqual([]);
    expect(signalled(sup.exited('worker:worker', decodeExit(0, null), 10_300))).toEqual(['db']);
    expect(shutdownView(sup)).toMatchObject({ complete: false });
    sup.exited('db:db', decodeExit(0, null), 10_400);
    expect(shutdownView(sup)).toMatchObject({ complete: true });
  });

  it('restarts nothing that exits while shutdown is under way', () => {
    const sup = runningSupervisor(groups);
    sup.shutdown(10_000);
    const out = sup.exited('db:db', decodeExit(3, null), 10_050); // died on its own, not yet asked to stop
    expect(spawnedNames(out)).toEqual([]);
    expect(sup.get('db:db')?.machine.state.name).toBe('EXITED');
  });

  it('a second signal SIGKILLs everything that still has a pid', () => {
    const sup = runningSupervisor(groups);
    sup.shutdown(10_000);
    const out = sup.killRemaining();
    expect(out.effects.map((e) => e.effect)).toContainEqual({ type: 'signal', signal: 'KILL', asGroup: false, pid: 100 });
    expect(signalled(out)).toHaveLength(4);
  });

  it('is complete at once when nothing runs', () => {
    const sup = new Supervisor([programGroup({ name: 'idle', autostart: false })]);
    sup.shutdown(0);
    expect(shutdownView(sup)).toMatchObject({ complete: true });
  });
});

describe('the bug boundary', () => {
  it('puts a process whose machine throws into UNKNOWN and keeps the others going', () => {
    const sup = runningSupervisor([programGroup({ name: 'a' }), programGroup({ name: 'b' })]);
    sup.stop('a:a', 6_000);
    sup.exited('a:a', decodeExit(0, null), 6_100);
    const out = sup.exited('a:a', decodeExit(0, null), 6_200); // a second exit for a stopped process
    expect(out.bugs).toHaveLength(1);
    expect(out.bugs[0]?.error.message).toMatch(/not legal in state STOPPED/);
    expect(sup.get('a:a')?.machine.state.name).toBe('UNKNOWN');
    expect(sup.get('b:b')?.machine.state.name).toBe('RUNNING');
    expect(signalled(sup.stop('b:b', 7_000))).toEqual(['b']);
  });
});

describe('reload', () => {
  it('starts added programs, stops removed ones and restarts only the changed ones', () => {
    const sup = runningSupervisor([
      programGroup({ name: 'same' }),
      programGroup({ name: 'changed', command: '/bin/old' }),
      programGroup({ name: 'gone' }),
    ]);
    const { outcome, diff } = sup.reload(
      [
        programGroup({ name: 'same' }),
        programGroup({ name: 'changed', command: '/bin/new' }),
        programGroup({ name: 'added' }),
      ],
      10_000,
    );
    expect(diff.added.map((p) => p.name)).toEqual(['added']);
    expect(diff.changed.map((p) => p.name)).toEqual(['changed']);
    expect(diff.removed.map((p) => p.name)).toEqual(['gone']);
    expect(spawnedNames(outcome)).toEqual(['added']);
    expect(signalled(outcome).sort()).toEqual(['changed', 'gone']);
    expect(sup.get('same:same')?.machine.state.name).toBe('RUNNING');

    const restarted = sup.exited('changed:changed', decodeExit(null, 'SIGTERM'), 10_100);
    expect(spawnedNames(restarted)).toEqual(['changed']);
    expect(sup.get('changed:changed')?.config.command).toBe('/bin/new');

    sup.exited('gone:gone', decodeExit(null, 'SIGTERM'), 10_200);
    expect(sup.get('gone:gone')).toBeUndefined();
    expect(sup.getGroup('gone')).toBeUndefined();
  });
});

describe('groups added and removed over RPC', () => {
  it('refuses to remove a group while a process in it runs, and removes it once stopped', () => {
    const sup = runningSupervisor([programGroup({ name: 'web' })]);
    expect(sup.removeGroup('web')).toBe('still-running');
    sup.stop('web:web', 6_000);
    sup.exited('web:web', decodeExit(0, null), 6_100);
    expect(sup.removeGroup('web')).toBe('removed');
    expect(sup.list()).toEqual([]);
    expect(sup.removeGroup('web')).toBe('no-such-group');
  });

  it('adds a group once and starts its autostart processes', () => {
    const sup = new Supervisor([]);
    const first = sup.addGroup(programGroup({ name: 'web' }), 0);
    expect({ added: first.added, spawned: spawnedNames(first.outcome) }).toEqual({ added: true, spawned: ['web'] });
    const again = sup.addGroup(programGroup({ name: 'web' }), 0);
    expect({ added: again.added, spawned: spawnedNames(again.outcome) }).toMatchObject({ added: false });
  });
});

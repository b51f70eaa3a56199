import { describe, expect, it } from 'vitest';
import type { ProcessConfig } from '../../../src/config/types.js';
import { describeWait, shutdownLevels, unmetDependencies, type DependencyView } from '../../../src/core/start-order.js';
import { processConfig } from '../../support/process-config.js';

const db = processConfig({ name: 'db', programName: 'db', groupName: 'db', priority: 10, healthcheck: { probe: { kind: 'tcp', host: '127.0.0.1', port: 1 }, intervalMs: 1000, timeoutMs: 100, retries: 1, startPeriodMs: 0, action: 'restart' } });
const migrate = processConfig({ name: 'migrate', programName: 'migrate', groupName: 'migrate', priority: 20 });
const web = processConfig({
  name: 'web',
  programName: 'web',
  groupName: 'web',
  priority: 5,
  dependsOn: [
    { name: 'db', conditions: ['healthy'] },
    { name: 'migrate', conditions: ['completed'] },
  ],
});
const all = [db, migrate, web];

function views(v: Record<string, DependencyView>) {
  return (p: ProcessConfig) => v[p.name] ?? { state: 'STOPPED', health: null };
}

describe('start order', () => {
  it('waits for every dependency that is not met, saying for what', () => {
    const unmet = unmetDependencies(web, all, views({ db: { state: 'RUNNING', health: 'starting' }, migrate: { state: 'RUNNING', health: null } }));
    expect(describeWait(unmet)).toBe('db (healthy), migrate (completed)');
  });

  it('lets a process start once db is healthy and migrate completed as expected', () => {
    const v = views({ db: { state: 'RUNNING', health: 'healthy' }, migrate: { state: 'EXITED', expected: true, restarting: false, health: null } });
    expect(unmetDependencies(web, all, v)).toEqual([]);
  });

  it('says why when a dependency cannot get there by itself', () => {
    const v = views({ db: { state: 'FATAL', health: null }, migrate: { state: 'EXITED', expected: false, restarting: false, health: null } });
    expect(describeWait(unmetDependencies(web, all, v))).toBe('db (healthy), migrate (completed): db is FATAL, migrate exited unexpectedly');
  });

  it('needs every process of a program with numprocs to meet the condition', () => {
    const w0 = processConfig({ name: 'w_0', programName: 'w', groupName: 'w' });
    const w1 = processConfig({ name: 'w_1', programName: 'w', groupName: 'w' });
    const app = processConfig({ name: 'app', programName: 'app', groupName: 'app', dependsOn: [{ name: 'w', conditions: ['running'] }] });
    const some = views({ w_0: { state: 'RUNNING', health: null }, w_1: { state: 'STARTING', health: null } });
    expect(unmetDependencies(app, [w0, w1, app], some)).toHaveLength(1);
    const both = views({ w_0: { state: 'RUNNING', health: null }, w_1: { state: 'RUNNING', health: null } });
    expect(unmetDependencies(app, [w0, w1, app], both)).toEqual([]);
  });
});

describe('shutdown levels', () => {
  const prio = (p: ProcessConfig) => p.priority;
  const key = (p: ProcessConfig) => p.name;

  it('are the group priorities when nothing depends on anything', () => {
    expect(shutdownLevels([db, migrate], key, prio)).toEqual(new Map([['db', 10], ['migrate', 20]]));
  });

  it('bring a dependency down to the level of its dependent, so the dependent stops first', () => {
    // web (priority 5) depends on db (10) and migrate (20): by priority alone those would stop first.
    expect(shutdownLevels(all, key, prio)).toEqual(new Map([['db', 5], ['migrate', 5], ['web', 5]]));
  });
});

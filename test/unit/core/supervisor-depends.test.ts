/**
 * depends_on in the Supervisor, in virtual time: who is held back at boot, the moment it starts,
 * `start` pulling in what a program needs, and shutdown stopping dependents first.
 */
import { describe, expect, it } from 'vitest';
import type { HealthCheckConfig } from '../../../src/config/types.js';
import { decodeExit } from '../../../src/core/exit-status.js';
import type { HealthStatus } from '../../../src/core/readiness.js';
import { Supervisor } from '../../../src/core/supervisor.js';
import { programGroup } from '../../support/process-config.js';
import { shutdownView, signalled, spawnedNames } from '../../support/supervisor-view.js';

const check: HealthCheckConfig = { probe: { kind: 'tcp', host: '127.0.0.1', port: 1 }, intervalMs: 1000, timeoutMs: 100, retries: 1, startPeriodMs: 0, action: 'restart' };

function setup() {
  const health = new Map<string, HealthStatus>();
  const sup = new Supervisor(
    [
      programGroup({ name: 'db', priority: 10, startSecs: 1, healthcheck: check }),
      programGroup({ name: 'migrate', priority: 20, startSecs: 0, autorestart: 'false' }),
      programGroup({
        name: 'web',
        priority: 5,
        dependsOn: [
          { name: 'db', conditions: ['healthy'] },
          { name: 'migrate', conditions: ['completed'] },
        ],
      }),
    ],
    { healthOf: (key) => health.get(key) ?? null },
  );
  return { sup, health };
}

describe('depends_on', () => {
  it('holds a program back at boot, STOPPED, saying what it waits for', () => {
    const { sup } = setup();
    expect(spawnedNames(sup.boot(0))).toEqual(['db', 'migrate']);
    expect(sup.get('web:web')?.machine.state.name).toBe('STOPPED');
    expect(sup.waitingFor('web:web')).toBe('db (healthy), migrate (completed)');
  });

  it('starts it the moment the last condition holds: db healthy after migrate completed', () => {
    const { sup, health } = setup();
    sup.boot(0);
    sup.spawned('db:db', 100, 0);
    sup.spawned('migrate:migrate', 101, 0);
    sup.tick('db:db', 1_100); // db RUNNING, health starting
    expect(spawnedNames(sup.exited('migrate:migrate', decodeExit(0, null), 1_200))).toEqual([]);
    expect(sup.waitingFor('web:web')).toBe('db (healthy)');
    health.set('db:db', 'healthy');
    expect(spawnedNames(sup.healthChanged(1_300))).toEqual(['web']);
    expect(sup.waitingFor('web:web')).toBeNull();
  });

  it('says why when a dependency fails, and starts once it gets there after all', () => {
    const { sup, health } = setup();
    sup.boot(0);
    sup.spawned('db:db', 100, 0);
    sup.spawned('migrate:migrate', 101, 0);
    sup.exited('migrate:migrate', decodeExit(2, null), 500);
    expect(sup.waitingFor('web:web')).toBe('db (healthy), migrate (completed): migrate exited unexpectedly');
    // An operator runs the one-shot again, and this time it completes.
    sup.start('migrate:migrate', 2_000);
    sup.spawned('migrate:migrate', 102, 2_000);
    sup.exited('migrate:migrate', decodeExit(0, null), 2_100);
    sup.tick('db:db', 2_200);
    health.set('db:db', 'healthy');
    expect(spawnedNames(sup.healthChanged(2_300))).toEqual(['web']);
  });

  it('start pulls in what a program needs first and holds the program until then', () => {
    const sup = new Supervisor([
      programGroup({ name: 'db', autostart: false, startSecs: 0 }),
      programGroup({ name: 'web', autostart: false, dependsOn: [{ name: 'db', conditions: ['running'] }] }),
    ]);
    sup.boot(0);
    expect(spawnedNames(sup.start('web:web', 100))).toEqual(['db']);
    expect(sup.waitingFor('web:web')).toBe('db (running)');
    sup.spawned('db:db', 200, 100);
    expect(spawnedNames(sup.tick('db:db', 101))).toEqual(['web']); // startsecs=0: RUNNING on the next tick
  });

  it('configs without depends_on start exactly as before, all at boot', () => {
    const sup = new Supervisor([programGroup({ name: 'a' }), programGroup({ name: 'b' })]);
    expect(spawnedNames(sup.boot(0))).toEqual(['a', 'b']);
  });
});

describe('shutdown with depends_on', () => {
  it('stops a dependent before what it depends on, whatever their priorities', () => {
    const sup = new Supervisor([
      programGroup({ name: 'db', priority: 900, startSecs: 0 }),
      programGroup({ name: 'cache', priority: 800, startSecs: 0 }),
      programGroup({ name: 'web', priority: 5, startSecs: 0, dependsOn: [{ name: 'db', conditions: ['running'] }] }),
    ]);
    expect(spawnedNames(sup.boot(0))).toEqual(['cache', 'db']);
    sup.spawned('db:db', 100, 0);
    sup.spawned('cache:cache', 101, 0);
    sup.tick('cache:cache', 1);
    expect(spawnedNames(sup.tick('db:db', 1))).toEqual(['web']);
    sup.spawned('web:web', 102, 0);
    sup.tick('web:web', 1);
    // Priorities alone would stop db (900) first; web depends on it, so db waits for web.
    expect(signalled(sup.shutdown(1_000))).toEqual(['cache']);
    expect(signalled(sup.exited('cache:cache', decodeExit(0, null), 1_100))).toEqual(['web']);
    expect(signalled(sup.exited('web:web', decodeExit(0, null), 1_200))).toEqual(['db']);
    sup.exited('db:db', decodeExit(0, null), 1_300);
    expect(shutdownView(sup)).toMatchObject({ complete: true });
  });
});

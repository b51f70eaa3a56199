import { describe, expect, it } from 'vitest';
import { assessReadiness, type ReadinessView } from '../../../src/core/readiness.js';

const p = (name: string, rest: Omit<ReadinessView, 'name'>): ReadinessView => ({ name, ...rest });

describe('readiness (/readyz, supctl health)', () => {
  it('is ready when every process is RUNNING and none is unhealthy', () => {
    expect(assessReadiness([p('web', { state: 'RUNNING' }), p('db', { state: 'RUNNING', health: 'healthy' })])).toEqual({
      ready: true,
      notReady: [],
    });
  });

  it('does not count programs an operator stopped, never started, or one-shots that completed as expected', () => {
    const verdict = assessReadiness([
      p('stopped', { state: 'STOPPED' }),
      p('migrate', { state: 'EXITED', expected: true, restarting: false, exitstatus: 0 }),
    ]);
    expect(verdict).toEqual({ ready: true, notReady: [] });
  });

  it('names each process that is not ready, and why', () => {
    const verdict = assessReadiness([
      p('a', { state: 'STARTING' }),
      p('b', { state: 'FATAL', spawnerr: 'Exited too quickly (process log may have details)' }),
      p('c', { state: 'EXITED', expected: false, restarting: false, exitstatus: 3 }),
      p('d', { state: 'EXITED', expected: true, restarting: true, exitstatus: 0 }),
      p('e', { state: 'RUNNING', health: 'unhealthy', healthError: '3 failures: connect ECONNREFUSED 127.0.0.1:8080' }),
      p('f', { state: 'RUNNING', health: 'starting' }),
      p('g', { state: 'STOPPED', waitingFor: 'db (healthy)' }),
      p('h', { state: 'BACKOFF' }),
    ]);
    expect(verdict).toMatchObject({ ready: false });
    expect(verdict.notReady).toEqual([
      { name: 'a', why: 'STARTING' },
      { name: 'b', why: 'FATAL (Exited too quickly (process log may have details))' },
      { name: 'c', why: 'EXITED unexpectedly (exit status 3)' },
      { name: 'd', why: 'EXITED, starting again' },
      { name: 'e', why: 'unhealthy (3 failures: connect ECONNREFUSED 127.0.0.1:8080)' },
      { name: 'f', why: 'RUNNING, waiting for its first passing health check' },
      { name: 'g', why: 'STOPPED, waiting for db (healthy)' },
      { name: 'h', why: 'BACKOFF' },
    ]);
  });
});

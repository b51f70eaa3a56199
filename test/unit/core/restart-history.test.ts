import { describe, expect, it } from 'vitest';
import { decodeExit, type ExitStatus } from '../../../src/core/exit-status.js';
import { initialMachine, step, type Machine, type Millis, type ProcessEvent } from '../../../src/core/process-machine.js';
import { RestartHistory } from '../../../src/core/restart-history.js';
import { processConfig } from '../../support/process-config.js';

/** One process driven through the real state machine, its exits and transitions fed to a history as the runtime does. */
function harness(config = processConfig({ name: 'web', startSecs: 1, startRetries: 3, autorestart: 'unexpected' })) {
  const history = new RestartHistory();
  let machine: Machine = initialMachine();
  let now: Millis = 0;
  let shuttingDown = false;
  const send = (event: ProcessEvent, at: Millis): void => {
    now = at;
    if (event.type === 'exited') history.exited('web:web', event.status, now);
    const result = step(machine, event, now, config, !shuttingDown);
    machine = result.machine;
    for (const t of result.transitions) {
      const expected = t.machine.state.name === 'EXITED' ? t.machine.state.expected : undefined;
      history.transition('web:web', { from: t.from, to: t.to, isShuttingDown: shuttingDown, ...(expected === undefined ? {} : { expected }) }, now);
    }
  };
  const startAndRun = (at: Millis, pid = 100): void => {
    if (machine.state.name !== 'STARTING') send({ type: 'start' }, at);
    send({ type: 'spawned', pid }, at);
    send({ type: 'tick' }, at + 1_100);
  };
  return {
    history,
    send,
    startAndRun,
    get machine() {
      return machine;
    },
    shutDown: () => {
      shuttingDown = true;
    },
  };
}

const exitWith = (code: number): ProcessEvent => ({ type: 'exited', status: decodeExit(code, null) });
const killedBy = (signal: string): ProcessEvent => ({ type: 'exited', status: decodeExit(null, signal) });

describe('restart history', () => {
  it('counts a restart after kill -9 as a crash, with the exit status and both times', () => {
    const h = harness();
    h.startAndRun(0);
    h.send(killedBy('SIGKILL'), 10_000); // RUNNING -> EXITED -> STARTING at once (ran > 1 s)
    const seen = h.history.get('web:web');
    expect(seen.restarts).toEqual({ exit: 0, crash: 1, oom: 0, healthcheck: 0, operator: 0 });
    expect(seen.recent).toEqual([
      { reason: 'crash', exitstatus: -1, description: 'terminated by SIGKILL', endedAt: 10_000, restartedAt: 10_000 },
    ]);
    expect(seen.stateSince).toBe(10_000);
  });

  it('counts an expected exit that autorestart=true restarts as exit', () => {
    const h = harness(processConfig({ name: 'web', startSecs: 1, autorestart: 'true', exitCodes: [0] }));
    h.startAndRun(0);
    h.send(exitWith(0), 5_000);
    expect(h.history.get('web:web').restarts).toMatchObject({ exit: 1, crash: 0 });
  });

  it('records no restart for an exit that is not restarted, but keeps the exit', () => {
    const h = harness();
    h.startAndRun(0);
    h.send(exitWith(0), 5_000); // expected: autorestart=unexpected leaves it EXITED
    const seen = h.history.get('web:web');
    expect(seen.recent).toEqual([]);
    expect(seen.lastExit).toMatchObject({ exitstatus: 0, description: 'exit status 0', at: 5_000 });
  });

  it('counts retries of a process that exits before startsecs as crashes', () => {
    const h = harness();
    h.send({ type: 'start' }, 0);
    h.send({ type: 'spawned', pid: 1 }, 0);
    h.send(exitWith(3), 100); // STARTING -> BACKOFF
    h.send({ type: 'tick' }, 1_100); // BACKOFF -> STARTING
    expect(h.history.get('web:web').recent).toEqual([
      { reason: 'crash', exitstatus: 3, description: 'exit status 3', endedAt: 100, restartedAt: 1_100 },
    ]);
  });

  it('counts a stop and start by the operator as operator, and a stop at shutdown as nothing', () => {
    const h = harness();
    h.startAndRun(0);
    h.send({ type: 'stop' }, 5_000);
    h.send(killedBy('SIGTERM'), 5_010);
    h.startAndRun(6_000, 101);
    expect(h.history.get('web:web').recent[0]).toMatchObject({ reason: 'operator', exitstatus: -1, endedAt: 5_010, restartedAt: 6_000 });
    h.shutDown();
    h.send({ type: 'stop' }, 9_000);
    h.send(killedBy('SIGTERM'), 9_010);
    expect(h.history.get('web:web').restarts).toMatchObject({ operator: 1, crash: 0 });
  });

  it('takes a health check as the reason of the stop it announced', () => {
    const h = harness();
    h.startAndRun(0);
    h.history.explainNextEnd('web:web', 'healthcheck');
    h.send({ type: 'stop' }, 5_000);
    h.send(killedBy('SIGTERM'), 5_010);
    h.startAndRun(5_020, 101);
    expect(h.history.get('web:web').restarts).toMatchObject({ healthcheck: 1, operator: 0 });
  });

  it('moves a crash already counted to oom when the OOM report arrives after the restart', () => {
    const h = harness();
    h.startAndRun(0);
    h.send(killedBy('SIGKILL'), 10_000);
    h.history.explainLastEnd('web:web', 'oom');
    const seen = h.history.get('web:web');
    expect(seen.restarts).toMatchObject({ crash: 0, oom: 1 });
    expect(seen.recent[0]).toMatchObject({ reason: 'oom', exitstatus: -1 });
  });

  it('keeps the last three restarts, newest first', () => {
    const h = harness();
    const codes: number[] = [];
    let at = 0;
    for (const code of [1, 2, 3, 4, 5]) {
      h.startAndRun(at, 100 + code);
      at += 5_000;
      h.send(exitWith(code), at);
      codes.push(code);
      at += 1_000;
    }
    const seen = h.history.get('web:web');
    expect(seen.restarts.crash).toBe(5);
    expect(seen.recent.map((r) => r.exitstatus)).toEqual([5, 4, 3]);
  });

  it('answers for a process it never saw with zero counts', () => {
    const status: ExitStatus | null = null;
    expect(new RestartHistory().get('nosuch:x')).toEqual({
      stateSince: 0,
      restarts: { exit: 0, crash: 0, oom: 0, healthcheck: 0, operator: 0 },
      recent: [],
      lastExit: status,
    });
  });
});

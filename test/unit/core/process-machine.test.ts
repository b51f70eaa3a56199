import { describe, expect, it } from 'vitest';
import { decodeExit } from '../../../src/core/exit-status.js';
import {
  initialMachine,
  nextDeadline,
  step,
  type Effect,
  type Machine,
  type Millis,
  type ProcessEvent,
} from '../../../src/core/process-machine.js';
import { processConfig } from '../../support/process-config.js';

const cfg = processConfig({ name: 'web', startSecs: 1, startRetries: 3 });

/** Runs events through the machine, returning the last step; each entry is [event, at]. */
function run(m: Machine, events: [ProcessEvent, Millis][], config = cfg, mayStart = true) {
  let last = { machine: m, effects: [] as readonly Effect[], transitions: [] as readonly unknown[] };
  for (const [event, at] of events) last = step(last.machine, event, at, config, mayStart);
  return last;
}

function effectTypes(effects: readonly Effect[]): string[] {
  return effects.filter((e) => e.type !== 'log').map((e) => e.type);
}

function logs(effects: readonly Effect[]): string[] {
  return effects.flatMap((e) => (e.type === 'log' ? [e.message] : []));
}

const exit = (code: number): ProcessEvent => ({ type: 'exited', status: decodeExit(code, null) });
const killedBy = (signal: string): ProcessEvent => ({ type: 'exited', status: decodeExit(null, signal) });

/** A machine that was started at `at` and spawned as pid 100. */
function starting(at: Millis, config = cfg): Machine {
  return run(initialMachine(), [[{ type: 'start' }, at], [{ type: 'spawned', pid: 100 }, at]], config).machine;
}

function running(at: Millis, config = cfg): Machine {
  return run(starting(at, config), [[{ type: 'tick' }, at + config.startSecs * 1000 + 1]], config).machine;
}

describe('starting a process', () => {
  it('goes STOPPED -> STARTING and asks for a spawn', () => {
    const { machine, effects, transitions } = step(initialMachine(), { type: 'start' }, 0, cfg);
    expect(machine.state.name).toBe('STARTING');
    expect(effectTypes(effects)).toEqual(['spawn']);
    expect(transitions.map((t) => `${t.from}->${t.to}`)).toEqual(['STOPPED->STARTING']);
  });

  it('logs the spawn as supervisord does and asks to be woken just after startsecs', () => {
    const { machine, effects } = run(initialMachine(), [
      [{ type: 'start' }, 5_000],
      [{ type: 'spawned', pid: 4242 }, 5_000],
    ]);
    expect(machine.pid).toBe(4242);
    expect(logs(effects)).toEqual(["spawned: 'web' with pid 4242"]);
    expect(effects).toContainEqual({ type: 'wake', at: 6_001 });
  });

  it('stays STARTING until more than startsecs have passed, then goes RUNNING', () => {
    const early = step(starting(0), { type: 'tick' }, 1_000, cfg);
    expect(early.machine.state.name).toBe('STARTING');
    const late = step(starting(0), { type: 'tick' }, 1_001, cfg);
    expect(late.machine.state.name).toBe('RUNNING');
    expect(logs(late.effects)).toEqual([
      'success: web entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)',
    ]);
  });

  it('with startsecs=0 goes RUNNING on the first tick after the spawn', () => {
    const config = processConfig({ startSecs: 0 });
    const { machine } = step(starting(0, config), { type: 'tick' }, 1, config);
    expect(machine.state.name).toBe('RUNNING');
  });

  it("logs success for startsecs=0 too, as supervisord 4.2.5 does ('> than 0 seconds')", () => {
    // Checked against Debian's supervisord 4.2.5: transition() logs it whatever startsecs is.
    const config = processConfig({ name: 'web', startSecs: 0 });
    const { effects } = step(starting(0, config), { type: 'tick' }, 1, config);
    expect(logs(effects)).toEqual(['success: web entered RUNNING state, process has stayed up for > than 0 seconds (startsecs)']);
  });

  it('ignores a start while already started', () => {
    const m = running(0);
    expect(step(m, { type: 'start' }, 5_000, cfg).machine).toBe(m);
  });
});

describe('a process that exits before startsecs', () => {
  it('goes to BACKOFF and asks to be woken 1 s later', () => {
    const { machine, effects } = step(starting(0), exit(1), 400, cfg);
    expect(machine.state).toEqual({ name: 'BACKOFF', retryAt: 1_400 });
    expect(machine.spawnerr).toBe('Exited too quickly (process log may have details)');
    expect(effectTypes(effects)).toEqual(['wake']);
    expect(logs(effects)).toEqual(['exited: web (exit status 1; not expected)']);
  });

  it('is judged by elapsed time, not by state: an exit after startsecs but before the tick is RUNNING -> EXITED', () => {
    const { transitions, machine } = step(starting(0), exit(0), 1_500, cfg);
    expect(transitions.map((t) => `${t.from}->${t.to}`)).toEqual(['STARTING->RUNNING', 'RUNNING->EXITED']);
    expect(machine.state).toMatchObject({ name: 'EXITED', expected: true });
  });

  it('waits one more second per retry: 1 s, 2 s, 3 s', () => {
    let m = starting(0);
    let now = 0;
    const delays: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      m = step(m, exit(1), (now += 100), cfg).machine; // STARTING -> BACKOFF
      if (m.state.name !== 'BACKOFF') throw new Error(`expected BACKOFF, got ${m.state.name}`);
      delays.push(m.state.retryAt - now);
      now = m.state.retryAt;
      m = run(m, [[{ type: 'tick' }, now], [{ type: 'spawned', pid: 101 + attempt }, now]]).machine;
    }
    expect(delays).toEqual([1_000, 2_000, 3_000]);
  });

  it('is retried startretries times, then goes FATAL', () => {
    let m = starting(0);
    let now = 0;
    const after: string[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      m = step(m, exit(1), (now += 100), cfg).machine; // -> BACKOFF (or FATAL)
      m = step(m, { type: 'tick' }, (now += 10_000), cfg).machine; // -> STARTING, or stays FATAL
      if (m.state.name === 'STARTING') m = step(m, { type: 'spawned', pid: 200 + attempt }, now, cfg).machine;
      after.push(m.state.name);
    }
    expect(after).toEqual(['STARTING', 'STARTING', 'STARTING', 'FATAL']);
  });

  it('does not retry from BACKOFF before the delay has passed', () => {
    const backoff = step(starting(0), exit(1), 100, cfg).machine;
    expect(step(backoff, { type: 'tick' }, 1_099, cfg).machine.state.name).toBe('BACKOFF');
    expect(step(backoff, { type: 'tick' }, 1_100, cfg).machine.state.name).toBe('STARTING');
  });

  it('logs giving up in supervisord words', () => {
    const config = processConfig({ startRetries: 0 });
    const { machine, effects } = step(starting(0, config), exit(1), 100, config);
    expect(machine.state.name).toBe('FATAL');
    expect(logs(effects)).toContain('gave up: web entered FATAL state, too many start retries too quickly');
  });
});

describe('a spawn error', () => {
  it('is a BACKOFF with the reason kept as spawnerr', () => {
    const started = step(initialMachine(), { type: 'start' }, 0, cfg).machine;
    const { machine, effects } = step(started, { type: 'spawn-failed', spawnerr: "can't find command 'webx'" }, 0, cfg);
    expect(machine.state).toEqual({ name: 'BACKOFF', retryAt: 1_000 });
    expect(machine.spawnerr).toBe("can't find command 'webx'");
    expect(logs(effects)).toEqual(["spawnerr: can't find command 'webx' (process 'web')"]);
  });

  it('ends FATAL after startretries+1 attempts, keeping the spawnerr', () => {
    let m = initialMachine();
    let now = 0;
    for (let i = 0; i < 4; i++) {
      m = step(m, i === 0 ? { type: 'start' } : { type: 'tick' }, now, cfg).machine;
      m = step(m, { type: 'spawn-failed', spawnerr: "can't find command 'webx'" }, now, cfg).machine;
      now += 10_000;
    }
    expect(m.state.name).toBe('FATAL');
    expect(m.spawnerr).toBe("can't find command 'webx'");
  });
});

describe('a process that exits after reaching RUNNING', () => {
  it('with an unexpected code and autorestart=unexpected is started again at once', () => {
    const { machine, effects, transitions } = step(running(0), exit(3), 60_000, cfg);
    expect(transitions.map((t) => `${t.from}->${t.to}`)).toEqual(['RUNNING->EXITED', 'EXITED->STARTING']);
    expect(machine.state.name).toBe('STARTING');
    expect(effectTypes(effects)).toEqual(['spawn']);
    expect(logs(effects)).toEqual(['exited: web (exit status 3; not expected)']);
  });

  it('with an expected code and autorestart=unexpected stays EXITED', () => {
    const { machine, effects } = step(running(0), exit(0), 60_000, cfg);
    expect(machine.state).toEqual({ name: 'EXITED', expected: true, restartAt: null });
    expect(machine.exitstatus).toBe(0);
    expect(effectTypes(effects)).toEqual([]);
  });

  it('with autorestart=true is restarted even after an expected exit', () => {
    const config = processConfig({ autorestart: 'true' });
    expect(step(running(0, config), exit(0), 60_000, config).machine.state.name).toBe('STARTING');
  });

  it('with autorestart=false is never restarted', () => {
    const config = processConfig({ autorestart: 'false' });
    expect(step(running(0, config), exit(9), 60_000, config).machine.state.name).toBe('EXITED');
  });

  it('honours exitcodes when judging an exit expected', () => {
    const config = processConfig({ exitCodes: [0, 2] });
    const { machine } = step(running(0, config), exit(2), 60_000, config);
    expect(machine.state).toMatchObject({ name: 'EXITED', expected: true });
  });

  it('records a death by signal as exitstatus -1, as supervisord does', () => {
    const config = processConfig({ autorestart: 'false' });
    const { machine, effects } = step(running(0, config), killedBy('SIGKILL'), 60_000, config);
    expect(machine.exitstatus).toBe(-1);
    expect(logs(effects)).toEqual(['exited: web (terminated by SIGKILL; not expected)']);
  });

  it('is not restarted while supd shuts down', () => {
    const { machine, effects } = step(running(0), exit(3), 60_000, cfg, false);
    expect(machine.state.name).toBe('EXITED');
    expect(effectTypes(effects)).toEqual(['wake']);
    expect(step(machine, { type: 'tick' }, 70_000, cfg, false).machine.state.name).toBe('EXITED');
  });
});

describe('a crash loop with startsecs=0', () => {
  const config = processConfig({ startSecs: 0, autorestart: 'true' });

  it('spaces starts at least a second apart instead of forking in a tight loop', () => {
    let m = run(initialMachine(), [[{ type: 'start' }, 0], [{ type: 'spawned', pid: 1 }, 0], [{ type: 'tick' }, 1]], config).machine;
    const result = step(m, exit(1), 20, config);
    m = result.machine;
    expect(m.state).toMatchObject({ name: 'EXITED', restartAt: 1_000 });
    expect(result.effects).toContainEqual({ type: 'wake', at: 1_000 });
    expect(step(m, { type: 'tick' }, 999, config).machine.state.name).toBe('EXITED');
    expect(step(m, { type: 'tick' }, 1_000, config).machine.state.name).toBe('STARTING');
  });

  it('a stop cancels the pending restart', () => {
    let m = run(initialMachine(), [[{ type: 'start' }, 0], [{ type: 'spawned', pid: 1 }, 0], [{ type: 'tick' }, 1]], config).machine;
    m = step(m, exit(1), 20, config).machine;
    m = step(m, { type: 'stop' }, 30, config).machine;
    expect(step(m, { type: 'tick' }, 5_000, config).machine.state.name).toBe('EXITED');
    expect(nextDeadline(m, config)).toBeNull();
  });
});

describe('stopping a process', () => {
  it('sends stopsignal, goes STOPPING and asks to be woken at stopwaitsecs', () => {
    const config = processConfig({ stopSignal: 'INT', stopWaitMs: 5_000 });
    const { machine, effects } = step(running(0, config), { type: 'stop' }, 10_000, config);
    expect(machine.state).toEqual({ name: 'STOPPING', killAt: 15_000 });
    expect(effects.filter((e) => e.type !== 'log')).toEqual([
      { type: 'signal', signal: 'INT', asGroup: false, pid: 100 },
      { type: 'wake', at: 15_000 },
    ]);
  });

  it('signals the process group when stopasgroup is set', () => {
    const config = processConfig({ stopAsGroup: true, killAsGroup: true });
    const { effects } = step(running(0, config), { type: 'stop' }, 10_000, config);
    expect(effects).toContainEqual({ type: 'signal', signal: 'TERM', asGroup: true, pid: 100 });
  });

  it('escalates to SIGKILL after stopwaitsecs, to the group when killasgroup is set', () => {
    const config = processConfig({ stopWaitMs: 2_000, killAsGroup: true });
    const stopping = step(running(0, config), { type: 'stop' }, 10_000, config).machine;
    expect(step(stopping, { type: 'tick' }, 11_999, config).effects).toEqual([]);
    const { machine, effects } = step(stopping, { type: 'tick' }, 12_000, config);
    expect(machine.state).toEqual({ name: 'STOPPING', killAt: 14_000, killedAt: 12_000 });
    expect(effects).toContainEqual({ type: 'signal', signal: 'KILL', asGroup: true, pid: 100 });
    expect(logs(effects)).toContain("killing 'web' (100) with SIGKILL");
  });

  it('goes STOPPED when the process exits, logging how it died', () => {
    const stopping = step(running(0), { type: 'stop' }, 10_000, cfg).machine;
    const { machine, effects } = step(stopping, killedBy('SIGTERM'), 10_050, cfg);
    expect(machine.state.name).toBe('STOPPED');
    expect(machine.pid).toBe(0);
    expect(machine.laststop).toBe(10_050);
    expect(logs(effects)).toEqual(['stopped: web (terminated by SIGTERM)']);
  });

  it('reports the pid the process just had with its STOPPED transition, for event payloads', () => {
    const stopping = step(running(0), { type: 'stop' }, 10_000, cfg).machine;
    const { transitions } = step(stopping, killedBy('SIGTERM'), 10_050, cfg);
    expect(transitions.map((t) => [t.to, t.pid])).toEqual([['STOPPED', 100]]);
  });

  it('is not restarted after a stop, whatever autorestart says', () => {
    const config = processConfig({ autorestart: 'true' });
    const stopping = step(running(0, config), { type: 'stop' }, 10_000, config).machine;
    const { machine, effects } = step(stopping, exit(1), 10_050, config);
    expect(machine.state.name).toBe('STOPPED');
    expect(effectTypes(effects)).toEqual([]);
  });

  it('from BACKOFF goes straight to STOPPED instead of waiting out the retries', () => {
    const backoff = step(starting(0), exit(1), 100, cfg).machine;
    const { machine, effects } = step(backoff, { type: 'stop' }, 200, cfg);
    expect(machine.state.name).toBe('STOPPED');
    expect(effectTypes(effects)).toEqual([]);
  });

  it('from STARTING signals the process like a running one', () => {
    const { machine } = step(starting(0), { type: 'stop' }, 300, cfg);
    expect(machine.state.name).toBe('STOPPING');
  });
});

describe('illegal events', () => {
  it('an exit reported for a STOPPED process is a bug, thrown with the process name', () => {
    expect(() => step(initialMachine(), exit(0), 0, cfg)).toThrow(/process 'web': event 'exited' is not legal in state STOPPED/);
  });
});

describe('nextDeadline', () => {
  it('names the time each waiting state needs its next tick', () => {
    expect(nextDeadline(initialMachine(), cfg)).toBeNull();
    expect(nextDeadline(starting(0), cfg)).toBe(1_001);
    expect(nextDeadline(step(starting(0), exit(1), 100, cfg).machine, cfg)).toBe(1_100);
    expect(nextDeadline(running(0), cfg)).toBeNull();
  });
});

describe('negative startsecs, startretries and stopwaitsecs (supervisord 4.2.5 accepts them)', () => {
  it('startsecs=-1 asks for a wake in the past and goes RUNNING on the first tick, as with 0', () => {
    const config = processConfig({ name: 'web', startSecs: -1 });
    const { effects } = run(initialMachine(), [[{ type: 'start' }, 5_000], [{ type: 'spawned', pid: 7 }, 5_000]], config);
    expect(effects).toContainEqual({ type: 'wake', at: 4_001 });
    const { machine } = step(starting(5_000, config), { type: 'tick' }, 5_000, config);
    expect(machine.state.name).toBe('RUNNING');
  });

  it('startsecs=-1: an exit right after the spawn is never too quick, so it is RUNNING -> EXITED as with 0', () => {
    const config = processConfig({ startSecs: -1 });
    const { transitions } = step(starting(0, config), exit(1), 10, config);
    expect(transitions.map((t) => `${t.from}->${t.to}`)).toEqual(['STARTING->RUNNING', 'RUNNING->EXITED']);
  });

  it('startretries=-1 gives up after the first failed start, as 0 does', () => {
    const config = processConfig({ startRetries: -1 });
    const { machine } = step(starting(0, config), exit(1), 100, config);
    expect(machine.state.name).toBe('FATAL');
  });

  it('stopwaitsecs=-1 SIGKILLs on the first tick after the stop signal, as 0 does', () => {
    const config = processConfig({ stopWaitMs: -1_000 });
    const stopping = step(running(0, config), { type: 'stop' }, 10_000, config);
    expect(stopping.effects).toContainEqual({ type: 'wake', at: 9_000 });
    const { effects } = step(stopping.machine, { type: 'tick' }, 10_000, config);
    expect(effects).toContainEqual({ type: 'signal', signal: 'KILL', asGroup: false, pid: 100 });
  });
});

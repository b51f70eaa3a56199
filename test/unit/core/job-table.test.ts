import { describe, expect, it } from 'vitest';
import { isJobComplete, JobTable, mayReadPipe, type JobSpec } from '../../../src/core/job-table.js';

const spec = (patch: Partial<JobSpec> = {}): JobSpec => ({
  argv: ['sh', '-c', 'true'], name: null, user: null, directory: null, environment: {}, interactive: false, ...patch,
});
const table = (patch: Partial<{ outputMaxBytes: number; history: number; maxRunning: number }> = {}) =>
  new JobTable({ outputMaxBytes: 1024, history: 100, maxRunning: 10, ...patch });

describe('the job table', () => {
  it('gives short ids that are never reused, even after a job is removed', () => {
    const t = table();
    const a = t.add(spec(), 100, 0);
    t.exited(a.id, { code: 0, signal: null }, 5);
    expect(t.remove(a.id)).toMatchObject({ id: '1' });
    expect(t.add(spec(), 101, 10).id).toEqual('2');
  });

  it('finds a job by id or by name', () => {
    const t = table();
    t.add(spec(), 100, 0);
    const named = t.add(spec({ name: 'migrate' }), 101, 0);
    expect(t.find('migrate')).toBe(named);
    expect(t.find('2')).toBe(named);
    expect(t.find('nosuch')).toEqual({ fault: 'BAD_NAME', detail: 'no such job: nosuch' });
  });

  it('refuses a name that is taken, or that could be mistaken for an id', () => {
    const t = table();
    t.add(spec({ name: 'backup' }), 100, 0);
    expect(t.check(spec({ name: 'backup' }))).toMatchObject({ fault: 'ALREADY_ADDED' });
    expect(t.check(spec({ name: '7' }))).toMatchObject({ fault: 'BAD_ARGUMENTS' });
    expect(t.check(spec({ argv: [] }))).toEqual({ fault: 'BAD_ARGUMENTS', detail: 'no command given' });
    expect(t.list()).toHaveLength(1);
  });

  it('refuses a new job when the table is full of running jobs', () => {
    const t = table({ maxRunning: 2 });
    t.add(spec(), 100, 0);
    t.add(spec(), 101, 0);
    expect(t.check(spec())).toEqual({ fault: 'FAILED', detail: 'job table full: 2 jobs are running (at most 2)' });
  });

  it('records an exit code, or the signal that killed it', () => {
    const t = table();
    const a = t.add(spec(), 100, 0);
    const b = t.add(spec(), 101, 0);
    t.exited(a.id, { code: 3, signal: null }, 2000);
    t.exited(b.id, { code: null, signal: 'SIGTERM' }, 3000);
    expect(t.get(a.id)).toMatchObject({ state: 'exited', exitCode: 3, signal: null, endedAt: 2000 });
    expect(t.get(b.id)).toMatchObject({ state: 'killed', exitCode: null, signal: 'SIGTERM' });
  });

  it('keeps the last job_history finished jobs and never drops a running one', () => {
    const t = table({ history: 2 });
    const running = t.add(spec(), 99, 0);
    const ids = [1, 2, 3].map((n) => t.add(spec(), 100 + n, n).id);
    for (const [n, id] of ids.entries()) t.exited(id, { code: 0, signal: null }, 10 + n);
    expect(t.list().map((j) => j.id)).toEqual([running.id, ids[1], ids[2]]);
  });

  it('is complete only once it has ended and both pipes are closed', () => {
    const t = table();
    const a = t.add(spec(), 100, 0);
    t.exited(a.id, { code: 0, signal: null }, 1);
    expect(isJobComplete(t.get(a.id)!)).toEqual(false);
    t.streamEnded(a.id, 'stdout');
    t.streamEnded(a.id, 'stderr');
    expect(isJobComplete(t.get(a.id)!)).toEqual(true);
  });

  it('keeps each stream in its own ring with absolute offsets', () => {
    const t = table({ outputMaxBytes: 4 });
    const a = t.add(spec(), 100, 0);
    t.append(a.id, 'stdout', new TextEncoder().encode('one\ntwo\n'));
    t.append(a.id, 'stderr', new TextEncoder().encode('e'));
    expect(t.get(a.id)!.output.stdout.read(0, 100)).toMatchObject({ offset: 4, lost: 4 });
    expect(t.get(a.id)!.output.stderr.end).toEqual(1);
  });
});

describe('stopping a job', () => {
  it('sends TERM now and SIGKILL 10 s later if it is still running', () => {
    const t = table();
    const a = t.add(spec(), 100, 0);
    const result = t.stop(a.id, 1000);
    expect(result).toMatchObject({ effects: [{ type: 'signal', pid: 100, signal: 'TERM' }, { type: 'wake', id: a.id, at: 11_000 }] });
    expect(t.tick(a.id, 10_999)).toEqual([{ type: 'wake', id: a.id, at: 11_000 }]);
    expect(t.tick(a.id, 11_000)).toEqual([{ type: 'signal', pid: 100, signal: 'KILL' }]);
  });

  it('does nothing more at the deadline when the job has ended', () => {
    const t = table();
    const a = t.add(spec(), 100, 0);
    t.stop(a.id, 0);
    t.exited(a.id, { code: null, signal: 'SIGTERM' }, 50);
    expect(t.tick(a.id, 10_000)).toEqual([]);
  });

  it('keeps the first deadline when asked to stop twice', () => {
    const t = table();
    const a = t.add(spec(), 100, 0);
    t.stop(a.id, 0);
    expect(t.stop(a.id, 5000)).toMatchObject({ effects: [] });
    expect(t.tick(a.id, 10_000)).toEqual([{ type: 'signal', pid: 100, signal: 'KILL' }]);
  });

  it('refuses to signal a finished job, and to remove a running one, changing nothing', () => {
    const t = table();
    const done = t.add(spec(), 100, 0);
    const live = t.add(spec(), 101, 0);
    t.exited(done.id, { code: 3, signal: null }, 1);
    expect(t.stop(done.id, 2)).toEqual({ fault: 'NOT_RUNNING', detail: 'job 1 has already exited with code 3' });
    expect(t.remove(live.id)).toEqual({ fault: 'STILL_RUNNING', detail: 'job 2 is running (pid 101): supctl kill 2 first' });
    expect(t.list().map((j) => [j.id, j.state])).toEqual([['1', 'exited'], ['2', 'running']]);
  });
});

describe('reading a job pipe while followers are behind', () => {
  const ring = { end: 1000, capacity: 600 };
  it('is always allowed with no follower', () => {
    expect(mayReadPipe(ring, [], 100)).toEqual(true);
  });
  it('waits while one more read could push a follower\'s next byte out of the ring', () => {
    expect(mayReadPipe(ring, [1000, 500], 100)).toEqual(true); // 500 behind, 500 of slack
    expect(mayReadPipe(ring, [1000, 499], 100)).toEqual(false);
  });
  it('waits at any lag when one read can fill the whole ring', () => {
    expect(mayReadPipe({ end: 10, capacity: 64 }, [9], 64)).toEqual(false);
    expect(mayReadPipe({ end: 10, capacity: 64 }, [10], 64)).toEqual(true);
  });
});

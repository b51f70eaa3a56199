/**
 * Jobs: commands run under supd by `supctl run`, not from the config. The table knows each job's
 * id and name, its state, exit and output rings, keeps the last `history` finished jobs and never
 * drops a running one, and decides what stopping one means (the stop signal to its process group,
 * SIGKILL when the wait runs out). Pure: time comes in as `now`; signals and wake-ups leave as
 * effects for daemon/job-runner.ts. Requests a user can get wrong come back as refusals in
 * supervisord's fault words, and change nothing.
 */
import type { Millis } from './process-machine.js';
import { OutputRing } from './output-ring.js';

export type JobStream = 'stdout' | 'stderr';
export const JOB_STREAMS: readonly JobStream[] = ['stdout', 'stderr'];

/** running, then exited (it called exit) or killed (a signal ended it). */
export type JobStateName = 'running' | 'exited' | 'killed';

/** What `supctl run` asked for. */
export interface JobSpec {
  readonly argv: readonly string[];
  readonly name: string | null;
  readonly user: string | null;
  readonly directory: string | null;
  readonly environment: Readonly<Record<string, string>>;
  /** -i: the job's stdin stays open for the client to write to; otherwise it reads EOF at once. */
  readonly interactive: boolean;
}

export interface Job {
  /** Short and never reused while supd runs: "1", "2", ... */
  readonly id: string;
  readonly spec: JobSpec;
  readonly pid: number;
  readonly startedAt: Millis;
  readonly state: JobStateName;
  readonly endedAt: Millis | null;
  /** The exit code, when it exited. */
  readonly exitCode: number | null;
  /** The signal that ended it ("SIGKILL"), when it was killed. */
  readonly signal: string | null;
  readonly output: Readonly<Record<JobStream, OutputRing>>;
  /** Streams whose pipe is still open: a reader following the job waits for these to end. */
  readonly openStreams: ReadonlySet<JobStream>;
  /** Set while a stop is under way: when SIGKILL follows. */
  readonly killAt: Millis | null;
}

export type JobFault = 'BAD_NAME' | 'BAD_ARGUMENTS' | 'NOT_RUNNING' | 'STILL_RUNNING' | 'ALREADY_ADDED' | 'FAILED';

/** A request the table declined; nothing changed. */
export interface JobRefusal {
  readonly fault: JobFault;
  readonly detail: string;
}

export type JobEffect =
  | { readonly type: 'signal'; readonly pid: number; readonly signal: string }
  | { readonly type: 'wake'; readonly id: string; readonly at: Millis };

export interface JobLimits {
  /** job_output_maxbytes: bytes kept of each stream. */
  readonly outputMaxBytes: number;
  /** job_history: finished jobs kept. */
  readonly history: number;
  /** Jobs running at once; one more is refused (the table is full). */
  readonly maxRunning: number;
}

/** How many jobs may run at once: each may hold 2 x job_output_maxbytes of output. */
export const MAX_RUNNING_JOBS = 1024;

/** The stop rules of a program with supervisord's defaults: stopsignal=TERM, stopwaitsecs=10. */
export const JOB_STOP_SIGNAL = 'TERM';
export const JOB_STOP_WAIT_MS = 10_000;

/** Names look nothing like ids (which are numbers), so a reference is never ambiguous. */
const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.@-]{0,63}$/;

type MutableJob = { -readonly [K in keyof Job]: Job[K] };

/** Whether a job's pipes are closed and its exit is known: nothing more will come from it. */
export function isJobComplete(job: Job): boolean {
  return job.state !== 'running' && job.openStreams.size === 0;
}

/**
 * Whether a job's pipe may be read now. A follower (an attached `supctl link`) behind by more than
 * the ring can take after one more read of `readBytes` would lose bytes: the pipe then waits, and
 * the job with it, as a program writing into a pipe waits for its reader. With no follower it is
 * always read: a job nobody watches is never held back.
 */
export function mayReadPipe(ring: { readonly end: number; readonly capacity: number }, followerPositions: readonly number[], readBytes: number): boolean {
  const slack = Math.max(0, ring.capacity - readBytes);
  return followerPositions.every((position) => ring.end - position <= slack);
}

export class JobTable {
  private readonly jobs = new Map<string, MutableJob>();
  private nextId = 1;

  constructor(private limits: JobLimits) {}

  /** A reload may change the limits; jobs already started keep their rings. */
  setLimits(limits: JobLimits): void {
    this.limits = limits;
  }

  /** Whether a job with this spec may be added now; null when it may. */
  check(spec: JobSpec): JobRefusal | null {
    if (spec.argv.length === 0 || spec.argv[0] === '') return { fault: 'BAD_ARGUMENTS', detail: 'no command given' };
    if (spec.name !== null) {
      if (!NAME_PATTERN.test(spec.name)) {
        return {
          fault: 'BAD_ARGUMENTS',
          detail: `job name '${spec.name}' must start with a letter and use only letters, digits and _ . @ - (at most 64)`,
        };
      }
      const holder = this.byName(spec.name);
      if (holder !== undefined) {
        return { fault: 'ALREADY_ADDED', detail: `job name '${spec.name}' is taken by job ${holder.id} (supctl rm ${holder.id} frees it once it has ended)` };
      }
    }
    const running = this.list().filter((j) => j.state === 'running').length;
    if (running >= this.limits.maxRunning) {
      return { fault: 'FAILED', detail: `job table full: ${running} jobs are running (at most ${this.limits.maxRunning})` };
    }
    return null;
  }

  /** Records a job whose process was just spawned. Call check() first. */
  add(spec: JobSpec, pid: number, now: Millis): Job {
    const id = String(this.nextId++);
    const job: MutableJob = {
      id,
      spec,
      pid,
      startedAt: now,
      state: 'running',
      endedAt: null,
      exitCode: null,
      signal: null,
      output: { stdout: new OutputRing(this.limits.outputMaxBytes), stderr: new OutputRing(this.limits.outputMaxBytes) },
      openStreams: new Set(JOB_STREAMS),
      killAt: null,
    };
    this.jobs.set(id, job);
    return job;
  }

  /** Every job kept, oldest first. */
  list(): readonly Job[] {
    return [...this.jobs.values()];
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  /** A job by id or name, or BAD_NAME. */
  find(ref: string): Job | JobRefusal {
    const job = this.jobs.get(ref) ?? this.byName(ref);
    return job ?? { fault: 'BAD_NAME', detail: `no such job: ${ref}` };
  }

  /** Output read from one of the job's pipes. */
  append(id: string, stream: JobStream, chunk: Uint8Array): void {
    this.jobs.get(id)?.output[stream].write(chunk);
  }

  /** EOF on one of the job's pipes. */
  streamEnded(id: string, stream: JobStream): void {
    const job = this.jobs.get(id);
    if (job === undefined) return;
    const open = new Set(job.openStreams);
    open.delete(stream);
    job.openStreams = open;
  }

  /** The job's process has exited (RUNNING -> exited | killed); the oldest finished jobs beyond job_history go. */
  exited(id: string, exit: { readonly code: number | null; readonly signal: string | null }, now: Millis): void {
    const job = this.jobs.get(id);
    if (job === undefined || job.state !== 'running') return;
    job.state = exit.signal !== null ? 'killed' : 'exited';
    job.exitCode = exit.signal !== null ? null : (exit.code ?? -1);
    job.signal = exit.signal;
    job.endedAt = now;
    job.killAt = null;
    this.evict();
  }

  /**
   * `supctl kill JOB` without a signal, and shutdown: the stop signal to its process group, then
   * SIGKILL once JOB_STOP_WAIT_MS have passed. NOT_RUNNING when it has ended.
   */
  stop(ref: string, now: Millis): { readonly job: Job; readonly effects: readonly JobEffect[] } | JobRefusal {
    const job = this.running(ref);
    if ('fault' in job) return job;
    const mutable = this.jobs.get(job.id)!;
    if (mutable.killAt !== null) return { job, effects: [] }; // already stopping: its deadline stands
    mutable.killAt = now + JOB_STOP_WAIT_MS;
    return {
      job,
      effects: [
        { type: 'signal', pid: job.pid, signal: JOB_STOP_SIGNAL },
        { type: 'wake', id: job.id, at: mutable.killAt },
      ],
    };
  }

  /** A stopping job's deadline: SIGKILL to its process group if it is still running. */
  tick(id: string, now: Millis): readonly JobEffect[] {
    const job = this.jobs.get(id);
    if (job === undefined || job.state !== 'running' || job.killAt === null) return [];
    if (now < job.killAt) return [{ type: 'wake', id, at: job.killAt }];
    return [{ type: 'signal', pid: job.pid, signal: 'KILL' }];
  }

  /** A second shutdown request: SIGKILL to every running job now. */
  killAll(): readonly JobEffect[] {
    return this.list()
      .filter((j) => j.state === 'running')
      .map((j) => ({ type: 'signal', pid: j.pid, signal: 'KILL' }) as const);
  }

  /** A job that is still running, or why not: BAD_NAME, NOT_RUNNING. */
  running(ref: string): Job | JobRefusal {
    const job = this.find(ref);
    if ('fault' in job) return job;
    if (job.state !== 'running') return { fault: 'NOT_RUNNING', detail: `job ${job.id} has already ${endedWords(job)}` };
    return job;
  }

  /** `supctl rm JOB`: forget a finished job. STILL_RUNNING while it runs. */
  remove(ref: string): Job | JobRefusal {
    const job = this.find(ref);
    if ('fault' in job) return job;
    if (job.state === 'running') {
      return { fault: 'STILL_RUNNING', detail: `job ${job.id} is running (pid ${job.pid}): supctl kill ${job.id} first` };
    }
    this.jobs.delete(job.id);
    return job;
  }

  /** Whether any job is still running (shutdown waits for none). */
  hasRunning(): boolean {
    return this.list().some((j) => j.state === 'running');
  }

  private byName(name: string): MutableJob | undefined {
    for (const job of this.jobs.values()) if (job.spec.name === name) return job;
    return undefined;
  }

  private evict(): void {
    const finished = [...this.jobs.values()]
      .filter((j) => j.state !== 'running')
      .sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0) || Number(a.id) - Number(b.id));
    for (const job of finished.slice(0, Math.max(0, finished.length - this.limits.history))) this.jobs.delete(job.id);
  }
}

/** "exited with code 3", "been killed by SIGTERM". */
export function endedWords(job: Job): string {
  if (job.state === 'killed') return `been killed by ${job.signal ?? 'a signal'}`;
  return `exited with code ${job.exitCode ?? -1}`;
}

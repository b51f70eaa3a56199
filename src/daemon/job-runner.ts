/**
 * Carries out the job table's decisions (core/job-table.ts): spawns a job through the same
 * spawner and reaper as programs, reads its pipes into its output rings, turns `signal` effects
 * into kill(2) on its process group and `wake` into one timer per stopping job, and tells
 * followers (rpc/job-tail.ts) when there is more. Jobs are not programs: no events, no config,
 * untouched by a reload; they are stopped at shutdown with the programs' default stop rules.
 */
import type { Writable } from 'node:stream';
import { isJobComplete, JOB_STREAMS, JobTable, MAX_RUNNING_JOBS, mayReadPipe, type Job, type JobEffect, type JobLimits, type JobSpec, type JobStream } from '../core/job-table.js';
import type { Millis } from '../core/process-machine.js';
import { readPipe, type PipeReader } from '../logs/pipe-reader.js';
import { sendSignal } from '../os/signals.js';
import { describeSpawnFailure } from '../os/spawn-failure.js';
import { spawnProcess, type SpawnRequest, type SpawnResult } from '../os/spawn.js';
import type { JobFollower, JobsPort } from '../rpc/jobs-port.js';
import type { Refusal } from '../rpc/supervisor-port.js';
import { childBaseEnv, type Daemon } from './daemon.js';
import { SPAWN_FAILURE_FAULTS } from './spawn-faults.js';
import type { SupdLogger } from './supd-log.js';
import { setTimeoutAt, type LongTimeout } from '../core/long-timer.js';

export interface JobRunnerDeps {
  readonly spawn: (request: SpawnRequest) => SpawnResult;
  readonly clock: () => Millis;
  readonly logger: SupdLogger;
  /** supd's environment as children inherit it ([supervisord] environment= applied). */
  readonly baseEnv: () => Readonly<Record<string, string>>;
  /** job_output_maxbytes and job_history of the current config. */
  readonly limits: () => Omit<JobLimits, 'maxRunning'>;
}

/**
 * After a job has exited, how long its pipes may stay open (a background grandchild holding
 * them) before followers are told the job is complete. Output arriving later is still kept.
 */
const PIPE_GRACE_MS = 1000;

/**
 * Each job pipe is read into a buffer of its own of this size (at most the ring's capacity), not
 * the 1 MiB one programs share: one read can then never push a follower's bytes out of a 1 MiB ring.
 */
const READ_BYTES = 64 * 1024;
const MIN_READ_BYTES = 4 * 1024;

/** How long a job started attached holds its output for a client that has not followed it yet. */
const FOLLOWER_WAIT_MS = 10_000;

interface JobPipe {
  readonly reader: PipeReader;
  readonly readBytes: number;
  isPaused: boolean;
}

export class JobRunner implements JobsPort {
  readonly table: JobTable;
  private readonly followers = new Map<string, Set<JobFollower>>();
  private readonly pipes = new Map<string, Partial<Record<JobStream, JobPipe>>>();
  private readonly timers = new Map<string, LongTimeout>();
  private readonly stdins = new Map<string, () => Writable>();
  private readonly idle: (() => void)[] = [];
  /** Jobs whose attached client has not come yet: removes the stand-in follower. */
  private readonly placeholders = new Map<string, () => void>();

  constructor(private readonly deps: JobRunnerDeps) {
    this.table = new JobTable(this.currentLimits());
  }

  /**
   * `awaitFollower`: an attached `supctl run` follows the job right after this returns; until it
   * does (at most FOLLOWER_WAIT_MS) the job's output is held for it as for a follower at offset 0.
   */
  run(spec: JobSpec, options: { readonly awaitFollower?: boolean } = {}): Job | Refusal {
    const { table, deps } = this;
    table.setLimits(this.currentLimits());
    const refusal = table.check(spec);
    if (refusal !== null) return refusal;
    const result = deps.spawn({
      argv: spec.argv,
      env: { ...deps.baseEnv(), ...spec.environment },
      cwd: spec.directory,
      umask: null,
      user: spec.user,
    });
    if (!result.ok) return { fault: SPAWN_FAILURE_FAULTS[result.failure.kind], detail: describeSpawnFailure(result.failure) };
    const { child } = result;
    const job = table.add(spec, child.pid, deps.clock());
    const id = job.id;
    const pipes: Partial<Record<JobStream, JobPipe>> = {};
    this.pipes.set(id, pipes);
    const readBytes = Math.min(READ_BYTES, Math.max(MIN_READ_BYTES, job.output.stdout.capacity));
    const read = (stream: JobStream, fd: number): void => {
      const reader = readPipe(fd, {
        bufferBytes: readBytes,
        onData: (chunk) => {
          table.append(id, stream, chunk);
          this.notify(id);
          this.regulate(id, stream);
        },
        onEnd: () => {
          delete pipes[stream];
          if (pipes.stdout === undefined && pipes.stderr === undefined) this.pipes.delete(id);
          table.streamEnded(id, stream);
          this.notify(id);
        },
      });
      pipes[stream] = { reader, readBytes, isPaused: false };
    };
    // Readers attach before the first event-loop turn, so no output is lost or left unread.
    read('stdout', child.stdoutFd);
    if (child.stderrFd !== null) read('stderr', child.stderrFd);
    else table.streamEnded(id, 'stderr');
    if (spec.interactive) this.stdins.set(id, child.openStdin);
    else child.openStdin().end(); // as `docker run` without -i: the job reads EOF
    if (options.awaitFollower === true) this.holdForFollower(id);
    deps.logger.info(`job ${id} started: ${spec.argv.join(' ')} (pid ${child.pid})`);
    void child.exit.then((exit) => {
      if (exit.failure !== undefined) table.append(id, 'stderr', Buffer.from(`supd: ${describeSpawnFailure(exit.failure)}\n`));
      table.exited(id, exit, deps.clock());
      this.stdins.delete(id);
      this.clearTimer(id);
      const ended = table.get(id);
      deps.logger.info(`job ${id} ${ended === undefined ? 'ended' : ended.state === 'killed' ? `killed by ${ended.signal}` : `exited with code ${ended.exitCode}`}`);
      this.notify(id);
      if (ended !== undefined && !isJobComplete(ended)) this.endPipesLater(id);
      this.settleIdle();
    });
    return job;
  }

  /** Holds a new job's output as a follower at offset 0 would, until the real one comes. */
  private holdForFollower(id: string): void {
    const standIn = this.follow(id, { position: () => ({ stdout: 0, stderr: 0 }), wake: () => undefined });
    const timer = setTimeout(() => release(), FOLLOWER_WAIT_MS);
    timer.unref();
    const release = (): void => {
      clearTimeout(timer);
      this.placeholders.delete(id);
      standIn.stop();
    };
    this.placeholders.set(id, release);
  }

  /**
   * A job that exited with its pipes still open (a background grandchild holds them) is complete
   * PIPE_GRACE_MS later; a pipe held back for a follower is not idle, so that wait starts again.
   */
  private endPipesLater(id: string): void {
    const grace = setTimeout(() => {
      const ended = this.table.get(id);
      if (ended === undefined || isJobComplete(ended)) return;
      if (Object.values(this.pipes.get(id) ?? {}).some((pipe) => pipe.isPaused)) {
        this.endPipesLater(id);
        return;
      }
      for (const stream of ended.openStreams) this.table.streamEnded(id, stream);
      this.notify(id);
      // Whatever a background grandchild writes from now on is read and kept, but no follower
      // waits for it: nothing may hold that pipe back any more.
      this.pipes.delete(id);
    }, PIPE_GRACE_MS);
    grace.unref();
  }

  list(): readonly Job[] {
    return this.table.list();
  }

  find(ref: string): Job | Refusal {
    return this.table.find(ref);
  }

  stop(ref: string): Job | Refusal {
    const result = this.table.stop(ref, this.deps.clock());
    if ('fault' in result) return result;
    const failure = this.carryOut(result.effects);
    return failure ?? result.job;
  }

  signal(ref: string, signal: string): Job | Refusal {
    const job = this.table.running(ref);
    if ('fault' in job) return job;
    return this.carryOut([{ type: 'signal', pid: job.pid, signal }]) ?? job;
  }

  remove(ref: string): Job | Refusal {
    const job = this.table.remove(ref);
    if (!('fault' in job)) this.notify(job.id);
    return job;
  }

  async writeStdin(ref: string, data: Uint8Array, close: boolean): Promise<Job | Refusal> {
    const job = this.table.running(ref);
    if ('fault' in job) return job;
    const open = this.stdins.get(job.id);
    if (open === undefined) return { fault: 'NO_FILE', detail: `job ${job.id} has no stdin to write to (start it with supctl run -i)` };
    const stdin = open();
    const error = await new Promise<Error | null | undefined>((resolve) => {
      if (data.length === 0) resolve(null);
      else stdin.write(data, resolve);
    });
    if (error) return { fault: 'NO_FILE', detail: `job ${job.id}'s stdin: ${error.message}` };
    if (close) {
      stdin.end();
      this.stdins.delete(job.id);
    }
    return job;
  }

  follow(id: string, follower: JobFollower): { progress(): void; stop(): void } {
    let set = this.followers.get(id);
    if (set === undefined) this.followers.set(id, (set = new Set()));
    set.add(follower);
    const regulateAll = (): void => {
      for (const stream of JOB_STREAMS) this.regulate(id, stream);
    };
    this.placeholders.get(id)?.();
    return {
      progress: regulateAll,
      stop: () => {
        set.delete(follower);
        if (set.size === 0 && this.followers.get(id) === set) this.followers.delete(id);
        regulateAll();
      },
    };
  }

  /** Shutdown: every running job gets the stop signal; resolves once none is running. */
  stopAll(): Promise<void> {
    for (const job of this.table.list()) if (job.state === 'running') this.stop(job.id);
    if (!this.table.hasRunning()) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** A second shutdown request: SIGKILL every running job now. */
  killAll(): void {
    this.carryOut(this.table.killAll());
  }

  private currentLimits(): JobLimits {
    return { ...this.deps.limits(), maxRunning: MAX_RUNNING_JOBS };
  }

  /** Signals and timers; the first failed kill as a refusal (FAILED), else undefined. */
  private carryOut(effects: readonly JobEffect[]): Refusal | undefined {
    let failure: Refusal | undefined;
    for (const effect of effects) {
      if (effect.type === 'wake') {
        this.wakeAt(effect.id, effect.at);
        continue;
      }
      const result = sendSignal(effect.pid, effect.signal, true);
      // ESRCH: it has just exited; its exit is handled when it arrives.
      if (result === 'sent' || result === 'no-such-process') continue;
      this.deps.logger.error(`unable to signal job (pid ${effect.pid}) with SIG${effect.signal}: ${result.error}`);
      failure ??= { fault: 'FAILED', detail: result.error };
    }
    return failure;
  }

  private wakeAt(id: string, at: Millis): void {
    this.clearTimer(id);
    const timer = setTimeoutAt(globalThis, this.deps.clock, at, () => {
      this.timers.delete(id);
      this.carryOut(this.table.tick(id, this.deps.clock()));
    });
    this.timers.set(id, timer);
  }

  private clearTimer(id: string): void {
    this.timers.get(id)?.cancel();
    this.timers.delete(id);
  }

  /** Reads the pipe, or lets it wait, as mayReadPipe decides for this job's followers. */
  private regulate(id: string, stream: JobStream): void {
    const pipe = this.pipes.get(id)?.[stream];
    const job = this.table.get(id);
    if (pipe === undefined || job === undefined) return;
    const positions = [...(this.followers.get(id) ?? [])].map((follower) => follower.position()[stream]);
    const mayRead = mayReadPipe(job.output[stream], positions, pipe.readBytes);
    if (mayRead === !pipe.isPaused) return;
    pipe.isPaused = !mayRead;
    if (mayRead) pipe.reader.resume();
    else pipe.reader.pause();
  }

  private notify(id: string): void {
    const set = this.followers.get(id);
    if (set === undefined) return;
    for (const follower of [...set]) {
      try {
        follower.wake();
      } catch (error) {
        this.deps.logger.error({ err: error }, `job ${id}: follower failed`);
      }
    }
  }

  private settleIdle(): void {
    if (this.idle.length === 0 || this.table.hasRunning()) return;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}

/** The daemon's jobs: spawned as its programs are, stopped and waited for at its shutdown. */
export function attachJobs(daemon: Daemon): JobRunner {
  const runner = new JobRunner({
    spawn: (request) => spawnProcess(daemon.children, request),
    clock: daemon.clock,
    logger: daemon.logger,
    baseEnv: () => childBaseEnv(daemon.currentConfig),
    limits: () => ({
      outputMaxBytes: daemon.currentConfig.supervisord.jobOutputMaxBytes,
      history: daemon.currentConfig.supervisord.jobHistory,
    }),
  });
  daemon.addShutdownParticipant(runner);
  return runner;
}

/**
 * What the control plane needs from supd's jobs (`supctl run`): start, look up, signal, remove,
 * write to stdin, and a subscription to a job's new output. The daemon implements it
 * (daemon/job-runner.ts); job-methods.ts and job-tail.ts are written against it. Plain data, no
 * sockets; refusals in supervisord's fault words.
 */
import type { Job, JobSpec, JobStream } from '../core/job-table.js';
import type { Refusal } from './supervisor-port.js';

export interface JobsPort {
  /**
   * Spawns a job now. Refuses with NO_FILE / NOT_EXECUTABLE when the command cannot be run (as
   * startProcess does for programs), SPAWN_ERROR when the spawn failed, BAD_ARGUMENTS,
   * ALREADY_ADDED (name taken) or FAILED (table full).
   */
  run(spec: JobSpec, options?: { readonly awaitFollower?: boolean }): Job | Refusal;
  /** Every job kept, oldest first. */
  list(): readonly Job[];
  /** A job by id or name, or BAD_NAME. */
  find(ref: string): Job | Refusal;
  /** Stop signal to its process group, SIGKILL 10 s later; NOT_RUNNING once it has ended. */
  stop(ref: string): Job | Refusal;
  /** `signal` ("HUP") to its process group; NOT_RUNNING once it has ended, FAILED if kill failed. */
  signal(ref: string, signal: string): Job | Refusal;
  /** Forget a finished job; STILL_RUNNING while it runs. */
  remove(ref: string): Job | Refusal;
  /** Write to the job's stdin (started with interactive), then close it if `close`. */
  writeStdin(ref: string, data: Uint8Array, close: boolean): Promise<Job | Refusal>;
  /**
   * Registers a reader of the job's output (GET /jobtail): `wake` is called after each new output,
   * each pipe's end and the exit; `position` says how far it has sent each stream, so that the
   * job's pipes wait rather than let it fall out of the rings. Call progress() when it has sent
   * more after a wait, stop() when it is gone.
   */
  follow(id: string, follower: JobFollower): { progress(): void; stop(): void };
}

export interface JobFollower {
  position(): Readonly<Record<JobStream, number>>;
  wake(): void;
}

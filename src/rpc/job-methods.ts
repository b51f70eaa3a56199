/**
 * The supd.* methods of jobs (`supctl run`, link, jobs, kill, rm), written against JobsPort:
 * runJob, listJobs, getJobInfo, readJobOutput, signalJob, removeJob, sendJobStdin. Each returns a
 * value or throws Fault; refusals keep supervisord's fault words. Documented in docs/rpc.md. Not
 * the streaming body `supctl link` follows: see job-tail.ts.
 */
import type { Job, JobSpec, JobStream } from '../core/job-table.js';
import { Fault } from './faults.js';
import type { JobsPort } from './jobs-port.js';
import type { MethodDoc } from './method-docs.js';
import { signalName, signalNumber } from './signal-number.js';
import type { Refusal } from './supervisor-port.js';
import { isXmlRpcStruct, type XmlRpcStruct, type XmlRpcValue } from './xmlrpc-codec.js';

export const JOB_METHOD_DOCS: Readonly<Record<string, MethodDoc>> = {
  'supd.runJob': {
    help: 'Start a job: argv (array of strings) and options {name, user, directory, environment (struct), interactive (keep stdin open), attach (hold its output until the caller follows GET /jobtail, at most 10 s)}. Returns the job info struct. NO_FILE / NOT_EXECUTABLE when the command cannot be run, ALREADY_ADDED when the name is taken, FAILED when the job table is full.',
    signature: ['struct', 'array', 'struct'],
  },
  'supd.listJobs': {
    help: 'Every job kept (running, and the last job_history finished ones), oldest first, as job info structs.',
    signature: ['array'],
  },
  'supd.getJobInfo': {
    help: 'The job info struct of one job, by id or name; BAD_NAME if there is none.',
    signature: ['struct', 'string'],
  },
  'supd.readJobOutput': {
    help: "Read up to length bytes of a job's stdout or stderr from absolute offset: {data (base64), offset (where data starts), next, lost (bytes dropped before offset), end, complete}.",
    signature: ['struct', 'string', 'string', 'int', 'int'],
  },
  'supd.signalJob': {
    help: "Signal a job's process group. Without a signal (or ''), stop it: SIGTERM, then SIGKILL after 10 s. NOT_RUNNING once it has ended, BAD_SIGNAL for an unknown signal.",
    signature: ['boolean', 'string', 'string'],
  },
  'supd.removeJob': {
    help: 'Forget a finished job and its output; STILL_RUNNING while it runs.',
    signature: ['boolean', 'string'],
  },
  'supd.sendJobStdin': {
    help: "Write bytes (string or base64) to the stdin of a job started with interactive, then close it if the third argument is true; NO_FILE when it has none.",
    signature: ['boolean', 'string', 'string', 'boolean'],
  },
};

type Params = readonly XmlRpcValue[];

export interface JobMethodSpec {
  readonly min: number;
  readonly max: number;
  readonly run: (params: Params) => Promise<XmlRpcValue> | XmlRpcValue;
}

/** How much one readJobOutput call may return. */
const MAX_READ_BYTES = 4 * 1024 * 1024;

/** The struct a job is reported as (supd.listJobs, supd.getJobInfo, `supctl jobs --json`). */
export function jobInfo(job: Job): XmlRpcStruct {
  const signo = job.signal === null ? null : signalNumber(job.signal.replace(/^SIG/, ''));
  return {
    id: job.id,
    name: job.spec.name ?? '',
    state: job.state,
    pid: job.pid,
    // Seconds since the epoch with milliseconds, 0 while running.
    start: job.startedAt / 1000,
    stop: job.endedAt === null ? 0 : job.endedAt / 1000,
    exitstatus: job.exitCode ?? -1,
    signal: job.signal ?? '',
    // What a shell would report: the code, 128 + N for a signal, -1 while running.
    exitcode: job.state === 'running' ? -1 : job.exitCode ?? 128 + (signo ?? 0),
    argv: [...job.spec.argv],
    user: job.spec.user ?? '',
    directory: job.spec.directory ?? '',
    interactive: job.spec.interactive,
    stdout_bytes: job.output.stdout.end,
    stderr_bytes: job.output.stderr.end,
    stdout_kept_from: job.output.stdout.start,
    stderr_kept_from: job.output.stderr.start,
    complete: job.state !== 'running' && job.openStreams.size === 0,
  };
}

export function createJobMethods(jobs: JobsPort): Record<string, JobMethodSpec> {
  const found = (result: Job | Refusal): Job => {
    if ('fault' in result) throw Fault.of(result.fault, result.detail);
    return result;
  };
  return {
    runJob: {
      min: 1, max: 2,
      run: (p) => jobInfo(found(jobs.run(jobSpec(p), { awaitFollower: isStruct(p[1]) && p[1].attach === true }))),
    },
    listJobs: { min: 0, max: 0, run: () => jobs.list().map(jobInfo) },
    getJobInfo: { min: 1, max: 1, run: (p) => jobInfo(found(jobs.find(str(p, 0)))) },
    readJobOutput: {
      min: 4, max: 4,
      run: (p) => {
        const job = found(jobs.find(str(p, 0)));
        const stream = str(p, 1);
        if (stream !== 'stdout' && stream !== 'stderr') throw Fault.of('BAD_ARGUMENTS', `stream must be stdout or stderr, not '${stream}'`);
        const offset = int(p, 2);
        const length = int(p, 3);
        if (offset < 0 || length < 0) throw Fault.of('BAD_ARGUMENTS', 'offset and length must be >= 0');
        const ring = job.output[stream as JobStream];
        const read = ring.read(offset, Math.min(length, MAX_READ_BYTES));
        return {
          data: read.data,
          offset: read.offset,
          next: read.offset + read.data.length,
          lost: read.lost,
          end: ring.end,
          complete: job.state !== 'running' && !job.openStreams.has(stream as JobStream),
        };
      },
    },
    signalJob: {
      min: 1, max: 2,
      run: (p) => {
        const raw = p.length > 1 ? strOrInt(p, 1) : '';
        if (raw === '') {
          found(jobs.stop(str(p, 0)));
          return true;
        }
        const name = signalName(raw);
        if (name === null) throw Fault.of('BAD_SIGNAL', String(raw));
        found(jobs.signal(str(p, 0), name));
        return true;
      },
    },
    removeJob: { min: 1, max: 1, run: (p) => (found(jobs.remove(str(p, 0))), true) },
    sendJobStdin: {
      min: 2, max: 3,
      run: async (p) => {
        const value = p[1];
        const data = value instanceof Uint8Array ? value : new TextEncoder().encode(str(p, 1));
        const close = p.length > 2 ? p[2] === true : false;
        found(await jobs.writeStdin(str(p, 0), data, close));
        return true;
      },
    },
  };
}

const SPEC_KEYS = ['name', 'user', 'directory', 'environment', 'interactive', 'attach'];

function isStruct(value: XmlRpcValue | undefined): value is XmlRpcStruct {
  return value !== undefined && isXmlRpcStruct(value);
}

function jobSpec(p: Params): JobSpec {
  const argv = p[0];
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string')) {
    throw Fault.of('BAD_ARGUMENTS', 'argv must be a non-empty array of strings');
  }
  const options = p[1] ?? {};
  if (!isXmlRpcStruct(options)) throw Fault.of('INCORRECT_PARAMETERS');
  for (const key of Object.keys(options)) {
    if (!SPEC_KEYS.includes(key)) throw Fault.of('BAD_ARGUMENTS', `unknown job option '${key}' (known: ${SPEC_KEYS.join(', ')})`);
  }
  const optionalText = (key: string): string | null => {
    const value = options[key];
    if (value === undefined || value === '') return null;
    if (typeof value !== 'string') throw Fault.of('BAD_ARGUMENTS', `job option '${key}' must be a string`);
    return value;
  };
  const env = options.environment ?? {};
  if (!isXmlRpcStruct(env) || !Object.values(env).every((v) => typeof v === 'string')) {
    throw Fault.of('BAD_ARGUMENTS', "job option 'environment' must be a struct of strings");
  }
  return {
    argv: argv as string[],
    name: optionalText('name'),
    user: optionalText('user'),
    directory: optionalText('directory'),
    environment: env as Record<string, string>,
    interactive: options.interactive === true,
  };
}

/** A parameter of the wrong type, named: INCORRECT_PARAMETERS as supervisord, with what was expected. */
function wrongType(index: number, expected: string): Fault {
  return Fault.of('INCORRECT_PARAMETERS', `parameter ${index + 1} must be ${expected}`);
}

function str(params: Params, index: number): string {
  const value = params[index];
  if (typeof value === 'string') return value;
  throw wrongType(index, 'a string');
}

function strOrInt(params: Params, index: number): string | number {
  const value = params[index];
  if (typeof value === 'string' || typeof value === 'number') return value;
  throw wrongType(index, 'a string or an int');
}

function int(params: Params, index: number): number {
  const value = params[index];
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  throw wrongType(index, 'an int');
}

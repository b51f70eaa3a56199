/**
 * supctl's job actions: run, link, jobs, kill, rm (docs/supctl.md). `run` starts a command under
 * supd and, attached, is `run --detach` followed by `link`; `link` follows GET /jobtail as frames
 * with absolute offsets, prints each byte to the stream it came from, saves how far it got after
 * every chunk (link-cursor.ts), and exits with the job's code. Ctrl-C or a lost connection detach:
 * the job is never killed by its client. No argv parsing of supctl's own options here.
 */
import { FAULTS, Fault } from '../../rpc/faults.js';
import { JobStreamDecoder, JobStreamError } from '../../rpc/job-stream.js';
import type { XmlRpcStruct, XmlRpcValue } from '../../rpc/xmlrpc-codec.js';
import { formatJobs, type JobInfoView } from './job-format.js';
import { memoryCursor, type LinkCursor, type LinkCursorStore, type LinkPosition } from './link-cursor.js';

/** Exit codes of run and link that are not the job's own (docker run's choices). */
export const JOB_EXIT = {
  /** supctl or supd could not start or follow the job; the message says why. */
  FAILED: 125,
  /** The command exists but cannot be run (NOT_EXECUTABLE). */
  NOT_EXECUTABLE: 126,
  /** The command was not found (NO_FILE). */
  NOT_FOUND: 127,
  /** Ctrl-C detached this client; the job runs on. */
  DETACHED: 130,
} as const;

export const JOB_COMMANDS: Readonly<Record<string, string>> = {
  run: 'run [--name N] [-d|--detach] [-i] [--user U] [--dir D] [--env K=V]... -- CMD [ARG...]  Run a command under supd as a job',
  link: 'link JOB [--from-start]  Follow a job\'s output from where this client stopped, exit with its code',
  jobs: 'jobs  List jobs: id, name, state, pid, exit, start and end, command',
  kill: 'kill JOB [SIGNAL]  Signal a job\'s process group (default: TERM, then KILL after 10 s)',
  rm: 'rm JOB  Forget a finished job and its output',
};

export interface JobRpc {
  call(method: string, params?: readonly XmlRpcValue[]): Promise<XmlRpcValue>;
  follow(path: string, onChunk: (chunk: Buffer) => void, signal?: AbortSignal): Promise<void>;
}

/** What the job actions need from supctl; commands.ts builds it. */
export interface JobContext {
  readonly rpc: JobRpc;
  readonly serverUrl: string;
  readonly json: boolean;
  /** One line of normal output (suppressed with --json). */
  output(line: string): void;
  /** A --json record. */
  record(value: unknown): void;
  /** One line to stderr. */
  err(line: string): void;
  /** The job's bytes, to supctl's stdout (1) or stderr (2); false when nobody reads that stream any more. */
  writeRaw(fd: 1 | 2, data: Uint8Array): boolean;
  setExit(code: number): void;
  /** Aborted by Ctrl-C. */
  readonly signal?: AbortSignal;
  readonly cursors?: LinkCursorStore;
  /** supctl's stdin, for run -i. */
  readonly stdin?: () => AsyncIterable<Uint8Array>;
  /** A second connection for stdin while the first follows the output. */
  readonly openRpc?: () => JobRpc & { close(): void };
}

export type JobAction = (ctx: JobContext, args: readonly string[]) => Promise<void>;

export const JOB_ACTIONS: Readonly<Record<string, JobAction>> = { run, link, jobs, kill, rm };

interface RunOptions {
  readonly name: string | null;
  readonly detach: boolean;
  readonly interactive: boolean;
  readonly user: string | null;
  readonly dir: string | null;
  readonly env: Record<string, string>;
  readonly argv: readonly string[];
}

/** run's own options, then the command: after `--`, or from the first word that is not an option. */
export function parseRunArgs(args: readonly string[]): RunOptions | { readonly error: string } {
  let name: string | null = null;
  let user: string | null = null;
  let dir: string | null = null;
  let detach = false;
  let interactive = false;
  const env: Record<string, string> = {};
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-')) break;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const value = (): string | null => (eq !== -1 ? arg.slice(eq + 1) : (args[++i] ?? null));
    switch (flag) {
      case '-d':
      case '--detach':
        detach = true;
        break;
      case '-i':
      case '--interactive':
        interactive = true;
        break;
      case '--name':
      case '--user':
      case '--dir':
      case '--env': {
        const v = value();
        if (v === null || v === '') return { error: `run: ${flag} requires a value` };
        if (flag === '--name') name = v;
        else if (flag === '--user') user = v;
        else if (flag === '--dir') dir = v;
        else {
          const at = v.indexOf('=');
          if (at <= 0) return { error: `run: --env takes NAME=VALUE, not '${v}'` };
          env[v.slice(0, at)] = v.slice(at + 1);
        }
        break;
      }
      default:
        return { error: `run: unknown option ${arg} (put the command after --)` };
    }
  }
  const argv = args.slice(i);
  if (argv.length === 0) return { error: 'run: no command given (supctl run [OPTIONS] -- CMD [ARG...])' };
  return { name, detach, interactive, user, dir, env, argv };
}

async function run(ctx: JobContext, args: readonly string[]): Promise<void> {
  const parsed = parseRunArgs(args);
  if ('error' in parsed) {
    ctx.err(`Error: ${parsed.error}`);
    ctx.setExit(2);
    return;
  }
  const options: XmlRpcStruct = {
    ...(parsed.name === null ? {} : { name: parsed.name }),
    ...(parsed.user === null ? {} : { user: parsed.user }),
    ...(parsed.dir === null ? {} : { directory: parsed.dir }),
    environment: parsed.env,
    interactive: parsed.interactive,
    attach: !parsed.detach,
  };
  let info: JobInfoView;
  try {
    info = (await ctx.rpc.call('supd.runJob', [[...parsed.argv], options])) as unknown as JobInfoView;
  } catch (error) {
    return jobFault(ctx, error);
  }
  if (parsed.detach) {
    ctx.output(info.id);
    ctx.record(info);
    return;
  }
  const stdinDone = parsed.interactive ? forwardStdin(ctx, info.id) : undefined;
  await follow(ctx, info, ctx.cursors?.open(cursorKey(ctx, info)) ?? memoryCursor({ stdout: 0, stderr: 0 }), { stdout: 0, stderr: 0 });
  await stdinDone?.catch(() => undefined);
}

async function link(ctx: JobContext, args: readonly string[]): Promise<void> {
  const fromStart = args.includes('--from-start');
  const rest = args.filter((a) => a !== '--from-start');
  if (rest.length !== 1 || rest[0]!.startsWith('-')) {
    ctx.err('Error: link takes one job: supctl link JOB [--from-start]');
    ctx.setExit(2);
    return;
  }
  let info: JobInfoView;
  try {
    info = (await ctx.rpc.call('supd.getJobInfo', [rest[0]!])) as unknown as JobInfoView;
  } catch (error) {
    return jobFault(ctx, error);
  }
  const cursor = ctx.cursors?.open(cursorKey(ctx, info)) ?? memoryCursor({ stdout: 0, stderr: 0 });
  await follow(ctx, info, cursor, fromStart ? { stdout: 0, stderr: 0 } : cursor.saved);
}

/** The job as this client knows it: another supd (or the same id after a restart of supd) is another job. */
function cursorKey(ctx: JobContext, info: JobInfoView): string {
  return `${ctx.serverUrl}\n${info.id}\n${info.pid}\n${info.start}`;
}

/** Streams the job from `from` until it ends (exit with its code), Ctrl-C, or a lost connection. */
async function follow(ctx: JobContext, info: JobInfoView, cursor: LinkCursor, from: LinkPosition): Promise<void> {
  const position = { ...from };
  const decoder = new JobStreamDecoder();
  let ended: { exitcode: number } | null = null;
  // A reader of ours that went away (`supctl link 3 | head`): what it did not take stays unseen.
  let closedStream: string | null = null;
  const stop = new AbortController();
  const signal = ctx.signal === undefined ? stop.signal : AbortSignal.any([ctx.signal, stop.signal]);
  try {
    const path = `/jobtail/${encodeURIComponent(info.id)}?stdout=${position.stdout}&stderr=${position.stderr}`;
    await ctx.rpc.follow(
      path,
      (chunk) => {
        for (const event of decoder.feed(chunk)) {
          if (closedStream !== null) return;
          if (event.type === 'data') {
            if (!ctx.writeRaw(event.stream === 'stdout' ? 1 : 2, event.data)) {
              closedStream = event.stream;
              stop.abort();
              return;
            }
            position[event.stream] = event.offset + event.data.length;
            cursor.save(position);
          } else if (event.type === 'lost') {
            ctx.err(`supctl: job ${info.id}: ${event.count} bytes of ${event.stream} are gone (more than job_output_maxbytes since this client stopped)`);
          } else {
            ended = { exitcode: event.exitstatus };
          }
        }
      },
      signal,
    );
  } catch (error) {
    cursor.close();
    if (error instanceof JobStreamError) {
      ctx.err(`supctl: ${ctx.serverUrl} does not stream jobs as supd does: ${error.message}`);
      ctx.setExit(JOB_EXIT.FAILED);
      return;
    }
    const e = error as { name?: string; code?: string; status?: number };
    if (e.name === 'RpcHttpError' && e.status === 404) {
      ctx.err(`error: no such job: ${info.id} (removed meanwhile?)`);
      ctx.setExit(JOB_EXIT.FAILED);
      return;
    }
    if (e.name === 'RpcConnectionError' || e.name === 'RpcHttpError') return lostConnection(ctx, info, `${String((error as Error).message)}`);
    throw error;
  }
  cursor.close();
  const done = ended as { exitcode: number } | null;
  if (done !== null) {
    ctx.setExit(done.exitcode < 0 ? JOB_EXIT.FAILED : done.exitcode & 0xff);
    return;
  }
  if (closedStream !== null) {
    ctx.err(`supctl: nothing reads supctl's ${closedStream} any more: detached from job ${info.id}, which runs on; supctl link ${refOf(info)} prints the rest`);
    ctx.setExit(JOB_EXIT.FAILED);
    return;
  }
  if (ctx.signal?.aborted === true) {
    ctx.err(`supctl: detached from job ${info.id}, which runs on; supctl link ${refOf(info)} to re-attach, supctl kill ${refOf(info)} to stop it`);
    ctx.setExit(JOB_EXIT.DETACHED);
    return;
  }
  lostConnection(ctx, info, 'the stream ended before the job did');
}

function lostConnection(ctx: JobContext, info: JobInfoView, why: string): void {
  ctx.err(`supctl: lost the connection to supd (${why}); job ${info.id} is not stopped by this: supctl link ${refOf(info)} to re-attach`);
  ctx.setExit(JOB_EXIT.FAILED);
}

/** How the user can name the job: its name if it has one. */
function refOf(info: JobInfoView): string {
  return info.name === '' ? info.id : info.name;
}

/** run -i: supctl's stdin to the job's, on a connection of its own; EOF closes the job's stdin. */
async function forwardStdin(ctx: JobContext, id: string): Promise<void> {
  if (ctx.stdin === undefined || ctx.openRpc === undefined) return;
  const rpc = ctx.openRpc();
  try {
    for await (const chunk of ctx.stdin()) {
      if (ctx.signal?.aborted === true) return;
      await rpc.call('supd.sendJobStdin', [id, chunk, false]);
    }
    await rpc.call('supd.sendJobStdin', [id, '', true]);
  } catch {
    // The job ended or stopped reading: what it did not take is dropped, as a pipe would.
  } finally {
    rpc.close();
  }
}

async function jobs(ctx: JobContext, args: readonly string[]): Promise<void> {
  if (args.length > 0) {
    ctx.err('Error: jobs accepts no arguments');
    ctx.setExit(2);
    return;
  }
  const list = (await ctx.rpc.call('supd.listJobs')) as unknown as JobInfoView[];
  for (const line of formatJobs(list, Date.now() / 1000)) ctx.output(line);
  for (const info of list) ctx.record(info);
}

async function kill(ctx: JobContext, args: readonly string[]): Promise<void> {
  if (args.length < 1 || args.length > 2) {
    ctx.err('Error: kill takes a job and an optional signal: supctl kill JOB [SIGNAL]');
    ctx.setExit(2);
    return;
  }
  const [ref, signal] = args as [string, string | undefined];
  try {
    await ctx.rpc.call('supd.signalJob', signal === undefined ? [ref] : [ref, signal]);
  } catch (error) {
    if (!(error instanceof Fault)) throw error;
    ctx.err(`error: ${error.faultString}`);
    ctx.setExit(error.faultCode === FAULTS.NOT_RUNNING ? 7 : 1);
    return;
  }
  const text = signal === undefined ? `${ref}: stopping (SIGTERM now, SIGKILL in 10 s if it is still running)` : `${ref}: signalled`;
  ctx.output(text);
  ctx.record({ job: ref, signal: signal ?? 'TERM', text });
}

async function rm(ctx: JobContext, args: readonly string[]): Promise<void> {
  if (args.length !== 1) {
    ctx.err('Error: rm takes one job: supctl rm JOB');
    ctx.setExit(2);
    return;
  }
  try {
    await ctx.rpc.call('supd.removeJob', [args[0]!]);
  } catch (error) {
    if (!(error instanceof Fault)) throw error;
    ctx.err(`error: ${error.faultString}`);
    ctx.setExit(1);
    return;
  }
  ctx.output(`${args[0]}: removed`);
  ctx.record({ job: args[0], removed: true });
}

/** A refused run or link: the fault in one line, and docker run's exit codes. */
function jobFault(ctx: JobContext, error: unknown): void {
  if (!(error instanceof Fault)) throw error;
  if (error.faultCode === FAULTS.UNKNOWN_METHOD) {
    ctx.err(`error: ${ctx.serverUrl} has no jobs (supervisord, or an older supd)`);
  } else {
    ctx.err(`error: ${error.faultString}`);
  }
  ctx.setExit(
    error.faultCode === FAULTS.NO_FILE ? JOB_EXIT.NOT_FOUND : error.faultCode === FAULTS.NOT_EXECUTABLE ? JOB_EXIT.NOT_EXECUTABLE : JOB_EXIT.FAILED,
  );
}

/**
 * supctl's actions, each doing what supervisorctl 4.2.5's do_<action> does (supervisorctl.py):
 * the same XML-RPC calls, output lines and exit codes (LSBInitExitStatuses, LSBStatusExitStatuses),
 * with one-line errors and `--json`. Talks only to the public API through CtlRpc, so it works
 * against supervisord too. No sockets or argv here: supctl.ts wires those.
 */
import { FAULTS, Fault } from '../../rpc/faults.js';
import { makeNamespec, splitNamespec } from '../../rpc/namespec.js';
import type { XmlRpcValue } from '../../rpc/xmlrpc-codec.js';
import {
  formatChanges,
  formatClearResult,
  formatConfigInfo,
  formatSignalResult,
  formatStartResult,
  formatStatusLines,
  formatStopResult,
  type ConfigInfoView,
  type ProcessInfoView,
  type ResultView,
} from './format.js';
import { describeConnectionFailure } from './connection-error.js';
import type { ServerSource } from './server-settings.js';
import { formatTree, isOtherPidNamespace, type ProcTable } from './tree-format.js';
import { formatProcessStatus } from './status-format.js';
import type { ProcessStatusReport } from '../../rpc/process-status.js';
import { HEALTH_ACTIONS, HEALTH_COMMANDS } from './health-commands.js';
import { JOB_ACTIONS, JOB_COMMANDS, type JobContext, type JobRpc } from './job-commands.js';
import type { LinkCursorStore } from './link-cursor.js';

/** supervisorctl's LSBInitExitStatuses and LSBStatusExitStatuses. */
export const EXIT = {
  SUCCESS: 0,
  GENERIC: 1,
  INVALID_ARGS: 2,
  UNIMPLEMENTED_FEATURE: 3,
  INSUFFICIENT_PRIVILEGES: 4,
  NOT_INSTALLED: 5,
  NOT_RUNNING: 7,
  STATUS_NOT_RUNNING: 3,
  STATUS_UNKNOWN: 4,
} as const;

/** The API version supervisorctl insists on (rpcinterface.API_VERSION). */
const API_VERSION = '3.0';

const DEAD_PROGRAM_FAULTS: readonly number[] = [FAULTS.SPAWN_ERROR, FAULTS.ABNORMAL_TERMINATION, FAULTS.NOT_RUNNING];
const STOPPED_STATE_CODES: readonly number[] = [0, 100, 200, 1000]; // STOPPED, EXITED, FATAL, UNKNOWN

export interface CtlRpc {
  call(method: string, params?: readonly XmlRpcValue[]): Promise<XmlRpcValue>;
  follow(path: string, onChunk: (chunk: Buffer) => void, signal?: AbortSignal): Promise<void>;
}

export interface CtlIo {
  /** One line of normal output (stdout). */
  out(line: string): void;
  /** Raw text to stdout (tail -f). */
  write(text: string): void;
  /** One line of error output (stderr). */
  err(line: string): void;
  /** Bytes as they are, to stdout or stderr (a job's output); false once that stream's reader is gone. */
  writeRaw?(fd: 1 | 2, data: Uint8Array): boolean;
}

export interface CtlOptions {
  readonly rpc: CtlRpc;
  readonly io: CtlIo;
  readonly serverUrl: string;
  /** Where serverUrl came from, named when the server can't be reached. */
  readonly serverSource?: ServerSource;
  readonly json: boolean;
  readonly color: boolean;
  /** Ends `tail -f` and `maintail -f` (Ctrl-C). */
  readonly signal?: AbortSignal;
  /** /proc, for `tree`; loaded lazily by supctl.ts. */
  readonly readProcTable?: () => ProcTable;
  /** The program a process was started for (its SUPERVISOR_* environment), for `tree`'s adopted orphans. */
  readonly programOfProcess?: (pid: number) => { readonly group: string; readonly name: string } | null;
  /** Unix seconds, for `tree`. */
  readonly now?: () => number;
  /** Where `link` keeps how far this client got in each job. */
  readonly cursors?: LinkCursorStore;
  /** supctl's stdin, for `run -i`. */
  readonly stdin?: () => AsyncIterable<Uint8Array>;
  /** Another connection to the server (`run -i` writes stdin while the first one follows). */
  readonly openRpc?: () => JobRpc & { close(): void };
}

/** Every action supctl knows, with its one-line usage (also what help.ts shows). */
export const COMMANDS: Readonly<Record<string, string>> = {
  status: 'status [-v [--lines N]] [NAME|GROUP:*...]  Show process status (-v: in depth, one process at a time)',
  start: 'start NAME|GROUP:*|all...  Start processes',
  stop: 'stop NAME|GROUP:*|all...  Stop processes',
  restart: 'restart NAME|GROUP:*|all...  Stop, then start processes',
  signal: 'signal SIG NAME|GROUP:*|all...  Send a signal to processes',
  pid: 'pid [NAME...|all]  Show the pid of supd or of processes',
  tail: 'tail [-f|-N] NAME [stdout|stderr]  Show (or follow) a process log',
  maintail: 'maintail [-f|-N]  Show (or follow) the main log',
  avail: 'avail  List every configured process',
  reread: "reread  Reread the config without applying it",
  update: 'update [GROUP...|all]  Reread the config and apply it to the groups',
  add: 'add GROUP...  Activate groups from the config',
  remove: 'remove GROUP...  Remove stopped groups',
  clear: "clear NAME...|all  Clear processes' logs",
  reload: 'reload  Restart supd',
  shutdown: 'shutdown  Shut supd down',
  version: 'version  Show the version of the server',
  tree: 'tree [NAME|GROUP:*...]  Show each process tree with pid, state, uptime, RSS and CPU%',
  ...JOB_COMMANDS,
  ...HEALTH_COMMANDS,
};

/** Runs one action and returns supctl's exit code. */
export async function runCommand(options: CtlOptions, command: string, args: readonly string[]): Promise<number> {
  const ctl = new Controller(options);
  await ctl.run(command, args);
  return ctl.exitstatus;
}

class Controller {
  exitstatus: number = EXIT.SUCCESS;
  private readonly records: unknown[] = [];

  constructor(private readonly o: CtlOptions) {}

  async run(command: string, args: readonly string[]): Promise<void> {
    const action = ACTIONS[command];
    if (action === undefined) {
      this.o.io.err(`supctl: unknown action '${command}' (try supctl --help)`);
      this.exitstatus = EXIT.INVALID_ARGS;
      return;
    }
    try {
      await action.call(this, args);
    } catch (error) {
      this.fail(error);
    }
    if (this.o.json) this.o.io.out(JSON.stringify(this.records, null, 2));
  }

  /** Turns a transport failure or an unexpected fault into one line and exit 1. */
  private fail(error: unknown): void {
    this.exitstatus = EXIT.GENERIC;
    const e = error as { name?: string; code?: string; status?: number };
    if (e.name === 'RpcConnectionError') this.o.io.err(this.connectionMessage(e.code ?? ''));
    else if (e.name === 'RpcHttpError' && e.status === 401) this.o.io.err('Server requires authentication');
    else if (error instanceof Fault) this.o.io.err(`error: ${error.faultString}`);
    else this.o.io.err(`error: ${(error as Error).message}`);
  }

  private connectionMessage(code: string): string {
    return describeConnectionFailure(code, this.o.serverUrl, this.o.serverSource);
  }

  private output(line: string): void {
    if (!this.o.json) this.o.io.out(line);
  }

  private record(value: unknown): void {
    this.records.push(value);
  }

  /** What the job actions (job-commands.ts) use of this controller. */
  jobContext(): JobContext {
    const { io } = this.o;
    return {
      rpc: this.o.rpc,
      serverUrl: this.o.serverUrl,
      json: this.o.json,
      output: (line) => this.output(line),
      record: (value) => this.record(value),
      err: (line) => io.err(line),
      writeRaw: (fd, data) => {
        if (io.writeRaw !== undefined) return io.writeRaw(fd, data);
        if (fd === 1) io.write(Buffer.from(data).toString('utf8'));
        else io.err(Buffer.from(data).toString('utf8').replace(/\n$/, ''));
        return true;
      },
      setExit: (code) => {
        this.exitstatus = code;
      },
      signal: this.o.signal,
      cursors: this.o.cursors,
      stdin: this.o.stdin,
      openRpc: this.o.openRpc,
    };
  }

  private call(method: string, ...params: XmlRpcValue[]): Promise<XmlRpcValue> {
    return this.o.rpc.call(method, params);
  }

  /** supervisorctl set_exitstatus_from_xmlrpc_fault. */
  private exitFromFault(code: number, ignored?: number): void {
    if (code === ignored || code === FAULTS.SUCCESS) return;
    this.exitstatus = DEAD_PROGRAM_FAULTS.includes(code) ? EXIT.NOT_RUNNING : EXIT.GENERIC;
  }

  /** supervisorctl upcheck(): the server answers with API 3.0, or we say why not. */
  async upcheck(): Promise<boolean> {
    try {
      const api = await this.call('supervisor.getVersion');
      if (api !== API_VERSION) {
        this.o.io.err(`Sorry, this version of supctl expects to talk to a server with API version ${API_VERSION}, but the remote version is ${String(api)}.`);
        this.exitstatus = EXIT.NOT_INSTALLED;
        return false;
      }
      return true;
    } catch (error) {
      if (error instanceof Fault && error.faultCode === FAULTS.UNKNOWN_METHOD) {
        this.o.io.err('Sorry, the server responded but did not recognize the supervisor namespace commands');
        this.exitstatus = EXIT.UNIMPLEMENTED_FEATURE;
        return false;
      }
      const e = error as { name?: string; code?: string };
      if (e.name === 'RpcConnectionError' && (e.code === 'ECONNREFUSED' || e.code === 'ENOENT')) {
        this.o.io.err(this.connectionMessage(e.code));
        // supervisorctl: refused -> 4 (INSUFFICIENT_PRIVILEGES), no socket file -> 7 (NOT_RUNNING).
        this.exitstatus = e.code === 'ECONNREFUSED' ? EXIT.INSUFFICIENT_PRIVILEGES : EXIT.NOT_RUNNING;
        return false;
      }
      throw error;
    }
  }

  // --- actions -----------------------------------------------------------------------------------

  async status(input: readonly string[]): Promise<void> {
    const verbose = readVerbose(input);
    if (verbose === null) {
      this.o.io.err('Error: --lines needs a number from 0 to 1000');
      this.exitstatus = EXIT.INVALID_ARGS;
      return;
    }
    const args = verbose.args;
    if (!(await this.upcheck())) {
      // supervisorctl: status exits 4 when the server refused or has no socket file.
      this.exitstatus = EXIT.STATUS_UNKNOWN;
      return;
    }
    if (verbose.isVerbose) return this.statusVerbose(args, verbose.lines);
    const all = (await this.call('supervisor.getAllProcessInfo')) as unknown as ProcessInfoView[];
    let matching: ProcessInfoView[];
    if (args.length === 0 || args.includes('all')) {
      matching = all;
    } else {
      matching = [];
      for (const name of args) {
        const { group, process } = splitNamespec(name);
        const found = all.filter((i) => i.group === group && (process === null || i.name === process));
        if (found.length === 0) {
          this.output(process === null ? `${group}: ERROR (no such group)` : `${name}: ERROR (no such process)`);
          this.record({ name, error: process === null ? 'no such group' : 'no such process' });
          this.exitstatus = EXIT.STATUS_UNKNOWN;
        }
        matching.push(...found);
      }
    }
    for (const line of formatStatusLines(matching, this.o.color)) this.output(line);
    for (const info of matching) this.record(info);
    if (matching.some((i) => STOPPED_STATE_CODES.includes(i.state))) this.exitstatus = EXIT.STATUS_NOT_RUNNING;
  }

  /** status -v: one supd.processStatus request per name (every process when none is named). */
  private async statusVerbose(args: readonly string[], lines: number): Promise<void> {
    let names = [...args];
    if (names.length === 0 || names.includes('all')) {
      const all = (await this.call('supervisor.getAllProcessInfo')) as unknown as ProcessInfoView[];
      names = all.map((i) => makeNamespec(i.group, i.name));
    }
    const now = this.o.now?.() ?? Date.now() / 1000;
    for (const [index, name] of names.entries()) {
      let report: ProcessStatusReport;
      try {
        report = (await this.call('supd.processStatus', name, lines)) as unknown as ProcessStatusReport;
      } catch (error) {
        if (!(error instanceof Fault)) throw error;
        if (error.faultCode === FAULTS.UNKNOWN_METHOD) {
          this.o.io.err('Error: status -v needs supd (supd.processStatus); this server does not have it');
          this.exitstatus = EXIT.UNIMPLEMENTED_FEATURE;
          return;
        }
        const message = error.faultCode === FAULTS.BAD_NAME ? 'no such process' : error.faultString;
        this.output(`${name}: ERROR (${message})`);
        this.record({ name, error: message });
        this.exitstatus = EXIT.STATUS_UNKNOWN;
        continue;
      }
      if (index > 0) this.output('');
      for (const line of formatProcessStatus(report, now)) this.output(line);
      this.record(report);
      const statename = report.kind === 'program' ? report.statename : report.program.statename;
      if (['STOPPED', 'EXITED', 'FATAL', 'UNKNOWN'].includes(statename) && this.exitstatus === EXIT.SUCCESS) {
        this.exitstatus = EXIT.STATUS_NOT_RUNNING;
      }
    }
  }

  private showResults(results: readonly ResultView[], format: (r: ResultView) => string, ignored?: number): void {
    for (const result of results) {
      this.output(format(result));
      this.record(result);
      this.exitFromFault(result.status, ignored);
    }
  }

  async start(args: readonly string[]): Promise<void> {
    if (!(await this.upcheck())) return;
    if (args.length === 0) {
      this.o.io.err('Error: start requires a process name');
      this.exitstatus = EXIT.INVALID_ARGS;
      return;
    }
    if (args.includes('all')) {
      const results = (await this.call('supervisor.startAllProcesses')) as unknown as ResultView[];
      this.showResults(results, formatStartResult, FAULTS.ALREADY_STARTED);
      return;
    }
    for (const name of args) {
      const { group, process } = splitNamespec(name);
      if (process === null) {
        try {
          const results = (await this.call('supervisor.startProcessGroup', group)) as unknown as ResultView[];
          this.showResults(results, formatStartResult, FAULTS.ALREADY_STARTED);
        } catch (error) {
          if (!(error instanceof Fault) || error.faultCode !== FAULTS.BAD_NAME) throw error;
          this.output(`${group}: ERROR (no such group)`);
          this.record({ name: group, group, status: error.faultCode, description: error.faultString });
          this.exitstatus = EXIT.INVALID_ARGS;
        }
        continue;
      }
      const result = await this.single(() => this.call('supervisor.startProcess', name), group, process);
      this.showResults([result], formatStartResult, FAULTS.ALREADY_STARTED);
    }
  }

  /** One process command: its fault, or SUCCESS, as a result row. */
  private async single(send: () => Promise<XmlRpcValue>, group: string, name: string): Promise<ResultView> {
    try {
      await send();
      return { name, group, status: FAULTS.SUCCESS, description: 'OK' };
    } catch (error) {
      if (!(error instanceof Fault)) throw error;
      return { name, group, status: error.faultCode, description: error.faultString };
    }
  }

  async stop(args: readonly string[]): Promise<void> {
    if (!(await this.upcheck())) return;
    if (args.length === 0) {
      this.o.io.err('Error: stop requires a process name');
      this.exitstatus = EXIT.GENERIC;
      return;
    }
    if (args.includes('all')) {
      const results = (await this.call('supervisor.stopAllProcesses')) as unknown as ResultView[];
      this.showResults(results, formatStopResult, FAULTS.NOT_RUNNING);
      return;
    }
    for (const name of args) {
      const { group, process } = splitNamespec(name);
      if (process === null) {
        try {
          const results = (await this.call('supervisor.stopProcessGroup', group)) as unknown as ResultView[];
          this.showResults(results, formatStopResult, FAULTS.NOT_RUNNING);
        } catch (error) {
          if (!(error instanceof Fault) || error.faultCode !== FAULTS.BAD_NAME) throw error;
          this.exitstatus = EXIT.GENERIC;
          this.output(`${group}: ERROR (no such group)`);
          this.record({ name: group, group, status: error.faultCode, description: error.faultString });
        }
        continue;
      }
      const result = await this.single(() => this.call('supervisor.stopProcess', name), group, process);
      this.showResults([result], formatStopResult, FAULTS.NOT_RUNNING);
    }
  }

  async restart(args: readonly string[]): Promise<void> {
    if (!(await this.upcheck())) return;
    if (args.length === 0) {
      this.o.io.err('Error: restart requires a process name');
      this.exitstatus = EXIT.GENERIC;
      return;
    }
    await this.stop(args);
    await this.start(args);
  }

  async signal(args: readonly string[]): Promise<void> {
    if (!(await this.upcheck())) return;
    if (args.length < 2) {
      this.o.io.err('Error: signal requires a signal name and a process name');
      this.exitstatus = EXIT.GENERIC;
      return;
    }
    const [sig = '', ...names] = args;
    if (names.includes('all')) {
      const results = (await this.call('supervisor.signalAllProcesses', sig)) as unknown as ResultView[];
      this.showResults(results, (r) => formatSignalResult(r));
      return;
    }
    for (const name of names) {
      const { group, process } = splitNamespec(name);
      if (process === null) {
        try {
          const results = (await this.call('supervisor.signalProcessGroup', group, sig)) as unknown as ResultView[];
          this.showResults(results, (r) => formatSignalResult(r));
        } catch (error) {
          if (!(error instanceof Fault) || error.faultCode !== FAULTS.BAD_NAME) throw error;
          this.output(`${group}: ERROR (no such group)`);
          this.record({ name: group, group, status: error.faultCode, description: error.faultString });
          this.exitstatus = EXIT.GENERIC;
        }
        continue;
      }
      const result = await this.single(() => this.call('supervisor.signalProcess', name, sig), group, process);
      this.showResults([result], (r) => formatSignalResult(r));
    }
  }

  async pid(args: readonly string[]): Promise<void> {
    if (!(await this.upcheck())) return;
    if (args.length === 0) {
      const pid = await this.call('supervisor.getPID');
      this.output(String(pid));
      this.record({ name: null, pid });
      return;
    }
    if (args.includes('all')) {
      for (const info of (await this.call('supervisor.getAllProcessInfo')) as unknown as ProcessInfoView[]) {
        this.output(String(info.pid));
        this.record({ name: makeNamespec(info.group, info.name), pid: info.pid });
      }
      return;
    }
    for (const name of args) {
      try {
        const info = (await this.call('supervisor.getProcessInfo', name)) as unknown as ProcessInfoView;
        this.output(String(info.pid));
        this.record({ name, pid: info.pid });
        if (info.pid === 0) this.exitstatus = EXIT.NOT_RUNNING;
      } catch (error) {
        if (!(error instanceof Fault) || error.faultCode !== FAULTS.BAD_NAME) throw error;
        this.exitstatus = EXIT.GENERIC;
        this.output(`No such process ${name}`);
        this.record({ name, error: 'no such process' });
      }
    }
  }

  private logFault(error: unknown, name: string): void {
    if (!(error instanceof Fault)) throw error;
    this.exitstatus = EXIT.GENERIC;
    const why =
      error.faultCode === FAULTS.NO_FILE ? 'no log file'
      : error.faultCode === FAULTS.FAILED ? 'unknown error reading log'
      : error.faultCode === FAULTS.BAD_NAME ? 'no such process name'
      : error.faultString;
    this.output(`${name}: ERROR (${why})`);
    this.record({ name, error: why });
  }

  /** `-f` or `-N` (bytes), as supervisorctl reads tail/maintail modifiers; null when malformed. */
  private modifier(arg: string | undefined): { follow: boolean; bytes: number } | null {
    if (arg === undefined) return { follow: false, bytes: 1600 };
    const what = arg.slice(1);
    if (what === 'f') return { follow: true, bytes: 0 };
    return /^\d+$/.test(what) ? { follow: false, bytes: Number(what) } : null;
  }

  async tail(input: readonly string[]): Promise<void> {
    if (!(await this.upcheck())) return;
    const args = [...input];
    if (args.length < 1 || args.length > 3) {
      this.o.io.err(`Error: too ${args.length < 1 ? 'few' : 'many'} arguments`);
      this.exitstatus = EXIT.GENERIC;
      return;
    }
    const modifierArg = args[0]?.startsWith('-') ? args.shift() : undefined;
    if (args.length === 0) {
      this.o.io.err('Error: tail requires process name');
      this.exitstatus = EXIT.GENERIC;
      return;
    }
    const name = args[0] as string;
    const channel = args.length === 1 ? 'stdout' : (args[args.length - 1] as string).toLowerCase();
    if (channel !== 'stdout' && channel !== 'stderr') {
      this.o.io.err(`Error: bad channel '${channel}'`);
      this.exitstatus = EXIT.GENERIC;
      return;
    }
    const modifier = this.modifier(modifierArg);
    if (modifier === null) {
      this.o.io.err(`Error: bad argument ${modifierArg ?? ''}`);
      this.exitstatus = EXIT.GENERIC;
      return;
    }
    if (modifier.follow) return this.follow(`/logtail/${name}/${channel}`, name);
    try {
      const method = channel === 'stdout' ? 'supervisor.readProcessStdoutLog' : 'supervisor.readProcessStderrLog';
      const text = (await this.call(method, name, -modifier.bytes, 0)) as string;
      this.output(text);
      this.record({ name, channel, text });
    } catch (error) {
      this.logFault(error, name);
    }
  }

  private async follow(path: string, name: string): Promise<void> {
    if (!this.o.json) this.o.io.out('==> Press Ctrl-C to exit <==');
    try {
      await this.o.rpc.follow(path, (chunk) => this.o.io.write(chunk.toString('utf8')), this.o.signal);
    } catch (error) {
      const e = error as { name?: string; status?: number };
      if (e.name === 'RpcHttpError' && e.status === 404) {
        this.o.io.err(`${name}: ERROR (no such process or no log file)`);
        this.exitstatus = EXIT.GENERIC;
        return;
      }
      throw error;
    }
  }

  async maintail(args: readonly string[]): Promise<void> {
    if (!(await this.upcheck())) return;
    if (args.length > 1) {
      this.o.io.err('Error: too many arguments');
      this.exitstatus = EXIT.GENERIC;
      return;
    }
    const modifier = args[0] === undefined || args[0].startsWith('-') ? this.modifier(args[0]) : null;
    if (modifier === null) {
      this.o.io.err(`Error: bad argument ${args[0] ?? ''}`);
      this.exitstatus = EXIT.GENERIC;
      return;
    }
    if (modifier.follow) return this.follow('/mainlogtail', 'supervisord');
    try {
      const text = (await this.call('supervisor.readLog', -modifier.bytes, 0)) as string;
      this.output(text);
      this.record({ name: 'supervisord', text });
    } catch (error) {
      this.logFault(error, 'supervisord');
    }
  }

  private noArguments(action: string, args: readonly string[]): boolean {
    if (args.length === 0) return true;
    this.o.io.err(`Error: ${action} accepts no arguments`);
    this.exitstatus = EXIT.GENERIC;
    return false;
  }

  private shuttingDown(error: unknown, message: string): void {
    if (!(error instanceof Fault) || error.faultCode !== FAULTS.SHUTDOWN_STATE) throw error;
    this.exitstatus = EXIT.GENERIC;
    this.output(message);
  }

  async avail(args: readonly string[]): Promise<void> {
    if (!this.noArguments('avail', args)) return;
    try {
      for (const info of (await this.call('supervisor.getAllConfigInfo')) as unknown as ConfigInfoView[]) {
        this.output(formatConfigInfo(info));
        this.record(info);
      }
    } catch (error) {
      this.shuttingDown(error, 'ERROR: supervisor shutting down');
    }
  }

  async reread(args: readonly string[]): Promise<void> {
    if (!this.noArguments('reread', args)) return;
    try {
      const [[added, changed, removed]] = (await this.call('supervisor.reloadConfig')) as unknown as [[string[], string[], string[]]];
      for (const line of formatChanges(added, changed, removed)) this.output(line);
      this.record({ added, changed, removed });
    } catch (error) {
      if (error instanceof Fault && error.faultCode === FAULTS.CANT_REREAD) {
        this.exitstatus = EXIT.GENERIC;
        this.output(`ERROR: ${error.faultString}`);
        return;
      }
      this.shuttingDown(error, 'ERROR: supervisor shutting down');
    }
  }

  async add(args: readonly string[]): Promise<void> {
    for (const name of args) {
      try {
        await this.call('supervisor.addProcessGroup', name);
        this.output(`${name}: added process group`);
        this.record({ name, result: 'added' });
      } catch (error) {
        if (!(error instanceof Fault)) throw error;
        this.record({ name, error: error.faultString });
        if (error.faultCode === FAULTS.SHUTDOWN_STATE) {
          this.output('ERROR: shutting down');
          this.exitstatus = EXIT.GENERIC;
        } else if (error.faultCode === FAULTS.ALREADY_ADDED) {
          this.output('ERROR: process group already active');
        } else if (error.faultCode === FAULTS.BAD_NAME) {
          this.output(`ERROR: no such process/group: ${name}`);
          this.exitstatus = EXIT.GENERIC;
        } else {
          throw error;
        }
      }
    }
  }

  async remove(args: readonly string[]): Promise<void> {
    for (const name of args) {
      try {
        await this.call('supervisor.removeProcessGroup', name);
        this.output(`${name}: removed process group`);
        this.record({ name, result: 'removed' });
      } catch (error) {
        if (!(error instanceof Fault)) throw error;
        this.exitstatus = EXIT.GENERIC;
        this.record({ name, error: error.faultString });
        if (error.faultCode === FAULTS.STILL_RUNNING) this.output(`ERROR: process/group still running: ${name}`);
        else if (error.faultCode === FAULTS.BAD_NAME) this.output(`ERROR: no such process/group: ${name}`);
        else throw error;
      }
    }
  }

  async update(args: readonly string[]): Promise<void> {
    const log = (name: string, message: string): void => {
      this.output(`${name}: ${message}`);
      this.record({ name, result: message });
    };
    let diff: [string[], string[], string[]];
    try {
      [diff] = (await this.call('supervisor.reloadConfig')) as unknown as [[string[], string[], string[]]];
    } catch (error) {
      return this.shuttingDown(error, 'ERROR: already shutting down');
    }
    const [added, changed, removed] = diff;
    // "all" means the same as no names.
    const wanted = new Set(args.includes('all') ? [] : args);
    if (wanted.size > 0) {
      const groups = new Set(((await this.call('supervisor.getAllProcessInfo')) as unknown as ProcessInfoView[]).map((i) => i.group));
      for (const name of added) groups.add(name);
      for (const name of wanted) {
        if (!groups.has(name)) {
          this.output(`ERROR: no such group: ${name}`);
          this.exitstatus = EXIT.GENERIC;
        }
      }
    }
    const selected = (name: string): boolean => wanted.size === 0 || wanted.has(name);
    for (const name of removed.filter(selected)) {
      const results = (await this.call('supervisor.stopProcessGroup', name)) as unknown as ResultView[];
      log(name, 'stopped');
      if (results.some((r) => r.status === FAULTS.FAILED)) {
        log(name, 'has problems; not removing');
        this.exitstatus = EXIT.GENERIC;
        continue;
      }
      await this.call('supervisor.removeProcessGroup', name);
      log(name, 'removed process group');
    }
    for (const name of changed.filter(selected)) {
      await this.call('supervisor.stopProcessGroup', name);
      log(name, 'stopped');
      await this.call('supervisor.removeProcessGroup', name);
      await this.call('supervisor.addProcessGroup', name);
      log(name, 'updated process group');
    }
    for (const name of added.filter(selected)) {
      await this.call('supervisor.addProcessGroup', name);
      log(name, 'added process group');
    }
  }

  async clear(args: readonly string[]): Promise<void> {
    if (!(await this.upcheck())) return;
    if (args.length === 0) {
      this.o.io.err('Error: clear requires a process name');
      this.exitstatus = EXIT.GENERIC;
      return;
    }
    if (args.includes('all')) {
      const results = (await this.call('supervisor.clearAllProcessLogs')) as unknown as ResultView[];
      this.showResults(results, formatClearResult);
      return;
    }
    for (const name of args) {
      const { group, process } = splitNamespec(name);
      const result = await this.single(() => this.call('supervisor.clearProcessLogs', name), group, process ?? group);
      this.showResults([result], formatClearResult);
    }
  }

  async reload(args: readonly string[]): Promise<void> {
    if (!this.noArguments('reload', args)) return;
    try {
      await this.call('supervisor.restart');
      this.output('Restarted supervisord');
      this.record({ result: 'restarted' });
    } catch (error) {
      this.shuttingDown(error, 'ERROR: already shutting down');
    }
  }

  async shutdown(args: readonly string[]): Promise<void> {
    if (!this.noArguments('shutdown', args)) return;
    try {
      await this.call('supervisor.shutdown');
      this.output('Shut down');
      this.record({ result: 'shut down' });
    } catch (error) {
      const e = error as { name?: string; code?: string };
      if (e.name === 'RpcConnectionError' && (e.code === 'ECONNREFUSED' || e.code === 'ENOENT')) {
        this.exitstatus = EXIT.GENERIC;
        this.o.io.err(`${this.connectionMessage(e.code)} (already shut down?)`);
        return;
      }
      // supervisorctl prints this but keeps exit 0 for a server already shutting down.
      if (error instanceof Fault && error.faultCode === FAULTS.SHUTDOWN_STATE) return this.output('ERROR: already shutting down');
      throw error;
    }
  }

  async version(args: readonly string[]): Promise<void> {
    if (!this.noArguments('version', args)) return;
    if (!(await this.upcheck())) return;
    const version = await this.call('supervisor.getSupervisorVersion');
    this.output(String(version));
    this.record({ version });
  }

  /** supd's running jobs as `tree` rows (job:ID); none from a server without jobs (supervisord). */
  private async runningJobs(): Promise<{ name: string; group: string; statename: string; pid: number; start: number }[]> {
    try {
      const list = (await this.call('supd.listJobs')) as unknown as { id: string; state: string; pid: number; start: number }[];
      return list
        .filter((job) => job.state === 'running')
        .map((job) => ({ name: job.id, group: 'job', statename: 'RUNNING', pid: job.pid, start: job.start }));
    } catch (error) {
      if (error instanceof Fault && error.faultCode === FAULTS.UNKNOWN_METHOD) return [];
      throw error;
    }
  }

  /**
   * Processes that belong to a program although their parent died: supd adopted them (their
   * parent is supd), and their environment names the program. By namespec.
   */
  private async adoptedOrphans(all: readonly ProcessInfoView[], table: ProcTable): Promise<Map<string, number[]>> {
    const adopted = new Map<string, number[]>();
    const programOf = this.o.programOfProcess;
    if (programOf === undefined || table.size === 0) return adopted;
    const supdPid = Number(await this.call('supervisor.getPID'));
    const mains = new Set(all.map((i) => i.pid));
    for (const entry of table.values()) {
      if (entry.ppid !== supdPid || mains.has(entry.pid)) continue;
      const program = programOf(entry.pid);
      if (program === null) continue;
      const key = `${program.group}:${program.name}`;
      adopted.set(key, [...(adopted.get(key) ?? []), entry.pid]);
    }
    return adopted;
  }

  async tree(args: readonly string[]): Promise<void> {
    if (!(await this.upcheck())) return;
    const all = (await this.call('supervisor.getAllProcessInfo')) as unknown as (ProcessInfoView & { start: number; now: number })[];
    const matching = args.length === 0 || args.includes('all')
      ? all
      : all.filter((i) => args.some((a) => {
          const { group, process } = splitNamespec(a);
          return i.group === group && (process === null || i.name === process);
        }));
    const table = this.o.readProcTable?.() ?? new Map();
    const serverPid = Number(await this.call('supervisor.getPID'));
    if (isOtherPidNamespace(all, table, serverPid)) {
      // Its pids name other processes here: showing them would show unrelated trees.
      this.o.io.err(
        `supctl: tree: the server (pid ${serverPid} in its own PID namespace) runs in another PID namespace than supctl, ` +
          "so its programs' pids mean other processes here; run supctl tree inside its container (docker exec CONTAINER supctl tree)",
      );
      this.exitstatus = EXIT.GENERIC;
      return;
    }
    const now = this.o.now?.() ?? Date.now() / 1000;
    const jobs = args.length === 0 || args.includes('all') ? await this.runningJobs() : [];
    const { lines, json } = formatTree([...matching, ...jobs], table, now, await this.adoptedOrphans(all, table));
    for (const line of lines) this.output(line);
    for (const row of json) this.record(row);
  }
}

type Action = (this: Controller, args: readonly string[]) => Promise<void>;

/** `-v`/`--verbose` and `--lines N` among status's words; null when --lines is malformed. */
function readVerbose(input: readonly string[]): { isVerbose: boolean; lines: number; args: string[] } | null {
  let isVerbose = false;
  let lines = 10;
  const args: string[] = [];
  for (let i = 0; i < input.length; i++) {
    const word = input[i]!;
    if (word === '-v' || word === '--verbose') isVerbose = true;
    else if (word === '--lines' || word === '-n' || word.startsWith('--lines=')) {
      const value = word.startsWith('--lines=') ? word.slice(8) : input[++i];
      if (value === undefined || !/^\d+$/.test(value) || Number(value) > 1000) return null;
      lines = Number(value);
    } else args.push(word);
  }
  return { isVerbose, lines, args };
}

const ACTIONS: Readonly<Record<string, Action>> = Object.fromEntries(
  Object.keys(COMMANDS).map((name) => {
    const jobAction = JOB_ACTIONS[name] ?? HEALTH_ACTIONS[name];
    if (jobAction !== undefined) return [name, function (this: Controller, args: readonly string[]) { return jobAction(this.jobContext(), args); }];
    return [name, (Controller.prototype as unknown as Record<string, Action>)[name] as Action];
  }),
);

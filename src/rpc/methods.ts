/**
 * Every supervisor.* and system.* method of supervisord 4.2.5 (rpcinterface.py, xmlrpc.py), one
 * function each, written against SupervisorPort: same argument forms, returned structs, faults
 * and wait=true semantics (waits follow the port's state subscription, never polling). A method
 * returns a value or throws Fault. No XML and no sockets here: see xmlrpc-codec.ts, http-server.ts.
 */
import { RUNNING_STATES, SIGNALLABLE_STATES, STOPPED_STATES, SUPERVISOR_STATES } from '../core/states.js';
import type { ProcessStateName } from '../core/states.js';
import { Fault, FAULTS } from './faults.js';
import { createJobMethods, JOB_METHOD_DOCS } from './job-methods.js';
import type { JobsPort } from './jobs-port.js';
import { NODE_LOG_FILES, readLogRange, tailLog, type LogFiles } from './log-files.js';
import { METHOD_DOCS, type MethodDoc } from './method-docs.js';
import { makeNamespec, splitNamespec } from './namespec.js';
import { cappedInt, processInfo } from './process-info.js';
import { pythonInt, pythonStr, pythonTruth } from './python-values.js';
import { signalNumber } from './signal-number.js';
import { signalNumberOf as configSignalNumber } from '../config/values.js';
import type { GroupSnapshot, ProcessSnapshot, Refusal, SupervisorPort } from './supervisor-port.js';
import { EncodedValue, encodeValue, isXmlRpcStruct, type XmlRpcStruct, type XmlRpcValue } from './xmlrpc-codec.js';

/** supervisord's rpcinterface.API_VERSION; supervisorctl refuses servers that report another. */
export const API_VERSION = '3.0';

/**
 * Methods supd adds to supervisord's API, documented in docs/rpc.md. They are left out of
 * system.listMethods so that it answers exactly as supervisord's does.
 */
export const SUPD_EXTENSIONS: Readonly<Record<string, MethodDoc>> = {
  'supd.shutdown': {
    help: 'Shut supd down as supervisor.shutdown does, then exit with the given code (default 0): how an event listener stops the container with a failure status.',
    signature: ['boolean', 'int'],
  },
  ...JOB_METHOD_DOCS,
  'supd.getReadiness': {
    help: 'Whether supd is ready, as /readyz and `supctl health` say: every process that should be running (or those the names select) is RUNNING and not unhealthy. Returns {ready, not_ready: [{name, why}]}; BAD_NAME for a name that selects nothing.',
    signature: ['struct', 'array'],
  },
  'supd.processStatus': {
    help: 'One process as `supctl status NAME -v` shows it: state and health with since-when, pid, uptime, command, restarts by reason and the last three, memory and CPU of its process tree, the tree, and the last lines of each stream (default 10). NAME may also be a process running inside a program (found by name in the programs\' trees). BAD_NAME when nothing has that name.',
    signature: ['struct', 'string', 'int'],
  },
};

export interface RpcMethodsOptions {
  /** Log file access for the read/tail methods; the real files by default. */
  readonly files?: LogFiles;
  /** The clock for getProcessInfo's `now`, in Unix seconds. */
  readonly now?: () => number;
  /** supd's jobs (`supctl run`); without it the supd.*Job* methods are unknown. */
  readonly jobs?: JobsPort;
  /** The largest answer the server sends; a multicall whose results pass it faults. Defaults to DEFAULT_MAX_ANSWER_BYTES. */
  readonly maxAnswerBytes?: number;
}

/** Cap on one XML-RPC answer; supervisord has none (a 2.3 MB multicall answered 101 MB). */
export const DEFAULT_MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** The FAILED fault that replaces an answer of `bytes` over `limit`. */
export class AnswerTooLarge extends Fault {
  constructor(
    readonly bytes: number,
    limit: number,
    atLeast = false,
  ) {
    super(FAULTS.FAILED, `FAILED: the answer of ${atLeast ? 'more than ' : ''}${bytes} bytes is over supd's limit of ${limit} bytes; ask for less at a time`);
  }
}

/** Calls a method by its XML-RPC name, as supervisord's traverse() does. */
export interface RpcDispatcher {
  /** Resolves to the method's value, or rejects with Fault (any other error is a bug: HTTP 500). */
  call(methodName: string, params: readonly XmlRpcValue[]): Promise<XmlRpcValue>;
}

type Params = readonly XmlRpcValue[];

interface MethodSpec {
  /** Required parameters, then optional ones (supervisord raises INCORRECT_PARAMETERS otherwise). */
  readonly min: number;
  readonly max: number;
  /** False for the few supervisor.* methods that skip supervisord's _update() mood check. */
  readonly checksMood?: boolean;
  readonly run: (params: Params) => Promise<XmlRpcValue> | XmlRpcValue;
}

/** A result row of the *All and *Group methods (rpcinterface.py make_allfunc). */
interface AllResult extends XmlRpcStruct {
  readonly name: string;
  readonly group: string;
  readonly status: number;
  readonly description: string;
}

/**
 * What a process-level command left to do: nothing, or a wait that settles with true or a Fault
 * (boxed, because an async function cannot resolve to a promise).
 */
type Pending = undefined | { readonly done: Promise<true> };

/** A subscription to one process, opened before a command so no transition is missed. */
interface Watch {
  /** Settles with true once `decide` returns true for a snapshot, or with what it throws. */
  until(decide: (p: ProcessSnapshot) => boolean): Promise<true>;
  /** Drops the subscription when no wait follows. */
  cancel(): void;
}

export function createRpcMethods(port: SupervisorPort, options: RpcMethodsOptions = {}): RpcDispatcher {
  const files = options.files ?? NODE_LOG_FILES;
  const now = options.now ?? ((): number => Date.now() / 1000);
  const maxAnswerBytes = options.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES;

  // --- lookups ------------------------------------------------------------------------------

  function findGroup(name: string): GroupSnapshot | undefined {
    return port.groups().find((g) => g.name === name);
  }

  /** rpcinterface.py _getGroupAndProcess: BAD_NAME unless the group (and process, if named) exist. */
  function resolve(namespec: string): { group: GroupSnapshot; process: ProcessSnapshot | null } {
    const { group: groupName, process: processName } = splitNamespec(namespec);
    const group = findGroup(groupName);
    if (group === undefined) throw Fault.of('BAD_NAME', namespec);
    if (processName === null) return { group, process: null };
    const process = group.processes.find((p) => p.name === processName);
    if (process === undefined) throw Fault.of('BAD_NAME', namespec);
    return { group, process };
  }

  function resolveProcess(namespec: string): ProcessSnapshot {
    const { process } = resolve(namespec);
    if (process === null) throw Fault.of('BAD_NAME', namespec);
    return process;
  }

  function current(group: string, name: string): ProcessSnapshot | undefined {
    return port.process(group, name);
  }

  /** Every active process in priority order, or by group then process name when `lexical`. */
  function allProcesses(lexical = false): ProcessSnapshot[] {
    const groups = [...port.groups()];
    if (!lexical) return groups.flatMap((g) => g.processes);
    const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    return groups.sort(byName).flatMap((g) => [...g.processes].sort(byName));
  }

  function refuse(refusal: Refusal | undefined, detail: string): void {
    if (refusal !== undefined) throw Fault.of(refusal.fault, refusal.detail ?? detail);
  }

  // One port subscription however many waits are in flight, each told only of its own process:
  // the port builds a snapshot per subscriber per transition, so stopAllProcesses(wait) of 500
  // programs with a subscription each built 500 snapshots per transition.
  const watchers = new Map<string, Set<(p: ProcessSnapshot) => void>>();
  let unsubscribePort: (() => void) | null = null;
  const watchKey = (group: string, name: string): string => `${group}\0${name}`;

  function onChange(group: string, name: string, listener: (p: ProcessSnapshot) => void): () => void {
    const key = watchKey(group, name);
    let set = watchers.get(key);
    if (set === undefined) watchers.set(key, (set = new Set()));
    set.add(listener);
    unsubscribePort ??= port.subscribe((p) => {
      const interested = watchers.get(watchKey(p.group, p.name));
      if (interested !== undefined) for (const l of [...interested]) l(p);
    });
    return () => {
      const listeners = watchers.get(key);
      if (listeners === undefined || !listeners.delete(listener)) return;
      if (listeners.size === 0) watchers.delete(key);
      if (watchers.size === 0 && unsubscribePort !== null) {
        unsubscribePort();
        unsubscribePort = null;
      }
    };
  }

  /**
   * Waits until `decide` settles on a snapshot of group:name. Subscribed before the command is
   * sent (call `begin` first), so no transition between the command and the wait is missed.
   */
  function watch(group: string, name: string): Watch {
    const seen: ProcessSnapshot[] = [];
    let wake: (() => void) | undefined;
    const unsubscribe = onChange(group, name, (p) => {
      seen.push(p);
      wake?.();
    });
    return {
      cancel: unsubscribe,
      async until(decide) {
        try {
          const latest = current(group, name);
          if (latest !== undefined) seen.push(latest);
          for (;;) {
            while (seen.length > 0) {
              if (decide(seen.shift() as ProcessSnapshot)) return true;
            }
            await new Promise<void>((resolve) => (wake = resolve));
          }
        } finally {
          unsubscribe();
        }
      },
    };
  }

  // --- process commands, split as supervisord splits them into a call and a deferred --------

  async function beginStart(process: ProcessSnapshot, namespec: string, wait: boolean): Promise<Pending> {
    // RUNNING_STATES: RUNNING, BACKOFF, STARTING.
    if (RUNNING_STATES.includes(process.state)) throw Fault.of('ALREADY_STARTED', namespec);
    if (process.state === 'UNKNOWN') throw Fault.of('FAILED', `${namespec} is in an unknown process state`);
    const w = watch(process.group, process.name);
    try {
      refuse(await port.startProcess(process.group, process.name), namespec);
      const after = current(process.group, process.name);
      // The spawn failed at once (supervisord checks spawnerr right after reap()).
      if (after?.spawnerr) throw Fault.of('SPAWN_ERROR', namespec);
      if (!wait || after?.state === 'RUNNING') {
        w.cancel();
        return undefined;
      }
    } catch (error) {
      w.cancel();
      throw error;
    }
    // rpcinterface.py startProcess onwait(): RUNNING ends it; leaving STARTING any other way fails.
    return { done: w.until((p) => {
      if (p.spawnerr) throw Fault.of('SPAWN_ERROR', namespec);
      if (p.state !== 'STARTING' && p.state !== 'RUNNING') throw Fault.of('ABNORMAL_TERMINATION', namespec);
      return p.state === 'RUNNING';
    }) };
  }

  async function beginStop(process: ProcessSnapshot, namespec: string, wait: boolean): Promise<Pending> {
    if (!RUNNING_STATES.includes(process.state)) throw Fault.of('NOT_RUNNING', namespec);
    const w = watch(process.group, process.name);
    try {
      refuse(await port.stopProcess(process.group, process.name), namespec);
      const after = current(process.group, process.name);
      if (!wait || after === undefined || STOPPED_STATES.includes(after.state)) {
        w.cancel();
        return undefined;
      }
    } catch (error) {
      w.cancel();
      throw error;
    }
    return { done: w.until((p) => STOPPED_STATES.includes(p.state)) };
  }

  async function doSignal(process: ProcessSnapshot, namespec: string, signal: XmlRpcValue): Promise<Pending> {
    const number = signalNumber(signal);
    if (number === null) throw Fault.of('BAD_SIGNAL', pythonStr(signal));
    if (!SIGNALLABLE_STATES.includes(process.state)) throw Fault.of('NOT_RUNNING', namespec);
    refuse(await port.signalProcess(process.group, process.name, number), namespec);
    return undefined;
  }

  async function doClear(process: ProcessSnapshot, namespec: string): Promise<Pending> {
    const refusal = await port.clearProcessLogs(process.group, process.name);
    // supervisord reports any I/O failure here as FAILED: name.
    if (refusal !== undefined) throw Fault.of('FAILED', namespec);
    return undefined;
  }

  /**
   * rpcinterface.py make_allfunc: run `begin` on every process `predicate` accepts; immediate
   * outcomes are listed first, in order, then deferred ones, also in order, once all have finished.
   */
  async function runAll(
    processes: readonly ProcessSnapshot[],
    predicate: (state: ProcessStateName) => boolean,
    begin: (process: ProcessSnapshot, namespec: string) => Promise<Pending>,
  ): Promise<AllResult[]> {
    const results: AllResult[] = [];
    const row = (p: ProcessSnapshot, status: number, description: string): AllResult => ({
      name: p.name, group: p.group, status, description,
    });
    const deferred: Promise<void>[] = [];
    // supervisord lists the deferred outcomes in the order its loop polls them done, which for
    // processes finishing within one pass of its loop is process order; supd lists them all in
    // process order, so a group's result does not depend on which child died a millisecond first.
    const settled: (AllResult | undefined)[] = [];
    for (const snapshot of processes) {
      const process = current(snapshot.group, snapshot.name) ?? snapshot;
      if (!predicate(process.state)) continue;
      const namespec = makeNamespec(process.group, process.name);
      let pending: Pending;
      try {
        pending = await begin(process, namespec);
      } catch (error) {
        if (!(error instanceof Fault)) throw error;
        results.push(row(process, error.faultCode, error.faultString));
        continue;
      }
      if (pending === undefined) {
        results.push(row(process, FAULTS.SUCCESS, 'OK'));
        continue;
      }
      const index = deferred.length;
      deferred.push(
        pending.done.then(
          () => void (settled[index] = row(process, FAULTS.SUCCESS, 'OK')),
          (error: unknown) => {
            if (!(error instanceof Fault)) throw error;
            settled[index] = row(process, error.faultCode, error.faultString);
          },
        ),
      );
    }
    await Promise.all(deferred);
    for (const result of settled) if (result !== undefined) results.push(result);
    return results;
  }

  const isRunning = (s: ProcessStateName): boolean => RUNNING_STATES.includes(s);
  const isSignallable = (s: ProcessStateName): boolean => SIGNALLABLE_STATES.includes(s);

  function groupProcesses(name: string): readonly ProcessSnapshot[] {
    const group = findGroup(name);
    if (group === undefined) throw Fault.of('BAD_NAME', name);
    return group.processes;
  }

  // --- the methods ------------------------------------------------------------------------------

  async function startProcess(name: string, wait: boolean): Promise<XmlRpcValue> {
    const { group, process } = resolve(name);
    if (process === null) return startProcessGroup(group.name, wait);
    const pending = await beginStart(process, name, wait);
    return pending === undefined ? true : pending.done;
  }

  function startProcessGroup(name: string, wait: boolean): Promise<AllResult[]> {
    return runAll(groupProcesses(name), (s) => !isRunning(s), (p, ns) => beginStart(p, ns, wait));
  }

  async function stopProcess(name: string, wait: boolean): Promise<XmlRpcValue> {
    const { group, process } = resolve(name);
    if (process === null) return stopProcessGroup(group.name, wait);
    const pending = await beginStop(process, name, wait);
    return pending === undefined ? true : pending.done;
  }

  function stopProcessGroup(name: string, wait: boolean): Promise<AllResult[]> {
    return runAll(groupProcesses(name), isRunning, (p, ns) => beginStop(p, ns, wait));
  }

  async function signalProcess(name: string, signal: XmlRpcValue): Promise<XmlRpcValue> {
    const { group, process } = resolve(name);
    if (process === null) return signalProcessGroup(group.name, signal);
    await doSignal(process, name, signal);
    return true;
  }

  function signalProcessGroup(name: string, signal: XmlRpcValue): Promise<AllResult[]> {
    return runAll(groupProcesses(name), isSignallable, (p, ns) => doSignal(p, ns, signal));
  }

  async function readProcessLog(name: string, offset: number, length: number, channel: 'stdout' | 'stderr'): Promise<string> {
    const process = resolveProcess(name);
    if (port.readProcessLog !== undefined) {
      const result = port.readProcessLog(process.group, process.name, channel, offset, length);
      if (result.ok) return result.data;
      throw Fault.of(result.fault, result.detail ?? null);
    }
    const logfile = channel === 'stdout' ? process.stdoutLogfile : process.stderrLogfile;
    if (logfile === null || (await files.size(logfile)) === null) throw Fault.of('NO_FILE', logfile);
    return readLogRange(files, logfile, offset, length);
  }

  async function tailProcessLog(name: string, offset: number, length: number, channel: 'stdout' | 'stderr'): Promise<XmlRpcValue> {
    const process = resolveProcess(name);
    if (port.tailProcessLog !== undefined) return [...port.tailProcessLog(process.group, process.name, channel, offset, length)];
    const logfile = channel === 'stdout' ? process.stdoutLogfile : process.stderrLogfile;
    if (logfile === null || (await files.size(logfile)) === null) return ['', 0, false];
    return tailLog(files, logfile, offset, length);
  }

  async function clearProcessLogs(name: string): Promise<true> {
    const process = resolveProcess(name);
    await doClear(process, name);
    return true;
  }

  function getAllConfigInfo(): XmlRpcStruct[] {
    const none = <T extends XmlRpcValue>(v: T | null): T | string => v ?? 'none';
    const rows = port.configInfo().map(({ config: c, groupPriority, inuse, uid, stdoutLogfile, stderrLogfile }) => ({
      autostart: c.autostart,
      directory: none(c.directory),
      uid: none(uid),
      command: c.command,
      exitcodes: [...c.exitCodes],
      group: c.groupName,
      group_prio: groupPriority,
      inuse,
      killasgroup: c.killAsGroup,
      name: c.name,
      process_prio: c.priority,
      redirect_stderr: c.redirectStderr,
      startretries: Number.isFinite(c.startRetries) ? c.startRetries : 2 ** 31 - 1, // infinite: XML-RPC has no infinity
      startsecs: c.startSecs,
      stdout_capture_maxbytes: c.stdout.captureMaxBytes,
      stdout_events_enabled: c.stdout.eventsEnabled,
      stdout_logfile: logfileWord(stdoutLogfile),
      stdout_logfile_backups: c.stdout.logfileBackups,
      stdout_logfile_maxbytes: c.stdout.logfileMaxBytes,
      stdout_syslog: c.stdout.syslog,
      stopsignal: signalNumberOf(c.stopSignal),
      stopwaitsecs: Math.round(c.stopWaitMs / 1000),
      stderr_capture_maxbytes: c.stderr.captureMaxBytes,
      stderr_events_enabled: c.stderr.eventsEnabled,
      stderr_logfile: logfileWord(stderrLogfile),
      stderr_logfile_backups: c.stderr.logfileBackups,
      stderr_logfile_maxbytes: c.stderr.logfileMaxBytes,
      stderr_syslog: c.stderr.syslog,
      serverurl: none(c.serverUrl),
    }));
    // supervisord sorts by process name only (a stable sort keeps config order for equal names).
    return rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Each result is encoded as soon as it comes and only its text is kept, and none once the texts
   * pass maxAnswerBytes: a multicall of 10,000 log reads never holds 100 MB of values and their
   * text. Every call still runs (a client that gets the fault cannot tell which did), then the
   * whole multicall faults.
   */
  function multicall(calls: Params): Promise<XmlRpcValue[]> {
    return (async () => {
      const results: XmlRpcValue[] = [];
      let bytes = 0;
      const keep = (result: XmlRpcValue): void => {
        const xml = encodeValue(result);
        bytes += Buffer.byteLength(xml, 'utf8');
        if (bytes > maxAnswerBytes) results.length = 0;
        else results.push(new EncodedValue(xml));
      };
      for (const call of calls) {
        try {
          if (!isXmlRpcStruct(call)) throw new TypeError('a call must be a struct');
          const name = call.methodName;
          if (name === undefined || name === null) throw Fault.of('INCORRECT_PARAMETERS', 'No methodName');
          if (typeof name !== 'string') {
            // traverse() calls name.split('.'): supervisord reports the AttributeError as FAILED.
            throw new Fault(FAULTS.FAILED, `FAILED: <class 'AttributeError'>:'${pythonTypeName(name)}' object has no attribute 'split'`);
          }
          if (name === 'system.multicall') throw Fault.of('INCORRECT_PARAMETERS', 'Recursive system.multicall forbidden');
          // supervisord appends each value as is, not wrapped in a one-item array (xmlrpc.py multicall).
          keep(await dispatch(name, spreadParams(call.params ?? [])));
        } catch (error) {
          keep(
            error instanceof Fault
              ? { faultCode: error.faultCode, faultString: error.faultString }
              : { faultCode: FAULTS.FAILED, faultString: `FAILED: ${(error as Error).message}` },
          );
        }
      }
      if (bytes > maxAnswerBytes) throw new AnswerTooLarge(bytes, maxAnswerBytes, true);
      return results;
    })();
  }

  const supervisor: Record<string, MethodSpec> = {
    getAPIVersion: { min: 0, max: 0, run: () => API_VERSION },
    getVersion: { min: 0, max: 0, run: () => API_VERSION },
    getSupervisorVersion: { min: 0, max: 0, run: () => port.version() },
    getIdentification: { min: 0, max: 0, run: () => port.identification() },
    getState: {
      min: 0, max: 0,
      run: () => {
        const statename = port.state();
        return { statecode: SUPERVISOR_STATES[statename], statename };
      },
    },
    getPID: { min: 0, max: 0, run: () => port.pid() },
    readLog: { min: 2, max: 2, run: (p) => readMainLog(int(p, 0), int(p, 1)) },
    readMainLog: { min: 2, max: 2, run: (p) => readMainLog(int(p, 0), int(p, 1)) },
    clearLog: {
      min: 0, max: 0,
      run: async () => {
        const refusal = await port.clearMainLog();
        if (refusal !== undefined) throw Fault.of(refusal.fault, refusal.detail);
        return true;
      },
    },
    shutdown: { min: 0, max: 0, run: () => (port.shutdown(), true) },
    restart: { min: 0, max: 0, run: () => (port.restart(), true) },
    reloadConfig: {
      min: 0, max: 0,
      run: async () => {
        const result = await port.reloadConfig();
        if (!result.ok) throw Fault.of('CANT_REREAD', result.error);
        // supervisord returns a one-item list: [[added, changed, removed]].
        return [[[...result.added], [...result.changed], [...result.removed]]];
      },
    },
    addProcessGroup: {
      min: 1, max: 1,
      run: async (p) => (refuse(await port.addProcessGroup(groupName(p, 0)), groupName(p, 0)), true),
    },
    removeProcessGroup: {
      min: 1, max: 1,
      run: async (p) => {
        const name = groupName(p, 0);
        if (findGroup(name) === undefined) throw Fault.of('BAD_NAME', name);
        refuse(await port.removeProcessGroup(name), name);
        return true;
      },
    },
    startProcess: { min: 1, max: 2, run: (p) => startProcess(str(p, 0), bool(p, 1, true)) },
    startProcessGroup: { min: 1, max: 2, run: (p) => startProcessGroup(groupName(p, 0), bool(p, 1, true)) },
    startAllProcesses: {
      min: 0, max: 1,
      run: (p) => {
        const wait = bool(p, 0, true);
        return runAll(allProcesses(), (s) => !isRunning(s), (proc, ns) => beginStart(proc, ns, wait));
      },
    },
    stopProcess: { min: 1, max: 2, run: (p) => stopProcess(str(p, 0), bool(p, 1, true)) },
    stopProcessGroup: { min: 1, max: 2, run: (p) => stopProcessGroup(groupName(p, 0), bool(p, 1, true)) },
    stopAllProcesses: {
      min: 0, max: 1,
      run: (p) => {
        const wait = bool(p, 0, true);
        return runAll(allProcesses(), isRunning, (proc, ns) => beginStop(proc, ns, wait));
      },
    },
    signalProcess: { min: 2, max: 2, run: (p) => signalProcess(str(p, 0), p[1] as XmlRpcValue) },
    signalProcessGroup: { min: 2, max: 2, run: (p) => signalProcessGroup(groupName(p, 0), p[1] as XmlRpcValue) },
    signalAllProcesses: {
      min: 1, max: 1,
      run: (p) => {
        const signal = p[0] as XmlRpcValue;
        return runAll(allProcesses(), isSignallable, (proc, ns) => doSignal(proc, ns, signal));
      },
    },
    getAllConfigInfo: { min: 0, max: 0, run: getAllConfigInfo },
    getProcessInfo: { min: 1, max: 1, run: (p) => processInfo(resolveProcess(str(p, 0)), now()) },
    getAllProcessInfo: {
      min: 0, max: 0,
      run: () => {
        const at = now();
        return allProcesses(true).map((process) => processInfo(process, at));
      },
    },
    readProcessStdoutLog: { min: 3, max: 3, run: (p) => readProcessLog(str(p, 0), int(p, 1), int(p, 2), 'stdout') },
    readProcessLog: { min: 3, max: 3, run: (p) => readProcessLog(str(p, 0), int(p, 1), int(p, 2), 'stdout') },
    readProcessStderrLog: { min: 3, max: 3, run: (p) => readProcessLog(str(p, 0), int(p, 1), int(p, 2), 'stderr') },
    tailProcessStdoutLog: { min: 3, max: 3, run: (p) => tailProcessLog(str(p, 0), int(p, 1), int(p, 2), 'stdout') },
    tailProcessLog: { min: 3, max: 3, run: (p) => tailProcessLog(str(p, 0), int(p, 1), int(p, 2), 'stdout') },
    tailProcessStderrLog: { min: 3, max: 3, run: (p) => tailProcessLog(str(p, 0), int(p, 1), int(p, 2), 'stderr') },
    clearProcessLogs: { min: 1, max: 1, run: (p) => clearProcessLogs(str(p, 0)) },
    clearProcessLog: { min: 1, max: 1, run: (p) => clearProcessLogs(str(p, 0)) },
    clearAllProcessLogs: { min: 0, max: 0, run: () => runAll(allProcesses(), () => true, doClear) },
    sendProcessStdin: {
      min: 2, max: 2,
      run: async (p) => {
        const chars = p[1] as XmlRpcValue;
        if (typeof chars !== 'string' && !(chars instanceof Uint8Array)) throw Fault.of('INCORRECT_PARAMETERS', pythonStr(chars));
        const name = str(p, 0);
        const process = resolveProcess(name);
        const data = typeof chars === 'string' ? new TextEncoder().encode(chars) : chars;
        refuse(await port.sendProcessStdin(process.group, process.name, data), name);
        return true;
      },
    },
    sendRemoteCommEvent: {
      min: 2, max: 2, checksMood: false,
      run: (p) => {
        // rpcinterface.py takes any two values and writes str() of each into the event.
        port.sendRemoteCommEvent(pythonStr(p[0] as XmlRpcValue), pythonStr(p[1] as XmlRpcValue));
        return true;
      },
    },
  };

  async function readMainLog(offset: number, length: number): Promise<string> {
    const logfile = port.mainLogfile();
    if (logfile === null || (await files.size(logfile)) === null) throw Fault.of('NO_FILE', logfile);
    return readLogRange(files, logfile, offset, length);
  }

  const system: Record<string, MethodSpec> = {
    listMethods: { min: 0, max: 0, run: () => Object.keys(METHOD_DOCS).sort() },
    methodHelp: {
      min: 1, max: 1,
      run: (p) => {
        const doc = methodDoc(p[0] as XmlRpcValue);
        if (doc === undefined) throw Fault.of('SIGNATURE_UNSUPPORTED');
        return doc.help;
      },
    },
    methodSignature: {
      min: 1, max: 1,
      run: (p) => {
        const doc = methodDoc(p[0] as XmlRpcValue);
        if (doc === undefined) throw Fault.of('SIGNATURE_UNSUPPORTED');
        return [...doc.signature];
      },
    },
    multicall: { min: 1, max: 1, run: (p) => multicall(list(p, 0)) },
  };

  /** supd's own methods (SUPD_EXTENSIONS); system.listMethods stays supervisord's list. */
  const supd: Record<string, MethodSpec> = {
    getReadiness: {
      min: 0, max: 1,
      run: (p) => {
        const names = p.length === 0 ? [] : list(p, 0).map((n) => String(n));
        if (port.readiness === undefined) throw Fault.of('UNKNOWN_METHOD');
        const report = port.readiness(names);
        if (report.unknown.length > 0) throw Fault.of('BAD_NAME', report.unknown[0]!);
        return { ready: report.ready, not_ready: report.notReady.map((n) => ({ name: n.name, why: n.why })) };
      },
    },
    processStatus: {
      min: 1, max: 2,
      run: (p) => {
        const namespec = str(p, 0);
        const lines = p.length > 1 ? int(p, 1) : 10;
        if (lines < 0 || lines > 1000) throw Fault.of('BAD_ARGUMENTS', `lines ${lines}: expected 0 to 1000`);
        const report = port.processStatus?.(namespec, lines) ?? null;
        if (report === null) throw Fault.of('BAD_NAME', namespec);
        return report as unknown as XmlRpcStruct;
      },
    },
    shutdown: {
      min: 0, max: 1,
      run: (p) => {
        if (SUPERVISOR_STATES[port.state()] < SUPERVISOR_STATES.RUNNING) throw Fault.of('SHUTDOWN_STATE');
        port.shutdown(p.length === 0 ? 0 : int(p, 0));
        return true;
      },
    },
    ...(options.jobs === undefined ? {} : createJobMethods(options.jobs)),
  };

  const namespaces: Readonly<Record<string, Record<string, MethodSpec>>> = { supervisor, system, supd };

  /** xmlrpc.py traverse(): exactly `namespace.method`, no private names, arity checked. */
  async function dispatch(methodName: string, params: Params): Promise<XmlRpcValue> {
    const parts = methodName.split('.');
    if (parts.length !== 2) throw Fault.of('UNKNOWN_METHOD');
    const [namespace = '', method = ''] = parts;
    if (method.startsWith('_')) throw Fault.of('UNKNOWN_METHOD');
    const table = Object.hasOwn(namespaces, namespace) ? namespaces[namespace] : undefined;
    const spec = table !== undefined && Object.hasOwn(table, method) ? table[method] : undefined;
    if (spec === undefined) throw Fault.of('UNKNOWN_METHOD');
    if (params.length < spec.min || params.length > spec.max) throw Fault.of('INCORRECT_PARAMETERS');
    // rpcinterface.py _update(): every supervisor.* method refuses once shutdown or restart began.
    if (namespace === 'supervisor' && spec.checksMood !== false && SUPERVISOR_STATES[port.state()] < SUPERVISOR_STATES.RUNNING) {
      throw Fault.of('SHUTDOWN_STATE');
    }
    return spec.run(params);
  }

  return { call: dispatch };
}

// --- parameters: supervisord relies on Python's duck typing; where a wrong type makes it raise
// inside the method (an HTTP 500 there), supd answers INCORRECT_PARAMETERS instead.

/** A process or namespec argument: a string, or base64 bytes decoded as UTF-8. */
function str(params: Params, index: number): string {
  const value = params[index];
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  if (typeof value !== 'string') throw Fault.of('INCORRECT_PARAMETERS');
  return value;
}

/**
 * A group name: supervisord looks it up in a dict, so a number or a boolean is simply no group
 * (`BAD_NAME: 5`); any other non-string makes it raise.
 */
function groupName(params: Params, index: number): string {
  const value = params[index];
  if (typeof value === 'number' || typeof value === 'boolean') throw Fault.of('BAD_NAME', pythonStr(value));
  return str(params, index);
}

/** Python's int() of an argument (an integer, a float truncated, a bool, a string of digits). */
function int(params: Params, index: number): number {
  const value = pythonInt(params[index]);
  if (value === null) throw Fault.of('INCORRECT_PARAMETERS');
  return value;
}

/** Python truthiness of an optional flag such as `wait`. */
function bool(params: Params, index: number, fallback: boolean): boolean {
  const value = params[index];
  return value === undefined ? fallback : pythonTruth(value);
}

function list(params: Params, index: number): Params {
  const value = params[index];
  if (!Array.isArray(value)) throw Fault.of('INCORRECT_PARAMETERS');
  return value as Params;
}

/** What Python's method(*params) passes: a list's items, a string's characters, a dict's keys. */
function spreadParams(params: XmlRpcValue): Params {
  if (Array.isArray(params)) return params as Params;
  if (typeof params === 'string') return [...params];
  if (isXmlRpcStruct(params)) return Object.keys(params);
  throw Fault.of('INCORRECT_PARAMETERS');
}

function pythonTypeName(value: XmlRpcValue): string {
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'boolean') return 'bool';
  if (value instanceof Uint8Array) return 'Binary';
  if (value instanceof Date) return 'DateTime';
  if (Array.isArray(value)) return 'list';
  return 'dict';
}

/** xmlrpc.py methodHelp/methodSignature: a name that is no method (of any type) has no doc. */
function methodDoc(name: XmlRpcValue): MethodDoc | undefined {
  return typeof name === 'string' && Object.hasOwn(METHOD_DOCS, name) ? METHOD_DOCS[name] : undefined;
}

function logfileWord(path: string | null | 'AUTO'): string {
  if (path === null) return 'none';
  return path === 'AUTO' ? 'auto' : path;
}

function signalNumberOf(name: string): number {
  return configSignalNumber(name) ?? 0;
}

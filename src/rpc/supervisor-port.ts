/**
 * What the XML-RPC layer needs from the running supervisor: snapshots, prompt commands, a
 * subscription to state changes, and config/log facts. The daemon implements it; methods.ts is
 * written against it and tested with a fake. Plain data only: no Fault, no XML, no sockets.
 * Commands that can be refused return a Refusal in supervisord's fault words.
 */
import type { ProcessConfig } from '../config/types.js';
import type { ProcessStateName, SupervisorStateName } from '../core/states.js';
import type { FaultName } from './faults.js';
import type { ProcessStatusReport } from './process-status.js';
import type { LiveTail } from './log-follow.js';

/** One process as getProcessInfo reports it. Times are Unix seconds (0 when never). */
export interface ProcessSnapshot {
  /** process_name, e.g. "web_00". */
  readonly name: string;
  /** The group it belongs to (equal to name for a lone [program:x] with numprocs=1). */
  readonly group: string;
  readonly state: ProcessStateName;
  /** When it was last spawned (supervisord's laststart), seconds since the epoch; 0 if never. */
  readonly laststart: number;
  /** When it last stopped or exited (laststop), seconds since the epoch; 0 if never. */
  readonly laststop: number;
  /** 0 when no child is running. */
  readonly pid: number;
  /** Last exit status as supervisord records it (-1 for a death by signal); 0 before any exit. */
  readonly exitstatus: number;
  /**
   * Why the last start failed ("Exited too quickly (process log may have details)"), else null.
   * Cleared when a spawn begins and set before the BACKOFF/FATAL snapshot is published, as
   * supervisord's spawn()/finish() do: startProcess's wait reads it.
   */
  readonly spawnerr: string | null;
  /** Resolved stdout log path (AUTO already resolved), or null for NONE. */
  readonly stdoutLogfile: string | null;
  /** Resolved stderr log path, or null for NONE or redirect_stderr. */
  readonly stderrLogfile: string | null;
  /**
   * supd's own description where an opt-in key has something to say (a pending backoff restart,
   * a stuck stop); replaces supervisord's description when set.
   */
  readonly supdDescription?: string | null;
  /**
   * supd extension, present only for a program with a health check: its health beside the state
   * (null while it is not RUNNING) and, when unhealthy, why ("3 failures: connect ECONNREFUSED ...").
   */
  readonly health?: { readonly status: 'starting' | 'healthy' | 'unhealthy' | null; readonly failures: number; readonly error: string | null };
  /** supd extension, present only while depends_on holds the process back: "db (healthy)". */
  readonly waitingFor?: string;
}

/** A group and its processes, each list in supervisord's priority order. */
export interface GroupSnapshot {
  readonly name: string;
  readonly priority: number;
  readonly processes: readonly ProcessSnapshot[];
}

/** One configured process for getAllConfigInfo, whether or not its group is active. */
export interface ConfigInfo {
  readonly config: ProcessConfig;
  /** The priority of the group it belongs to. */
  readonly groupPriority: number;
  /** True when its group is currently active (supervisord's `inuse`). */
  readonly inuse: boolean;
  /** The uid `user=` resolves to, or null when no user is set. */
  readonly uid: number | null;
  /** Log paths, resolved for a running process's own config, else 'AUTO' as configured; null for NONE. */
  readonly stdoutLogfile: string | null | 'AUTO';
  readonly stderrLogfile: string | null | 'AUTO';
}

/** What supd.getReadiness answers (also /readyz and supctl health). */
export interface ReadinessReport {
  readonly ready: boolean;
  readonly notReady: readonly { readonly name: string; readonly why: string }[];
  readonly unknown: readonly string[];
}

/** A command the daemon declined; methods.ts turns it into Fault `fault: detail`. */
export interface Refusal {
  readonly fault: FaultName;
  /** The fault's detail text; methods.ts uses the namespec when absent. */
  readonly detail?: string;
}

/** A log range, or a refusal in supervisord's words (NO_FILE, BAD_ARGUMENTS, FAILED). */
export type LogRead = { readonly ok: true; readonly data: string } | (Refusal & { readonly ok: false });

/** tailProcess*Log's [bytes, offset, overflow]. */
export type LogTail = readonly [string, number, boolean];

/** The outcome of rereading the config (supervisord's diff_to_active), as group names. */
export type RereadResult =
  | { readonly ok: true; readonly added: readonly string[]; readonly changed: readonly string[]; readonly removed: readonly string[] }
  | { readonly ok: false; readonly error: string };

export interface SupervisorPort {
  /** supervisord's mood: RUNNING normally; SHUTDOWN/RESTARTING makes supervisor.* fault SHUTDOWN_STATE. */
  state(): SupervisorStateName;
  /** The daemon's own pid (getPID). */
  pid(): number;
  /** [supervisord] identifier (getIdentification). */
  identification(): string;
  /** What getSupervisorVersion reports. */
  version(): string;
  /** Active groups and their processes, in priority order. */
  groups(): readonly GroupSnapshot[];
  /** One active process, without building every other's snapshot; undefined when there is none. */
  process(group: string, name: string): ProcessSnapshot | undefined;
  /** Every process of every configured group, active or not (getAllConfigInfo). */
  configInfo(): readonly ConfigInfo[];
  /** The main log file path (readLog, clearLog, /mainlogtail), or null when there is none. */
  mainLogfile(): string | null;

  /**
   * Calls `listener` synchronously after every process state change with the new snapshot (so
   * groups() already shows it); returns unsubscribe. wait=true is built on this, not on polling.
   */
  subscribe(listener: (process: ProcessSnapshot) => void): () => void;

  /**
   * Spawn one process now (STOPPED/EXITED/FATAL/BACKOFF -> STARTING) and resolve once the spawn was
   * attempted; never waits for startsecs. Refuse with NO_FILE/NOT_EXECUTABLE when the command
   * cannot be run (detail: "can't find command 'x'"), SPAWN_ERROR when the spawn failed at once.
   */
  startProcess(group: string, name: string): Promise<Refusal | undefined>;
  /** Send the stopsignal now (-> STOPPING) and resolve without waiting for the exit; FAILED with a message if kill failed. */
  stopProcess(group: string, name: string): Promise<Refusal | undefined>;
  /** Send signal number `signal` (0 only checks the pid) to the process; FAILED with a message if kill failed. */
  signalProcess(group: string, name: string, signal: number): Promise<Refusal | undefined>;
  /** Write bytes to the process's stdin; NOT_RUNNING if it has no pid or is being killed, NO_FILE on EPIPE. */
  sendProcessStdin(group: string, name: string, data: Uint8Array): Promise<Refusal | undefined>;
  /** Emit a REMOTE_COMMUNICATION event to listeners. */
  sendRemoteCommEvent(type: string, data: string): void;

  /**
   * readProcessStdoutLog/StderrLog and their tail forms through the daemon's own log layer, which
   * also answers from its in-memory tail where the process has no log file (supervisord cannot).
   * Optional: without them, methods.ts reads the log files named in the snapshot.
   */
  readProcessLog?(group: string, name: string, channel: 'stdout' | 'stderr', offset: number, length: number): LogRead;
  tailProcessLog?(group: string, name: string, channel: 'stdout' | 'stderr', offset: number, length: number): LogTail;
  /**
   * What /logtail follows for a process with no log file of that channel: its in-memory tail
   * (supd keeps one where output goes only to supd's stdout), or null. Without it, 404.
   */
  processLogTail?(group: string, name: string, channel: 'stdout' | 'stderr'): LiveTail | null;

  /**
   * supd.processStatus: one process (or a process running inside one, by name) as `supctl status
   * -v` shows it, with its last `lines` lines of each stream; null when nothing has that name.
   */
  processStatus?(namespec: string, lines: number): ProcessStatusReport | null;

  /**
   * supd.getReadiness: whether every process (or those `names` select) that should be running is
   * RUNNING and healthy (core/readiness.ts), each that is not with why; `unknown` lists names that
   * select nothing.
   */
  readiness?(names: readonly string[]): ReadinessReport;

  /** Truncate and reopen the process's stdout and stderr logs; FAILED on I/O error. */
  clearProcessLogs(group: string, name: string): Promise<Refusal | undefined>;
  /** Remove and reopen the main log; NO_FILE when there is none, FAILED on I/O error. */
  clearMainLog(): Promise<Refusal | undefined>;

  /** Reread the config files (not applied) and diff them against the active groups. */
  reloadConfig(): Promise<RereadResult>;
  /** Activate a group from the last read config; BAD_NAME if unknown, ALREADY_ADDED if active. */
  addProcessGroup(name: string): Promise<Refusal | undefined>;
  /** Drop a stopped group; BAD_NAME if not active, STILL_RUNNING if any process is running. */
  removeProcessGroup(name: string): Promise<Refusal | undefined>;

  /** Begin shutting down after the reply is sent (mood -> SHUTDOWN); must return at once. */
  shutdown(exitCode?: number): void;
  /** Begin a restart after the reply is sent (mood -> RESTARTING); must return at once. */
  restart(): void;
}

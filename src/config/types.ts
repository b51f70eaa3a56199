/**
 * The typed result of reading a supervisord-dialect config: what every other layer consumes.
 * Pure data, no behaviour. Units are explicit: user seconds are converted to milliseconds at the
 * config edge (program-section.ts), so nothing downstream multiplies by 1000.
 */

/** Where a value or section came from, so every error can point at file:line [section]. */
export interface Origin {
  readonly file: string;
  readonly line: number;
  readonly section: string;
}

/** supervisord's autorestart: true, false or unexpected (exit code not in exitcodes). */
export type Autorestart = 'true' | 'false' | 'unexpected';

/** A signal name without the SIG prefix, upper case, as supervisord prints it ("TERM", "HUP"). */
export type SignalName = string;

/**
 * Where one stream of a child's output goes. `file` is null for NONE; 'AUTO' is resolved into a
 * path under childlogdir by the logs layer, not here.
 */
export interface StreamLogSettings {
  readonly logfile: string | null | 'AUTO';
  readonly logfileMaxBytes: number;
  readonly logfileBackups: number;
  readonly captureMaxBytes: number;
  readonly eventsEnabled: boolean;
  readonly syslog: boolean;
}

/**
 * supd extension: copy a program's output, whole lines only, to supd's own stdout/stderr, as
 * written, prefixed with the process name, or as JSON lines (docs/differences.md).
 */
export interface ContainerLogs {
  readonly enabled: boolean;
  readonly format: 'plain' | 'prefixed' | 'json';
  /** A line longer than this is cut into pieces of this many bytes. */
  readonly lineMaxBytes: number;
}

/** supd extension: shut supd down when this program went FATAL, exited unexpectedly, or exited at all. */
export type ShutdownOn = 'fatal' | 'unexpected' | 'exit';

/** supd's opt-in lifecycle keys of [program:x] (lifecycle-keys.ts), in internal units. */
export interface ProcessLifecycleSettings {
  /** backoff_delay: the first restart delay (and supervisord's step of +1 s per failed start). */
  readonly backoffDelayMs: number;
  /** backoff_factor: null keeps supervisord's rule; else every automatic restart waits delay x factor^n. */
  readonly backoffFactor: number | null;
  /** backoff_limit: the cap of the delay, and how long RUNNING resets it. */
  readonly backoffLimitMs: number;
  readonly shutdownOn: ShutdownOn | null;
  /** stopastree: stop every process descending from the program, not only its pid or group. */
  readonly stopAsTree: boolean;
}

/** supd extension: what a program's health check probes. */
export type HealthProbe =
  | { readonly kind: 'command'; readonly command: string }
  | { readonly kind: 'http'; readonly url: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

/** supd extension: a program's health check, Docker's meanings (interval, timeout, retries, start_period). */
export interface HealthCheckConfig {
  readonly probe: HealthProbe;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Consecutive failures before unhealthy. */
  readonly retries: number;
  /** After RUNNING, failures do not count for this long (the first success ends it). */
  readonly startPeriodMs: number;
  /** restart: an unhealthy program is restarted; none: readiness only. */
  readonly action: 'restart' | 'none';
}

/** What a dependency must reach: RUNNING, a passing health check, or an expected exit. */
export type DependCondition = 'running' | 'healthy' | 'completed';

/** One entry of depends_on (or dependent_startup_wait_for). */
export interface Dependency {
  /** A program, a group, or `group:process`, as written. */
  readonly name: string;
  /** Any one of these satisfies it (depends_on gives one; the plugin's `running,exited` two). */
  readonly conditions: readonly DependCondition[];
}

/** One process after numprocs expansion: everything supd needs to run it. */
export interface ProcessConfig extends ProcessLifecycleSettings {
  /** process_name after expansion, e.g. "web_00". */
  readonly name: string;
  /** The [program:x] (or [eventlistener:x]) section name x. */
  readonly programName: string;
  /** The group this process belongs to: the program's own name, or a [group:g] that lists it. */
  readonly groupName: string;
  readonly processNum: number;
  readonly numprocs: number;
  /** The command after %-expansion; split into argv by the spawner, as supervisord does with shlex. */
  readonly command: string;
  readonly priority: number;
  readonly autostart: boolean;
  readonly startSecs: number;
  readonly startRetries: number;
  readonly autorestart: Autorestart;
  readonly exitCodes: readonly number[];
  readonly stopSignal: SignalName;
  readonly stopWaitMs: number;
  readonly stopAsGroup: boolean;
  readonly killAsGroup: boolean;
  readonly user: string | null;
  readonly redirectStderr: boolean;
  readonly stdout: StreamLogSettings;
  readonly stderr: StreamLogSettings;
  /** Only the program's own environment= pairs; the spawner layers them over supd's env. */
  readonly environment: Readonly<Record<string, string>>;
  readonly directory: string | null;
  /** Octal umask as a number, or null to inherit supd's. */
  readonly umask: number | null;
  readonly serverUrl: string | null;
  /** [program:x] container_logs* over [supervisord]'s. */
  readonly containerLogs: ContainerLogs;
  readonly origin: Origin;
  /** supd extension: absent when the program has no health check. */
  readonly healthcheck?: HealthCheckConfig;
  /** supd extension: absent (or empty) when the program starts as supervisord starts it. */
  readonly dependsOn?: readonly Dependency[];
  /** Where depends_on (or dependent_startup_wait_for) was written, for errors about it. */
  readonly dependsOnOrigin?: Origin;
}

export interface EventListenerSettings {
  readonly events: readonly string[];
  readonly bufferSize: number;
  readonly resultHandler: string;
}

/** A process group as supervisord has them: one per [program:x], or one per [group:g]. */
export interface GroupConfig {
  readonly name: string;
  readonly kind: 'program' | 'eventlistener';
  readonly priority: number;
  readonly processes: readonly ProcessConfig[];
  /** Present when kind is 'eventlistener'. */
  readonly eventListener?: EventListenerSettings;
  readonly origin: Origin;
}

export interface SupervisordSettings {
  readonly logfile: string | null;
  readonly logfileMaxBytes: number;
  readonly logfileBackups: number;
  readonly loglevel: 'critical' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'blather';
  readonly pidfile: string | null;
  readonly nodaemon: boolean;
  readonly minfds: number;
  readonly minprocs: number;
  readonly umask: number;
  readonly user: string | null;
  readonly directory: string | null;
  readonly identifier: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly childlogdir: string;
  readonly stripAnsi: boolean;
  readonly nocleanup: boolean;
  readonly silent: boolean;
  /** supd extension: signals forwarded to every running program (e.g. ["USR1", "WINCH"]). */
  readonly forwardSignals: readonly SignalName[];
  /** supd extension: the default container logging of every program. */
  readonly containerLogs: ContainerLogs;
  /** supd extension (logformat): supd's own lines on stdout, text or JSON. */
  readonly logFormat: 'text' | 'json';
  /** supd extension: how long a shutdown waits for processes that survive SIGKILL (stuck). */
  readonly shutdownStuckTimeoutMs: number;
  /** supd extension: bytes kept of each output stream of a job (job_output_maxbytes). */
  readonly jobOutputMaxBytes: number;
  /** supd extension: finished jobs kept (job_history). */
  readonly jobHistory: number;
}

export interface UnixHttpServerSettings {
  readonly file: string;
  readonly chmod: number;
  readonly chown: string | null;
  readonly username: string | null;
  readonly password: string | null;
}

export interface InetHttpServerSettings {
  readonly host: string;
  readonly port: number;
  readonly username: string | null;
  readonly password: string | null;
}

/** supd extension: the read-only status listener (/healthz, /readyz, /metrics). host '' is every interface. */
export interface StatusHttpServerSettings {
  readonly host: string;
  /** 0 picks a free port (supd logs the one it got). */
  readonly port: number;
}

export interface SupervisorctlSettings {
  readonly serverUrl: string | null;
  readonly username: string | null;
  readonly password: string | null;
  readonly prompt: string;
  /** supervisorctl's history_file= (null: no history). Optional so older literals still type-check. */
  readonly historyFile?: string | null;
}

export interface SupdConfig {
  /** Absolute path of the main config file. */
  readonly file: string;
  readonly supervisord: SupervisordSettings;
  /** Program and event-listener groups, in the order supervisord would add them (priority, name). */
  readonly groups: readonly GroupConfig[];
  readonly unixHttpServer: UnixHttpServerSettings | null;
  readonly inetHttpServer: InetHttpServerSettings | null;
  readonly supervisorctl: SupervisorctlSettings;
  /** supd extension: [status_http_server], or null/absent when there is none. */
  readonly statusHttpServer?: StatusHttpServerSettings | null;
}

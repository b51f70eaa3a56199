/**
 * The daemon seen through the control plane's SupervisorPort: snapshots of the Supervisor,
 * commands carried out through the ProcessRuntime, and reread/add/remove as supervisord's
 * reloadConfig and add/removeProcessGroup do them. No XML and no sockets here.
 */
import { truncateSync } from 'node:fs';
import type { GroupConfig, ProcessConfig, SupdConfig } from '../config/types.js';
import { diffGroups } from '../core/reload-diff.js';
import { processKey, type ProcessEntry } from '../core/supervisor.js';
import type {
  ConfigInfo,
  GroupSnapshot,
  ProcessSnapshot,
  LogRead,
  LogTail,
  Refusal,
  RereadResult,
  SupervisorPort,
} from '../rpc/supervisor-port.js';
import { describeOomExit, describePendingRestart, describeStuck } from '../core/process-report.js';
import { describeSpawnFailure } from '../os/spawn-failure.js';
import type { LiveTail } from '../rpc/log-follow.js';
import { readinessOf } from './readiness-view.js';
import type { Daemon } from './daemon.js';
import { SPAWN_FAILURE_FAULTS } from './spawn-faults.js';

/** Hooks the logs and events layers add; the port works without them. */

/** What sendProcessStdin queues for one program beyond its pipe, at most. */
const STDIN_BUFFER_BYTES = 4 * 1024 * 1024;
export interface PortExtensions {
  /** Resolved log paths of a process (AUTO resolved), null for none. */
  logfiles?: (entry: ProcessEntry) => { stdout: string | null; stderr: string | null };
  /** Truncate a process's logs; returns an error text on failure. */
  clearProcessLogs?: (entry: ProcessEntry) => string | null;
  sendRemoteCommEvent?: (type: string, data: string) => void;
  /** supd's uid for user= (getAllConfigInfo); null when not resolvable. */
  uidOf?: (user: string) => number | null;
  /** Log reads through the log layer (files, or the in-memory tail where there is no file). */
  readLog?: (entry: ProcessEntry, channel: 'stdout' | 'stderr', offset: number, length: number) => LogRead;
  tailLog?: (entry: ProcessEntry, channel: 'stdout' | 'stderr', offset: number, length: number) => LogTail;
  /** supd.processStatus (daemon/observe-wiring.ts). */
  processStatus?: SupervisorPort['processStatus'];
  /** /logtail of a channel with no log file: the in-memory tail the log layer keeps, or null. */
  liveTail?: (entry: ProcessEntry, channel: 'stdout' | 'stderr') => LiveTail | null;
}

function seconds(ms: number): number {
  return ms === 0 ? 0 : Math.floor(ms / 1000);
}


export function createDaemonPort(daemon: Daemon, version: string, ext: PortExtensions = {}): SupervisorPort {
  const { supervisor, runtime } = daemon;
  /**
   * The config read by the last reloadConfig and the config that was current then. As
   * supervisord's options.process_group_configs, it is what getAllConfigInfo lists and
   * addProcessGroup takes groups from, until a restart or SIGHUP reload replaces the config.
   */
  let reread: { readonly config: SupdConfig; readonly against: SupdConfig } | null = null;
  const lastRead = (): SupdConfig =>
    reread !== null && reread.against === daemon.currentConfig ? reread.config : daemon.currentConfig;

  const defaultLogfiles = (entry: ProcessEntry) => {
    const path = (p: string | null | 'AUTO'): string | null => (p === null || p === 'AUTO' ? null : p);
    return {
      stdout: path(entry.config.stdout.logfile),
      stderr: entry.config.redirectStderr ? null : path(entry.config.stderr.logfile),
    };
  };
  const logfiles = ext.logfiles ?? defaultLogfiles;

  /** supd's words where supervisord's say too little: a stuck stop, an OOM kill, a pending backoff. */
  const describeSupd = (entry: ProcessEntry): string | null => {
    const m = entry.machine;
    const now = daemon.clock();
    const stuck = m.state.name === 'STOPPING' ? daemon.trees.stuckReport(entry.key) : undefined;
    if (stuck !== undefined) return describeStuck(stuck.processes, stuck.since, now);
    return describePendingRestart(m, entry.config, now) ?? describeOomExit(m);
  };

  const snapshot = (entry: ProcessEntry): ProcessSnapshot => {
    const m = entry.machine;
    const files = logfiles(entry);
    return {
      name: entry.config.name,
      group: entry.config.groupName,
      state: m.state.name,
      laststart: seconds(m.laststart),
      laststop: seconds(m.laststop),
      pid: m.pid,
      exitstatus: m.exitstatus ?? 0,
      spawnerr: m.spawnerr,
      stdoutLogfile: files.stdout,
      stderrLogfile: files.stderr,
      supdDescription: describeSupd(entry),
      ...healthFields(entry),
    };
  };
  /** supd's health and depends_on fields, only for processes that use them. */
  const healthFields = (entry: ProcessEntry): Pick<ProcessSnapshot, 'health' | 'waitingFor'> => {
    const waitingFor = supervisor.waitingFor(entry.key);
    const record = daemon.health.record(entry.key);
    return {
      ...(entry.config.healthcheck === undefined
        ? {}
        : { health: { status: record?.status ?? null, failures: record?.failures ?? 0, error: record?.lastError ?? null } }),
      ...(waitingFor === null ? {} : { waitingFor }),
    };
  };

  const find = (group: string, name: string): ProcessEntry | undefined => supervisor.get(processKey(group, name));
  // No detail: methods.ts names the namespec as the caller wrote it (`BAD_NAME: web`).
  const badName = (_group: string, _name: string): Refusal => ({ fault: 'BAD_NAME' });

  /** The log targets as configured: AUTO stays AUTO ('auto' in getAllConfigInfo). */
  const configuredLogfiles = (config: ProcessConfig) => ({
    stdout: config.stdout.logfile,
    stderr: config.redirectStderr ? null : config.stderr.logfile,
  });
  const configInfoOf = (groups: readonly GroupConfig[], active: (g: GroupConfig) => boolean): ConfigInfo[] => {
    const isReread = groups !== daemon.currentConfig.groups;
    return groups.flatMap((group) =>
      group.processes.map((config) => {
        const entry = find(group.name, config.name);
        // supervisord resolves AUTO in the config objects of the processes it runs; a reread
        // makes new ones, which show 'auto' until their group is added.
        const isRunFromThis = entry !== undefined && (!isReread || entry.config === config);
        const files = isRunFromThis ? logfiles(entry) : configuredLogfiles(config);
        return {
          config,
          groupPriority: group.priority,
          inuse: active(group),
          uid: config.user === null ? null : (ext.uidOf?.(config.user) ?? null),
          stdoutLogfile: files.stdout,
          stderrLogfile: files.stderr,
        };
      }),
    );
  };

  return {
    state: () => supervisor.supervisorState,
    pid: () => process.pid,
    identification: () => daemon.currentConfig.supervisord.identifier,
    version: () => version,
    groups(): GroupSnapshot[] {
      // Bucketed once rather than filtered per group: 500 one-program groups made that 250,000
      // comparisons at every getAllProcessInfo.
      const byGroup = new Map<string, ProcessSnapshot[]>();
      for (const entry of supervisor.list()) {
        const bucket = byGroup.get(entry.config.groupName);
        if (bucket === undefined) byGroup.set(entry.config.groupName, [snapshot(entry)]);
        else bucket.push(snapshot(entry));
      }
      return supervisor.listGroups().map((group) => ({
        name: group.name,
        priority: group.priority,
        processes: byGroup.get(group.name) ?? [],
      }));
    },
    process(group, name) {
      const entry = find(group, name);
      return entry === undefined ? undefined : snapshot(entry);
    },
    configInfo(): ConfigInfo[] {
      // supervisord lists the last config read, not the active groups: after a reread, a group
      // that is still running but gone from the files is not listed, and a changed one shows its
      // new settings (rpcinterface.py getAllConfigInfo).
      const activeNames = new Set(supervisor.listGroups().map((g) => g.name));
      return configInfoOf(lastRead().groups, (g) => activeNames.has(g.name));
    },
    mainLogfile: () => daemon.currentConfig.supervisord.logfile,

    subscribe(listener) {
      return runtime.onTransition((t) => {
        const entry = supervisor.get(t.process.key);
        listener(snapshot(entry ?? { ...t.process, machine: t.transition.machine }));
      });
    },

    async startProcess(group, name) {
      const entry = find(group, name);
      if (entry === undefined) return badName(group, name);
      // As supervisord's startProcess: an unrunnable command is refused before anything changes,
      // with the text that would have been the spawnerr. A spawn that fails after this check
      // leaves its spawnerr, which methods.ts answers with SPAWN_ERROR as supervisord does.
      const problem = runtime.checkCommand(entry);
      if (problem !== null) return { fault: SPAWN_FAILURE_FAULTS[problem.kind], detail: describeSpawnFailure(problem) };
      runtime.carryOut(supervisor.start(entry.key, daemon.clock()));
      return undefined;
    },
    async stopProcess(group, name) {
      const entry = find(group, name);
      if (entry === undefined) return badName(group, name);
      runtime.carryOut(supervisor.stop(entry.key, daemon.clock()));
      return undefined;
    },
    async signalProcess(group, name, signal) {
      const entry = find(group, name);
      if (entry === undefined) return badName(group, name);
      const error = runtime.signal(entry, signal, false);
      return error === null ? undefined : { fault: 'FAILED', detail: error };
    },
    async sendProcessStdin(group, name, data) {
      const entry = find(group, name);
      if (entry === undefined) return badName(group, name);
      const child = runtime.child(entry.key);
      if (child === undefined || entry.machine.pid === 0 || entry.machine.state.name === 'STOPPING') {
        return { fault: 'NOT_RUNNING' };
      }
      // Answered once the data is queued, never when the program reads it (supervisord buffers
      // too); the queue beyond the pipe is bounded per program.
      const stdin = child.openStdin();
      if (stdin.destroyed || stdin.errored !== null) return { fault: 'NO_FILE', detail: `${entry.config.name}'s stdin is closed` };
      if (stdin.writableLength + data.length > STDIN_BUFFER_BYTES) {
        return {
          fault: 'FAILED',
          detail: `${entry.config.name}'s stdin buffer is full (${stdin.writableLength} bytes wait for it to read; at most ${STDIN_BUFFER_BYTES})`,
        };
      }
      stdin.write(data, () => undefined); // a write error (EPIPE) surfaces as the program's exit
      return undefined;
    },
    sendRemoteCommEvent(type, data) {
      ext.sendRemoteCommEvent?.(type, data);
    },
    ...(ext.readLog === undefined
      ? {}
      : {
          readProcessLog: (group: string, name: string, channel: 'stdout' | 'stderr', offset: number, length: number): LogRead => {
            const entry = find(group, name);
            return entry === undefined ? { ok: false, fault: 'BAD_NAME' } : ext.readLog!(entry, channel, offset, length);
          },
        }),
    ...(ext.tailLog === undefined
      ? {}
      : {
          tailProcessLog: (group: string, name: string, channel: 'stdout' | 'stderr', offset: number, length: number): LogTail => {
            const entry = find(group, name);
            return entry === undefined ? ['', 0, false] : ext.tailLog!(entry, channel, offset, length);
          },
        }),
    ...(ext.processStatus === undefined ? {} : { processStatus: ext.processStatus }),
    readiness(names) {
      if (supervisor.isShuttingDown) return { ready: false, notReady: [{ name: 'supd', why: 'shutting down' }], unknown: [] };
      return readinessOf(supervisor, names, (entry) => daemon.readinessView(entry));
    },
    ...(ext.liveTail === undefined
      ? {}
      : {
          processLogTail: (group: string, name: string, channel: 'stdout' | 'stderr'): LiveTail | null => {
            const entry = find(group, name);
            return entry === undefined ? null : ext.liveTail!(entry, channel);
          },
        }),
    async clearProcessLogs(group, name) {
      const entry = find(group, name);
      if (entry === undefined) return badName(group, name);
      const error = ext.clearProcessLogs?.(entry) ?? null;
      return error === null ? undefined : { fault: 'FAILED', detail: error };
    },
    async clearMainLog() {
      const file = daemon.currentConfig.supervisord.logfile;
      if (file === null) return { fault: 'NO_FILE' };
      try {
        truncateSync(file, 0);
        return undefined;
      } catch (error) {
        return { fault: 'FAILED', detail: (error as Error).message };
      }
    },

    async reloadConfig(): Promise<RereadResult> {
      const result = daemon.readConfig();
      if (!result.ok) return { ok: false, error: result.errors.join('\n') };
      reread = { config: result.config, against: daemon.currentConfig };
      const diff = diffGroups(supervisor.listGroups(), result.config.groups);
      return { ok: true, ...diff };
    },
    async addProcessGroup(name) {
      const group = lastRead().groups.find((g) => g.name === name);
      if (group === undefined) return { fault: 'BAD_NAME', detail: name };
      const { added, outcome } = supervisor.addGroup(group, daemon.clock());
      if (!added) return { fault: 'ALREADY_ADDED', detail: name };
      daemon.notify({ type: 'groups-changed', added: [name], removed: [] });
      runtime.carryOut(outcome);
      return undefined;
    },
    async removeProcessGroup(name) {
      const result = supervisor.removeGroup(name);
      if (result === 'no-such-group') return { fault: 'BAD_NAME', detail: name };
      if (result === 'still-running') return { fault: 'STILL_RUNNING', detail: name };
      daemon.notify({ type: 'groups-changed', added: [], removed: [name] });
      return undefined;
    },

    shutdown(exitCode = 0) {
      setImmediate(() => daemon.shutdown(exitCode));
    },
    restart() {
      setImmediate(() => daemon.restart());
    },
  };
}

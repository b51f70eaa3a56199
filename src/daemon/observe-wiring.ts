/**
 * Connects what supd shows of itself to the running daemon: the /metrics text, the
 * `supd.processStatus` report, and the dashboard's snapshot, event stream, output tail and
 * control actions. Everything is computed when asked; nothing here sets a timer.
 */
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { processKey, type ProcessEntry } from '../core/supervisor.js';
import { buildTree, findDescendant, treeTotals, type ProcStat, type TreeNode } from '../core/process-tree.js';
import { RESTART_REASONS } from '../core/restart-history.js';
import type { SupdEvent } from '../events/payloads.js';
import { Fault } from '../rpc/faults.js';
import type { RpcDispatcher } from '../rpc/methods.js';
import { splitNamespec, makeNamespec } from '../rpc/namespec.js';
import type { ObservePort, Subscribe } from '../rpc/observe-routes.js';
import { processInfo } from '../rpc/process-info.js';
import type { ProcessStatusReport, ProgramStatusReport, TreeRowReport } from '../rpc/process-status.js';
import type { SupervisorPort } from '../rpc/supervisor-port.js';
import type { Daemon } from './daemon.js';
import type { LogsHandle } from './logs-wiring.js';
import { MetricsSource, type HealthView, type ObserveSources, type ProcSnapshot } from './metrics-source.js';

/** How much of a log is read back for its last lines. */
const RECENT_BYTES = 16 * 1024;
/** For a descendant's lines, picked out of its program's output. */
const DESCENDANT_BYTES = 64 * 1024;
const TAIL_BYTES = 8 * 1024;

export interface ObserveHandle extends ObservePort {
  readonly metrics: MetricsSource;
  processStatus(namespec: string, lines: number): ProcessStatusReport | null;
}

export interface ObserveDeps extends ObserveSources {
  readonly logs?: LogsHandle;
  /** For getProcessInfo's description. */
  readonly port: SupervisorPort;
  /** The (counted) dispatcher the dashboard's actions go through, as XML-RPC calls would. */
  readonly dispatcher: RpcDispatcher;
}

/** dist/dashboard beside dist/cli (this file is dist/daemon/*.js, or bundled into dist/cli/supd.js). */
function findAssetsDir(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, '..', 'dashboard'), join(here, '..', '..', 'dist', 'dashboard')]) {
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return null;
}

export function attachObserve(daemon: Daemon, deps: ObserveDeps): ObserveHandle {
  const logs = deps.logs;
  // Health checks keep their verdict, not when it last changed: note that as it happens.
  const healthSince = new Map<string, number>();
  daemon.health.onChange((change) => healthSince.set(change.entry.key, daemon.clock()));
  const healthOf = (key: string): HealthView | null => {
    const record = daemon.health.record(key);
    if (record === null) return null;
    const since = record.status === 'starting' ? record.runningSince : (healthSince.get(key) ?? record.runningSince);
    return { state: record.status, since, lastResult: record.lastError ?? (record.hasPassed ? 'passed' : null) };
  };
  const sources: ObserveSources = {
    healthOf,
    ...deps,
    ...(logs === undefined ? {} : { logCounts: (key: string) => logs.counts(key) }),
  };
  const metrics = new MetricsSource(daemon, sources);
  const seconds = (ms: number): number => (ms === 0 ? 0 : Math.floor(ms / 1000));

  const findEntry = (namespec: string): ProcessEntry | undefined => {
    const { group, process } = splitNamespec(namespec);
    return daemon.supervisor.get(processKey(group, process ?? group));
  };

  const lastLines = (entry: ProcessEntry, stream: 'stdout' | 'stderr', bytes: number): string[] => {
    if (logs === undefined) return [];
    const [data] = logs.tail(entry, stream, 0, bytes);
    const lines = data.toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    // The first line may be cut by the byte window: drop it unless the window held the whole log.
    if (data.length >= bytes) lines.shift();
    return lines;
  };

  const treeRows = (root: TreeNode | null): TreeRowReport[] => {
    const rows: TreeRowReport[] = [];
    const walk = (node: TreeNode, depth: number): void => {
      rows.push(row(node.proc, depth));
      for (const child of node.children) walk(child, depth + 1);
    };
    if (root !== null) walk(root, 0);
    return rows;
  };
  const row = (proc: ProcStat, depth: number): TreeRowReport => ({
    pid: proc.pid,
    depth,
    state: proc.state,
    command: metrics.proc.readCmdline(proc.pid, proc.comm),
    rss: proc.rssBytes,
    cpu: round(proc.cpuSeconds),
    started: Math.floor(proc.startedAt),
  });

  const programStatus = (entry: ProcessEntry, snap: ProcSnapshot, lines: number, withTree: boolean): ProgramStatusReport => {
    const m = entry.machine;
    const nowMs = daemon.clock();
    const figures = metrics.processMetrics(entry, snap, nowMs);
    const history = daemon.restarts.get(entry.key);
    const health = sources.healthOf?.(entry.key) ?? null;
    const snapshot = deps.port.groups().find((g) => g.name === entry.config.groupName)?.processes.find((p) => p.name === entry.config.name);
    const description = snapshot === undefined ? '' : String(processInfo(snapshot, Date.now() / 1000).description);
    return {
      kind: 'program',
      name: entry.config.name,
      group: entry.config.groupName,
      statename: m.state.name,
      since: seconds(history.stateSince),
      pid: m.pid,
      uptime: Math.floor(figures.uptimeSeconds),
      command: entry.config.command,
      description,
      restarts: Object.fromEntries(RESTART_REASONS.map((r) => [r, history.restarts[r]])),
      recent: history.recent.map((r) => ({
        reason: r.reason,
        ...(r.exitstatus === null ? {} : { exitstatus: r.exitstatus }),
        description: r.description,
        ended: seconds(r.endedAt),
        restarted: seconds(r.restartedAt),
      })),
      ...(health === null
        ? {}
        : { health: { state: health.state, since: seconds(health.since), ...(health.lastResult === null ? {} : { last: health.lastResult }) } }),
      ...(figures.tree === null ? {} : { memory: figures.tree.rssBytes, cpu: round(figures.tree.cpuSeconds) }),
      ...(history.lastExit === null ? {} : { exitstatus: history.lastExit.exitstatus }),
      tree: withTree && m.pid !== 0 ? treeRows(buildTree(m.pid, snap.table, snap.children)) : [],
      stdout: lastLines(entry, 'stdout', RECENT_BYTES).slice(-lines),
      stderr: lastLines(entry, 'stderr', RECENT_BYTES).slice(-lines),
    };
  };

  const processStatus = (namespec: string, lines: number): ProcessStatusReport | null => {
    const snap = metrics.readProc();
    const entry = findEntry(namespec);
    if (entry !== undefined) return programStatus(entry, snap, lines, true);
    // Not a program: maybe a process one of them started (px-storage under its launcher).
    const running = daemon.supervisor.list().filter((e) => e.machine.pid !== 0);
    const argvOf = (proc: ProcStat): string[] => metrics.proc.readCmdline(proc.pid, proc.comm).split(' ');
    const found = findDescendant(namespec, running.map((e) => e.machine.pid), snap.table, snap.children, argvOf);
    if (found === null) return null;
    const owner = running.find((e) => e.machine.pid === found.root)!;
    const totals = treeTotals(found.proc.pid, snap.table, snap.children);
    const ownerLines = [...lastLines(owner, 'stdout', DESCENDANT_BYTES), ...lastLines(owner, 'stderr', DESCENDANT_BYTES)];
    return {
      kind: 'descendant',
      name: namespec,
      pid: found.proc.pid,
      state: found.proc.state,
      command: metrics.proc.readCmdline(found.proc.pid, found.proc.comm),
      uptime: Math.max(0, Math.floor(Date.now() / 1000 - found.proc.startedAt)),
      memory: totals.rssBytes,
      cpu: round(totals.cpuSeconds),
      tree: treeRows(buildTree(found.proc.pid, snap.table, snap.children)),
      program: programStatus(owner, snap, lines, false),
      lines: ownerLines.filter((line) => line.includes(namespec)).slice(-lines),
    };
  };

  const overview = (): unknown => {
    const snap = metrics.readProc();
    const nowMs = daemon.clock();
    return {
      supd: { pid: process.pid, identification: daemon.currentConfig.supervisord.identifier, state: daemon.supervisor.supervisorState },
      programs: daemon.supervisor.list().map((entry) => {
        const figures = metrics.processMetrics(entry, snap, nowMs);
        const health = sources.healthOf?.(entry.key) ?? null;
        return {
          namespec: makeNamespec(entry.config.groupName, entry.config.name),
          group: entry.config.groupName,
          name: entry.config.name,
          state: entry.machine.state.name,
          since: seconds(daemon.restarts.get(entry.key).stateSince),
          pid: entry.machine.pid,
          health: health?.state ?? null,
          uptime: Math.floor(figures.uptimeSeconds),
          restarts: figures.restarts,
          memory: figures.tree?.rssBytes ?? null,
          cpu: figures.tree === null ? null : round(figures.tree.cpuSeconds),
          tree: entry.machine.pid === 0 ? [] : treeRows(buildTree(entry.machine.pid, snap.table, snap.children, 50)),
        };
      }),
      jobs: (deps.jobs?.() ?? []).map((job) => ({
        id: job.id,
        name: job.spec.name,
        argv: job.spec.argv,
        state: job.state,
        pid: job.pid,
        started: Math.floor(job.startedAt / 1000),
        exitCode: job.exitCode,
        signal: job.signal,
      })),
    };
  };

  const subscribeEvents: Subscribe = (send) => {
    if (deps.bus === undefined) return () => undefined;
    return deps.bus.observe((event) => {
      if (event.type.startsWith('PROCESS_LOG') || event.type.startsWith('PROCESS_COMMUNICATION')) return;
      send('supd', plainEvent(event));
    });
  };

  const subscribeTail = (namespec: string): Subscribe | null => {
    const entry = findEntry(namespec);
    if (entry === undefined || logs === undefined) return null;
    return (send) => {
      for (const stream of ['stdout', 'stderr'] as const) {
        const text = lastLines(entry, stream, TAIL_BYTES).join('\n');
        if (text !== '') send('output', { stream, text: `${text}\n` });
      }
      return logs.tap((from, stream, chunk) => {
        if (from.key === entry.key) send('output', { stream, text: chunk.toString('utf8') });
      });
    };
  };

  const control: ObservePort['control'] = async (method, params) => {
    try {
      await deps.dispatcher.call(method, params);
      return { ok: true };
    } catch (error) {
      if (error instanceof Fault) return { ok: false, fault: error.faultString };
      throw error;
    }
  };

  return {
    metrics,
    metricsText: () => metrics.metricsText(),
    processStatus,
    overview,
    subscribeEvents,
    subscribeTail,
    control,
    assetsDir: findAssetsDir(),
  };
}

/** An event as JSON: output bytes as text. */
function plainEvent(event: SupdEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) out[key] = value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value;
  return out;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}


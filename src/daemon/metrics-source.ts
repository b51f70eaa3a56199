/**
 * Gathers what /metrics, `supd.processStatus` and the dashboard show, only when asked: one /proc
 * read per request (src/os/proc-stat.ts), the supervisor's state, the restart history, log
 * counters, pools and RPC counts. Nothing here runs on its own: an idle supd that nobody asks
 * never wakes for it.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Job } from '../core/job-table.js';
import type { ProcessEntry } from '../core/supervisor.js';
import { indexChildren, treeTotals, type ChildIndex, type ProcTable } from '../core/process-tree.js';
import type { EventBus } from '../events/bus.js';
import { createProcReader, type ProcReader } from '../os/proc-stat.js';
import { renderMetrics, type HealthState, type MetricsSnapshot, type ProcessMetrics } from '../rpc/metrics.js';
import type { Daemon } from './daemon.js';
import type { OutputCounts } from './logs-wiring.js';

/** A health check's view of one process, as the health layer reports it. */
export interface HealthView {
  readonly state: HealthState;
  /** Epoch ms of the last change of state. */
  readonly since: number;
  /** The last check's outcome in words ("exit status 0 in 12 ms", "timed out after 5 s"). */
  readonly lastResult: string | null;
}

/** What other layers add; every one optional. */
export interface ObserveSources {
  readonly bus?: EventBus;
  readonly logCounts?: (key: string) => OutputCounts;
  readonly rpcCounts?: () => { method: string; fault: string; count: number }[];
  readonly healthOf?: (key: string) => HealthView | null;
  /** Jobs kept (supctl run), running and finished. */
  readonly jobs?: () => readonly Job[];
}

/** One /proc snapshot with its child index. */
export interface ProcSnapshot {
  readonly table: ProcTable;
  readonly children: ChildIndex;
  readonly readSeconds: number;
}

const QUANTILES = [0.5, 0.9, 0.99, 1] as const;

export class MetricsSource {
  readonly proc: ProcReader;

  constructor(
    private readonly daemon: Daemon,
    private readonly sources: ObserveSources = {},
    proc?: ProcReader,
  ) {
    this.proc = proc ?? createProcReader();
  }

  readProc(): ProcSnapshot {
    const started = performance.now();
    const table = this.proc.readTable();
    const children = indexChildren(table);
    return { table, children, readSeconds: (performance.now() - started) / 1000 };
  }

  /** One process's figures from a snapshot. */
  processMetrics(entry: ProcessEntry, snap: ProcSnapshot, nowMs: number): ProcessMetrics {
    const m = entry.machine;
    const history = this.daemon.restarts.get(entry.key);
    const counts = this.sources.logCounts?.(entry.key) ?? { stdoutBytes: 0, stderrBytes: 0, heldBackMs: 0 };
    const isUp = m.pid !== 0 && (m.state.name === 'RUNNING' || m.state.name === 'STARTING' || m.state.name === 'STOPPING');
    return {
      group: entry.config.groupName,
      name: entry.config.name,
      state: m.state.name,
      health: this.sources.healthOf?.(entry.key)?.state ?? null,
      uptimeSeconds: isUp ? Math.max(0, (nowMs - m.laststart) / 1000) : 0,
      restarts: history.restarts,
      lastExitCode: history.lastExit?.exitstatus ?? null,
      tree: m.pid === 0 || !snap.table.has(m.pid) ? null : treeTotals(m.pid, snap.table, snap.children),
      logBytes: { stdout: counts.stdoutBytes, stderr: counts.stderrBytes },
      heldBackSeconds: counts.heldBackMs / 1000,
    };
  }

  /** The whole /metrics text. Waits one turn of the event loop first, to measure its delay. */
  async metricsText(): Promise<string> {
    const probeStart = performance.now();
    await nextTurn();
    this.daemon.loopDelay.record(Math.max(1, Math.round((performance.now() - probeStart) * 1e6)));
    return renderMetrics(this.snapshot());
  }

  snapshot(): MetricsSnapshot {
    const snap = this.readProc();
    const nowMs = this.daemon.clock();
    const processes = this.daemon.supervisor.list().map((entry) => this.processMetrics(entry, snap, nowMs));
    const cpu = process.cpuUsage();
    const delay = this.daemon.loopDelay;
    const count = delay.count;
    return {
      processes,
      supd: {
        rssBytes: process.memoryUsage.rss(),
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        startTimeSeconds: (Date.now() - process.uptime() * 1000) / 1000,
        eventLoopDelay: {
          quantiles: QUANTILES.map((q) => [q, count === 0 ? 0 : delay.percentile(q * 100) / 1e9] as const),
          sumSeconds: count === 0 ? 0 : (delay.mean * count) / 1e9,
          count,
        },
        pools: (this.sources.bus?.pools() ?? []).map((pool) => ({ pool: pool.name, ...pool.counts })),
        rpc: this.sources.rpcCounts?.() ?? [],
        jobsRunning: this.sources.jobs === undefined ? null : this.sources.jobs().filter((job) => job.state === 'running').length,
        procReadSeconds: snap.readSeconds,
      },
    };
  }
}

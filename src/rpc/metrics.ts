/**
 * What `GET /metrics` exports, as Prometheus metric families: per process (labels group, name)
 * and supd's own. Pure: a snapshot in (gathered by src/daemon/metrics-source.ts only when scraped),
 * text out. Names follow Prometheus' conventions: `supd_` prefix, `_total` counters, base units
 * in `_bytes` and `_seconds`. docs/metrics.md lists every family; a test keeps them in step.
 */
import { PROCESS_STATES, type ProcessStateName } from '../core/states.js';
import { RESTART_REASONS, type RestartReason } from '../core/restart-history.js';
import { renderFamilies, type MetricFamily, type Sample } from './prometheus-text.js';

export const HEALTH_STATES = ['starting', 'healthy', 'unhealthy'] as const;
export type HealthState = (typeof HEALTH_STATES)[number];

export interface ProcessMetrics {
  readonly group: string;
  readonly name: string;
  readonly state: ProcessStateName;
  /** null for a process without a health check. */
  readonly health: HealthState | null;
  /** 0 when it is not running. */
  readonly uptimeSeconds: number;
  readonly restarts: Readonly<Record<RestartReason, number>>;
  /** supervisord's exitstatus of the last exit (-1 for a signal); null before any. */
  readonly lastExitCode: number | null;
  /** Of the process and all its descendants; null when it has no pid. */
  readonly tree: { readonly processes: number; readonly rssBytes: number; readonly cpuSeconds: number } | null;
  /** Bytes read from its stdout and stderr pipes since supd started. */
  readonly logBytes: { readonly stdout: number; readonly stderr: number };
  /** How long its pipes were not read because supd's own stdout/stderr was slow to be read. */
  readonly heldBackSeconds: number;
}

export interface LoopDelay {
  /** Seconds, by quantile (0.5, 0.9, 0.99, 1 = max) over the samples taken. */
  readonly quantiles: readonly (readonly [number, number])[];
  readonly sumSeconds: number;
  readonly count: number;
}

export interface SupdMetrics {
  readonly rssBytes: number;
  readonly cpuSeconds: number;
  readonly startTimeSeconds: number;
  readonly eventLoopDelay: LoopDelay;
  readonly pools: readonly { readonly pool: string; readonly sent: number; readonly dropped: number }[];
  readonly rpc: readonly { readonly method: string; readonly fault: string; readonly count: number }[];
  /** null until jobs exist in this build. */
  readonly jobsRunning: number | null;
  /** How long reading /proc took for this scrape. */
  readonly procReadSeconds: number;
}

export interface MetricsSnapshot {
  readonly processes: readonly ProcessMetrics[];
  readonly supd: SupdMetrics;
}

const STATE_NAMES = Object.keys(PROCESS_STATES) as ProcessStateName[];

export function renderMetrics(snapshot: MetricsSnapshot): string {
  return renderFamilies(metricFamilies(snapshot));
}

export function metricFamilies({ processes, supd }: MetricsSnapshot): MetricFamily[] {
  const per = (fn: (p: ProcessMetrics, labels: { group: string; name: string }) => Sample[]): Sample[] =>
    processes.flatMap((p) => fn(p, { group: p.group, name: p.name }));
  const families: MetricFamily[] = [
    {
      name: 'supd_process_state',
      help: "The process's state as supervisord names it: 1 for the current state, 0 for the others.",
      type: 'gauge',
      samples: per((p, l) => STATE_NAMES.map((state) => ({ labels: { ...l, state }, value: p.state === state ? 1 : 0 }))),
    },
    {
      name: 'supd_process_health',
      help: 'The health check verdict: 1 for the current one, 0 for the others; absent for a process without a health check.',
      type: 'gauge',
      samples: per((p, l) =>
        p.health === null ? [] : HEALTH_STATES.map((health) => ({ labels: { ...l, health }, value: p.health === health ? 1 : 0 })),
      ),
    },
    {
      name: 'supd_process_uptime_seconds',
      help: 'How long the current run has lasted; 0 when the process is not running.',
      type: 'gauge',
      samples: per((p, l) => [{ labels: l, value: round(p.uptimeSeconds) }]),
    },
    {
      name: 'supd_process_restarts_total',
      help: 'Starts of a process that ran before, by why the run before ended (exit, crash, oom, healthcheck, operator).',
      type: 'counter',
      samples: per((p, l) => RESTART_REASONS.map((reason) => ({ labels: { ...l, reason }, value: p.restarts[reason] }))),
    },
    {
      name: 'supd_process_last_exit_code',
      help: "The last run's exit status as supervisord records it (-1 for a death by signal); absent before any exit.",
      type: 'gauge',
      samples: per((p, l) => (p.lastExitCode === null ? [] : [{ labels: l, value: p.lastExitCode }])),
    },
    {
      name: 'supd_process_resident_memory_bytes',
      help: 'Resident memory of the process and all its descendants.',
      type: 'gauge',
      samples: per((p, l) => (p.tree === null ? [] : [{ labels: l, value: p.tree.rssBytes }])),
    },
    {
      name: 'supd_process_cpu_seconds_total',
      help: 'User and system CPU time of the process and all its descendants, including those already reaped inside the tree; starts again at each run.',
      type: 'counter',
      samples: per((p, l) => (p.tree === null ? [] : [{ labels: l, value: round(p.tree.cpuSeconds) }])),
    },
    {
      name: 'supd_process_tree_processes',
      help: 'How many processes the process tree has (the process and its descendants).',
      type: 'gauge',
      samples: per((p, l) => (p.tree === null ? [] : [{ labels: l, value: p.tree.processes }])),
    },
    {
      name: 'supd_process_log_bytes_total',
      help: 'Bytes the process wrote to its stdout and stderr pipes.',
      type: 'counter',
      samples: per((p, l) => [
        { labels: { ...l, stream: 'stdout' }, value: p.logBytes.stdout },
        { labels: { ...l, stream: 'stderr' }, value: p.logBytes.stderr },
      ]),
    },
    {
      name: 'supd_process_held_back_seconds_total',
      help: "Time the process's output pipes were not read because supd's own stdout or stderr was slow to be read.",
      type: 'counter',
      samples: per((p, l) => [{ labels: l, value: round(p.heldBackSeconds) }]),
    },
    { name: 'supd_resident_memory_bytes', help: "supd's own resident memory.", type: 'gauge', samples: [{ value: supd.rssBytes }] },
    { name: 'supd_cpu_seconds_total', help: "supd's own user and system CPU time.", type: 'counter', samples: [{ value: round(supd.cpuSeconds) }] },
    {
      name: 'supd_start_time_seconds',
      help: 'When supd started, in seconds since the Unix epoch.',
      type: 'gauge',
      samples: [{ value: round(supd.startTimeSeconds) }],
    },
    {
      name: 'supd_event_loop_delay_seconds',
      help: "How late supd's event loop ran what was due: its own timers' lateness and one probe per scrape.",
      type: 'summary',
      samples: [
        ...supd.eventLoopDelay.quantiles.map(([q, v]) => ({ labels: { quantile: String(q) }, value: round(v) })),
        { suffix: '_sum', value: round(supd.eventLoopDelay.sumSeconds) },
        { suffix: '_count', value: supd.eventLoopDelay.count },
      ],
    },
    {
      name: 'supd_events_sent_total',
      help: 'Events sent to the listeners of each [eventlistener:x] pool.',
      type: 'counter',
      samples: supd.pools.map((p) => ({ labels: { pool: p.pool }, value: p.sent })),
    },
    {
      name: 'supd_events_dropped_total',
      help: "Events discarded because a pool's buffer was full (buffer_size).",
      type: 'counter',
      samples: supd.pools.map((p) => ({ labels: { pool: p.pool }, value: p.dropped })),
    },
    {
      name: 'supd_rpc_requests_total',
      help: 'XML-RPC calls answered, by method and fault name ("none" for a success).',
      type: 'counter',
      samples: supd.rpc.map((r) => ({ labels: { method: r.method, fault: r.fault }, value: r.count })),
    },
    {
      name: 'supd_metrics_proc_read_seconds',
      help: 'How long reading /proc took for this scrape.',
      type: 'gauge',
      samples: [{ value: round(supd.procReadSeconds) }],
    },
  ];
  if (supd.jobsRunning !== null) {
    families.push({ name: 'supd_jobs_running', help: 'Jobs (supctl run) running now.', type: 'gauge', samples: [{ value: supd.jobsRunning }] });
  }
  return families;
}

/** Microsecond resolution is plenty, and keeps 0.1 + 0.2 from printing 17 digits. */
function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

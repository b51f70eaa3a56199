import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { metricFamilies, renderMetrics, type MetricsSnapshot, type ProcessMetrics } from '../../../src/rpc/metrics.js';
import { renderFamilies } from '../../../src/rpc/prometheus-text.js';

const web: ProcessMetrics = {
  group: 'web',
  name: 'web_00',
  state: 'RUNNING',
  health: null,
  uptimeSeconds: 12.5,
  restarts: { exit: 0, crash: 2, oom: 0, healthcheck: 1, operator: 0 },
  lastExitCode: -1,
  tree: { processes: 3, rssBytes: 3_000_000, cpuSeconds: 0.1 + 0.2 },
  logBytes: { stdout: 10, stderr: 0 },
  heldBackSeconds: 0,
};

const snapshot: MetricsSnapshot = {
  processes: [web, { ...web, name: 'web_01', state: 'EXITED', health: 'unhealthy', tree: null, lastExitCode: null }],
  supd: {
    rssBytes: 60_000_000,
    cpuSeconds: 1.25,
    startTimeSeconds: 1_700_000_000,
    eventLoopDelay: { quantiles: [[0.5, 0.001], [1, 0.004]], sumSeconds: 0.005, count: 2 },
    pools: [{ pool: 'listener', sent: 5, dropped: 1 }],
    rpc: [{ method: 'supervisor.getState', fault: 'none', count: 3 }],
    jobsRunning: null,
    procReadSeconds: 0.002,
  },
};

describe('/metrics text', () => {
  const text = renderMetrics(snapshot);

  it('gives every family HELP and TYPE before its samples', () => {
    const families = metricFamilies(snapshot);
    for (const family of families) {
      expect(text).toContain(`# HELP ${family.name} `);
      expect(text).toContain(`# TYPE ${family.name} ${family.type}\n`);
      expect(family.name).toMatch(/^supd_[a-z_]+$/);
      if (family.type === 'counter') expect(family.name).toMatch(/_total$/);
    }
  });

  it('labels per-process series with group and name, one state set to 1', () => {
    expect(text).toContain('supd_process_state{group="web",name="web_00",state="RUNNING"} 1\n');
    expect(text).toContain('supd_process_state{group="web",name="web_00",state="STOPPED"} 0\n');
    expect(text).toContain('supd_process_restarts_total{group="web",name="web_00",reason="crash"} 2\n');
    expect(text).toContain('supd_process_health{group="web",name="web_01",health="unhealthy"} 1\n');
    expect(text).toContain('supd_process_cpu_seconds_total{group="web",name="web_00"} 0.3\n');
  });

  it('leaves out what a process does not have (health, tree, last exit)', () => {
    expect(text).not.toContain('supd_process_health{group="web",name="web_00"');
    expect(text).not.toContain('supd_process_resident_memory_bytes{group="web",name="web_01"}');
    expect(text).not.toContain('supd_process_last_exit_code{group="web",name="web_01"}');
  });

  it('renders the loop delay as a summary and supd figures unlabelled', () => {
    expect(text).toContain('supd_event_loop_delay_seconds{quantile="0.5"} 0.001\n');
    expect(text).toContain('supd_event_loop_delay_seconds_count 2\n');
    expect(text).toContain('supd_events_dropped_total{pool="listener"} 1\n');
    expect(text).toContain('supd_rpc_requests_total{method="supervisor.getState",fault="none"} 3\n');
    expect(text).not.toContain('supd_jobs_running');
  });

  it('escapes label values and help text', () => {
    const out = renderFamilies([
      { name: 'x', help: 'a \\ b\nc', type: 'gauge', samples: [{ labels: { name: 'q"\\\n' }, value: 1 }] },
    ]);
    expect(out).toBe('# HELP x a \\\\ b\\nc\n# TYPE x gauge\nx{name="q\\"\\\\\\n"} 1\n');
  });

  it('is documented family by family in docs/metrics.md', () => {
    const docs = readFileSync('docs/metrics.md', 'utf8');
    const names = metricFamilies({ ...snapshot, supd: { ...snapshot.supd, jobsRunning: 0 } }).map((f) => f.name);
    expect(names.filter((name) => !docs.includes(`\`${name}\``))).toEqual([]);
  });
});

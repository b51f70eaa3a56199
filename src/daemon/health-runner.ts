/**
 * Runs the health checks: one timer per program that has a check and is RUNNING (none at all when
 * no program has one), never two checks at a time for one process. Results go through the pure
 * rule (core/health.ts); a change of status is logged, told to listeners (events) and to the
 * Supervisor (depends_on waits on `healthy`); an unhealthy program with healthcheck_action=restart
 * is stopped and started again, its restart recorded with the reason `healthcheck`.
 */
import type { ProcessConfig } from '../config/types.js';
import { describeFailures, healthOnRunning, recordCheck, type CheckResult, type HealthRecord } from '../core/health.js';
import type { Millis } from '../core/process-machine.js';
import type { HealthStatus } from '../core/readiness.js';
import type { ProcessEntry, ProcessKey, Supervisor } from '../core/supervisor.js';
import { probeCommand, probeHttp, probeTcp } from '../os/health-probes.js';
import type { ProcessRuntime } from './process-runtime.js';
import type { RestartHistory } from '../core/restart-history.js';
import type { SupdLogger } from './supd-log.js';
import { setTimeoutAt, type LongTimeout } from '../core/long-timer.js';

export interface HealthChange {
  readonly entry: ProcessEntry;
  readonly status: 'healthy' | 'unhealthy';
  readonly health: HealthRecord;
}

export interface HealthRunnerDeps {
  readonly supervisor: () => Supervisor;
  readonly runtime: ProcessRuntime;
  readonly clock: () => Millis;
  readonly logger: SupdLogger;
  readonly restarts: RestartHistory;
  /** Tests may replace the probes; by default os/health-probes.ts. */
  readonly probe?: (config: ProcessConfig) => Promise<CheckResult>;
}

interface Slot {
  health: HealthRecord;
  timer: LongTimeout | null;
  /** Bumped when the process leaves RUNNING: a result of an older run is dropped. */
  readonly run: number;
}

export class HealthRunner {
  private readonly slots = new Map<ProcessKey, Slot>();
  /** Processes stopped for failing their check, to be started again once STOPPED. */
  private readonly restarting = new Set<ProcessKey>();
  private readonly listeners: ((change: HealthChange) => void)[] = [];
  private runs = 0;

  constructor(private readonly deps: HealthRunnerDeps) {
    deps.runtime.onTransition(({ process: entry, transition }) => {
      if (transition.to === 'RUNNING' && entry.config.healthcheck !== undefined) this.begin(entry.key);
      else if (transition.from === 'RUNNING') this.end(entry.key);
      if (transition.to === 'STOPPED' && this.restarting.delete(entry.key)) {
        // After the stop's own effects (its log line) are carried out, not in the middle of them.
        queueMicrotask(() => {
          if (this.supervisor.isShuttingDown) return;
          this.deps.logger.info(`health: starting ${entry.config.name} again`);
          deps.runtime.carryOut(this.supervisor.start(entry.key, deps.clock()));
        });
      }
    });
  }

  private get supervisor(): Supervisor {
    return this.deps.supervisor();
  }

  /** Health beside the state: null when the process has no check or is not RUNNING. */
  statusOf(key: ProcessKey): HealthStatus | null {
    return this.slots.get(key)?.health.status ?? null;
  }

  record(key: ProcessKey): HealthRecord | null {
    return this.slots.get(key)?.health ?? null;
  }

  /** Called after each change to healthy or unhealthy (events, logs). */
  onChange(listener: (change: HealthChange) => void): void {
    this.listeners.push(listener);
  }

  dispose(): void {
    for (const key of [...this.slots.keys()]) this.end(key);
  }

  private begin(key: ProcessKey): void {
    this.end(key);
    const slot: Slot = { health: healthOnRunning(this.deps.clock()), timer: null, run: ++this.runs };
    this.slots.set(key, slot);
    this.schedule(key, slot);
  }

  private end(key: ProcessKey): void {
    const slot = this.slots.get(key);
    if (slot === undefined) return;
    slot.timer?.cancel();
    this.slots.delete(key);
  }

  private schedule(key: ProcessKey, slot: Slot): void {
    // healthcheck_interval has no upper bound: setTimeoutAt waits any length.
    slot.timer = setTimeoutAt(globalThis, this.deps.clock, slot.health.nextAt, () => {
      slot.timer = null;
      void this.check(key, slot);
    });
  }

  private async check(key: ProcessKey, slot: Slot): Promise<void> {
    const entry = this.supervisor.get(key);
    const cfg = entry?.config.healthcheck;
    if (entry === undefined || cfg === undefined) return;
    const startedAt = this.deps.clock();
    let result: CheckResult;
    try {
      result = await (this.deps.probe ?? ((c) => this.probe(c)))(entry.config);
    } catch (error) {
      result = { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    if (this.slots.get(key) !== slot) return; // it left RUNNING (or restarted) meanwhile
    const step = recordCheck(slot.health, result, startedAt, this.deps.clock(), cfg);
    slot.health = step.health;
    const name = entry.config.name;
    if (!result.ok && step.change === null) {
      this.deps.logger.debug(`health: ${name} check failed (${describeFailures(step.health)})`);
    }
    if (step.change !== null) {
      if (step.change === 'healthy') this.deps.logger.info(`health: ${name} is healthy`);
      else this.deps.logger.warn(`health: ${name} is unhealthy (${describeFailures(step.health)})`);
      const current = this.supervisor.get(key) ?? entry;
      for (const listener of this.listeners) listener({ entry: current, status: step.change, health: step.health });
      this.deps.runtime.carryOut(this.supervisor.healthChanged(this.deps.clock()));
    }
    if (step.restart && !this.supervisor.isShuttingDown) {
      this.deps.logger.warn(`health: restarting ${name} after ${step.health.failures} failed checks`);
      this.restarting.add(key);
      this.deps.restarts.explainNextEnd(key, 'healthcheck');
      this.deps.runtime.carryOut(this.supervisor.stop(key, this.deps.clock()));
      return;
    }
    if (this.slots.get(key) === slot) this.schedule(key, slot);
  }

  private probe(config: ProcessConfig): Promise<CheckResult> {
    const cfg = config.healthcheck!;
    const { probe } = cfg;
    switch (probe.kind) {
      case 'http':
        return probeHttp(probe.url, cfg.timeoutMs);
      case 'tcp':
        return probeTcp(probe.host, probe.port, cfg.timeoutMs);
      case 'command':
        return probeCommand((r) => this.deps.runtime.spawnOther(r), this.deps.runtime.requestFor(config, probe.command), cfg.timeoutMs);
    }
  }
}

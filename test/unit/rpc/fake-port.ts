/**
 * An in-memory SupervisorPort for the rpc and supctl tests: groups of process snapshots whose
 * states the test drives, with scripted outcomes for start and stop. Not a supervisor: it only
 * moves states the way the daemon would report them.
 */
import type { ProcessConfig } from '../../../src/config/types.js';
import type { SupervisorStateName } from '../../../src/core/states.js';
import type {
  ConfigInfo,
  GroupSnapshot,
  ProcessSnapshot,
  Refusal,
  RereadResult,
  SupervisorPort,
} from '../../../src/rpc/supervisor-port.js';

/** What the fake does after startProcess: reach RUNNING next tick, stay STARTING, or die quickly. */
export type StartScript = 'runs' | 'manual' | 'exits-too-quickly';
/** What the fake does after stopProcess: reach STOPPED next tick, or stay STOPPING. */
export type StopScript = 'stops' | 'manual';

export function snapshot(name: string, patch: Partial<ProcessSnapshot> = {}): ProcessSnapshot {
  return {
    name,
    group: name,
    state: 'STOPPED',
    laststart: 0,
    laststop: 0,
    pid: 0,
    exitstatus: 0,
    spawnerr: null,
    stdoutLogfile: null,
    stderrLogfile: null,
    ...patch,
  };
}

interface FakeGroup {
  name: string;
  priority: number;
  processes: ProcessSnapshot[];
}

export class FakePort implements SupervisorPort {
  mood: SupervisorStateName = 'RUNNING';
  /** Unix seconds the fake stamps on laststart/laststop. */
  clock = 1_700_000_000;
  mainLog: string | null = null;
  readonly calls: string[] = [];
  readonly refusals = new Map<string, Refusal>();
  readonly startScripts = new Map<string, StartScript>();
  readonly stopScripts = new Map<string, StopScript>();
  readonly stdin: { group: string; name: string; data: string }[] = [];
  readonly commEvents: { type: string; data: string }[] = [];
  configInfos: ConfigInfo[] = [];
  reread: RereadResult = { ok: true, added: [], changed: [], removed: [] };
  /** Groups reloadConfig knows about but that are not active, for addProcessGroup. */
  readonly available = new Map<string, FakeGroup>();
  private groupList: FakeGroup[] = [];
  private readonly listeners = new Set<(p: ProcessSnapshot) => void>();
  /** Snapshots handed to the methods (listed, looked up, or sent to a subscriber): what the daemon builds. */
  snapshotsMade = 0;
  /** The most subscribers at once. */
  maxSubscribers = 0;
  private nextPid = 1000;

  addGroup(name: string, processes: ProcessSnapshot[], priority = 999): this {
    this.groupList.push({ name, priority, processes: processes.map((p) => ({ ...p, group: name })) });
    this.groupList.sort((a, b) => a.priority - b.priority);
    return this;
  }

  /** Changes a process and tells subscribers, as the daemon does on every transition. */
  set(group: string, name: string, patch: Partial<ProcessSnapshot>): ProcessSnapshot {
    const g = this.groupList.find((x) => x.name === group);
    const index = g?.processes.findIndex((p) => p.name === name) ?? -1;
    if (g === undefined || index < 0) throw new Error(`fake: no process ${group}:${name}`);
    const next = { ...(g.processes[index] as ProcessSnapshot), ...patch };
    g.processes[index] = next;
    for (const listener of [...this.listeners]) {
      this.snapshotsMade++;
      listener(next);
    }
    return next;
  }

  get(group: string, name: string): ProcessSnapshot {
    const p = this.groupList.find((x) => x.name === group)?.processes.find((x) => x.name === name);
    if (p === undefined) throw new Error(`fake: no process ${group}:${name}`);
    return p;
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

  state(): SupervisorStateName {
    return this.mood;
  }
  pid(): number {
    return 4242;
  }
  identification(): string {
    return 'supervisor';
  }
  version(): string {
    return '4.2.5';
  }
  groups(): readonly GroupSnapshot[] {
    for (const g of this.groupList) this.snapshotsMade += g.processes.length;
    return this.groupList.map((g) => ({ name: g.name, priority: g.priority, processes: [...g.processes] }));
  }
  configInfo(): readonly ConfigInfo[] {
    return this.configInfos;
  }
  mainLogfile(): string | null {
    return this.mainLog;
  }
  process(group: string, name: string): ProcessSnapshot | undefined {
    const p = this.groupList.find((x) => x.name === group)?.processes.find((x) => x.name === name);
    if (p !== undefined) this.snapshotsMade++;
    return p;
  }
  subscribe(listener: (process: ProcessSnapshot) => void): () => void {
    this.listeners.add(listener);
    this.maxSubscribers = Math.max(this.maxSubscribers, this.listeners.size);
    return () => this.listeners.delete(listener);
  }

  private refusal(command: string, group: string, name: string): Refusal | undefined {
    this.calls.push(`${command} ${group}:${name}`);
    return this.refusals.get(`${command} ${group}:${name}`);
  }

  async startProcess(group: string, name: string): Promise<Refusal | undefined> {
    const refusal = this.refusal('start', group, name);
    if (refusal !== undefined) return refusal;
    const pid = this.nextPid++;
    this.set(group, name, { state: 'STARTING', pid, laststart: this.clock, spawnerr: null });
    const script = this.startScripts.get(name) ?? 'runs';
    if (script === 'runs') setImmediate(() => this.set(group, name, { state: 'RUNNING' }));
    if (script === 'exits-too-quickly') {
      setImmediate(() =>
        this.set(group, name, {
          state: 'BACKOFF', pid: 0, laststop: this.clock,
          spawnerr: 'Exited too quickly (process log may have details)',
        }),
      );
    }
    return undefined;
  }

  async stopProcess(group: string, name: string): Promise<Refusal | undefined> {
    const refusal = this.refusal('stop', group, name);
    if (refusal !== undefined) return refusal;
    if (this.get(group, name).state === 'BACKOFF') {
      this.set(group, name, { state: 'STOPPED', pid: 0, laststop: this.clock });
      return undefined;
    }
    this.set(group, name, { state: 'STOPPING' });
    if ((this.stopScripts.get(name) ?? 'stops') === 'stops') {
      setImmediate(() => this.set(group, name, { state: 'STOPPED', pid: 0, laststop: this.clock }));
    }
    return undefined;
  }

  async signalProcess(group: string, name: string, signal: number): Promise<Refusal | undefined> {
    return this.refusal(`signal ${signal}`, group, name);
  }

  async sendProcessStdin(group: string, name: string, data: Uint8Array): Promise<Refusal | undefined> {
    const refusal = this.refusal('stdin', group, name);
    if (refusal === undefined) this.stdin.push({ group, name, data: new TextDecoder().decode(data) });
    return refusal;
  }

  sendRemoteCommEvent(type: string, data: string): void {
    this.commEvents.push({ type, data });
  }

  async clearProcessLogs(group: string, name: string): Promise<Refusal | undefined> {
    return this.refusal('clear', group, name);
  }

  async clearMainLog(): Promise<Refusal | undefined> {
    this.calls.push('clearMainLog');
    return this.mainLog === null ? { fault: 'NO_FILE' } : undefined;
  }

  async reloadConfig(): Promise<RereadResult> {
    this.calls.push('reloadConfig');
    return this.reread;
  }

  async addProcessGroup(name: string): Promise<Refusal | undefined> {
    this.calls.push(`add ${name}`);
    if (this.groupList.some((g) => g.name === name)) return { fault: 'ALREADY_ADDED' };
    const group = this.available.get(name);
    if (group === undefined) return { fault: 'BAD_NAME' };
    this.addGroup(group.name, group.processes, group.priority);
    return undefined;
  }

  async removeProcessGroup(name: string): Promise<Refusal | undefined> {
    this.calls.push(`remove ${name}`);
    const group = this.groupList.find((g) => g.name === name);
    if (group === undefined) return { fault: 'BAD_NAME' };
    if (group.processes.some((p) => ['RUNNING', 'STARTING', 'BACKOFF', 'STOPPING'].includes(p.state))) {
      return { fault: 'STILL_RUNNING' };
    }
    this.groupList = this.groupList.filter((g) => g !== group);
    this.available.set(name, group);
    return undefined;
  }

  shutdown(): void {
    this.calls.push('shutdown');
    this.mood = 'SHUTDOWN';
  }

  restart(): void {
    this.calls.push('restart');
    this.mood = 'RESTARTING';
  }
}

/** A ProcessConfig with supervisord's defaults, for getAllConfigInfo tests. */
export function processConfig(name: string, patch: Partial<ProcessConfig> = {}): ProcessConfig {
  const stream = {
    logfile: 'AUTO' as const, logfileMaxBytes: 52_428_800, logfileBackups: 10,
    captureMaxBytes: 0, eventsEnabled: false, syslog: false,
  };
  return {
    name, programName: name, groupName: name, processNum: 0, numprocs: 1,
    command: `/bin/${name}`, priority: 999, autostart: true, startSecs: 1, startRetries: 3,
    autorestart: 'unexpected', exitCodes: [0], stopSignal: 'TERM', stopWaitMs: 10_000,
    stopAsGroup: false, killAsGroup: false, user: null, redirectStderr: false,
    stdout: stream, stderr: stream, environment: {}, directory: null, umask: null, serverUrl: null,
    containerLogs: { enabled: false, format: 'prefixed', lineMaxBytes: 16_384 },
    backoffDelayMs: 1000,
    backoffFactor: null,
    backoffLimitMs: 30_000,
    shutdownOn: null,
    stopAsTree: false,
    origin: { file: '/etc/supd.conf', line: 1, section: `program:${name}` },
    ...patch,
  };
}

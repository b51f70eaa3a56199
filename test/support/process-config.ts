/** Builders for typed configs in pure tests: supervisord's defaults, overridden per test. */
import type { GroupConfig, ProcessConfig, StreamLogSettings } from '../../src/config/types.js';

const stream: StreamLogSettings = {
  logfile: 'AUTO',
  logfileMaxBytes: 50 * 1024 * 1024,
  logfileBackups: 10,
  captureMaxBytes: 0,
  eventsEnabled: false,
  syslog: false,
};

export function processConfig(overrides: Partial<ProcessConfig> = {}): ProcessConfig {
  const name = overrides.name ?? 'web';
  return {
    name,
    programName: name,
    groupName: name,
    processNum: 0,
    numprocs: 1,
    command: '/bin/true',
    priority: 999,
    autostart: true,
    startSecs: 1,
    startRetries: 3,
    autorestart: 'unexpected',
    exitCodes: [0],
    stopSignal: 'TERM',
    stopWaitMs: 10_000,
    stopAsGroup: false,
    killAsGroup: false,
    user: null,
    redirectStderr: false,
    stdout: stream,
    stderr: stream,
    environment: {},
    directory: null,
    umask: null,
    serverUrl: null,
    containerLogs: { enabled: false, format: 'prefixed', lineMaxBytes: 16_384 },
    backoffDelayMs: 1000,
    backoffFactor: null,
    backoffLimitMs: 30_000,
    shutdownOn: null,
    stopAsTree: false,
    origin: { file: '/etc/supd.conf', line: 1, section: `program:${name}` },
    ...overrides,
  };
}

/** A group of one program, as supervisord makes for each [program:x]. */
export function programGroup(overrides: Partial<ProcessConfig> = {}): GroupConfig {
  const p = processConfig(overrides);
  return { name: p.groupName, kind: 'program', priority: p.priority, processes: [p], origin: p.origin };
}

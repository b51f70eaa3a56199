/**
 * supd's issue-14 config beyond supervisord: `[status_http_server]`, a program's health check
 * (exactly one of healthcheck_command, _http, _tcp, with Docker's interval, timeout, retries and
 * start_period) and its start order (depends_on, and supervisord-dependent-startup's keys read as
 * the same thing), with the checks that need every program: unknown names, `healthy` on a program
 * without a check, and cycles. Pure, like the other section readers; the keys are in health-keys.ts.
 */
import { CommandSyntaxError, splitCommand } from './command-line.js';
import { ConfigError, ConfigWarning } from './config-error.js';
import type { IniSection, RawValue } from './dialect.js';
import { HEALTH_PROGRAM_KEYS, STATUS_HTTP_SERVER_KEYS } from './health-keys.js';
import type { Settings } from './key-spec.js';
import type { Present, SectionReader } from './section-reader.js';
import type { Dependency, GroupConfig, HealthCheckConfig, HealthProbe, Origin, ProcessConfig, StatusHttpServerSettings } from './types.js';

export function readStatusHttpServerSection(reader: SectionReader, section: IniSection): StatusHttpServerSettings {
  reader.warnUnknownKeys(section, STATUS_HTTP_SERVER_KEYS);
  const { values: v } = reader.readKeys(section, STATUS_HTTP_SERVER_KEYS, reader.sectionNames(section));
  // port= is required: when missing the error is reported and this value is never used.
  return v.port ?? { host: '', port: 0 };
}

type HealthSettings = Settings<typeof HEALTH_PROGRAM_KEYS>;

/** The fields a process gets from these keys; none at all when none of them is set. */
export interface HealthAndOrder {
  readonly healthcheck?: HealthCheckConfig;
  readonly dependsOn?: readonly Dependency[];
  readonly dependsOnOrigin?: Origin;
  /** dependent_startup=true: the plugin starts the program whatever autostart says. */
  readonly autostart?: true;
}

/** `host:port`, `:port` (127.0.0.1) or `[::1]:port`. */
function tcpTarget(raw: string): { host: string; port: number } | null {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(raw.trim());
  if (m === null) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  return { host: m[1] ?? (m[2] === '' ? '127.0.0.1' : m[2]!), port };
}

function probeOf(reader: SectionReader, v: HealthSettings, present: Present<HealthSettings>): HealthProbe | null | 'failed' {
  const given = (['healthcheck_command', 'healthcheck_http', 'healthcheck_tcp'] as const).filter((k) => v[k] !== null);
  if (given.length > 1) {
    const second = present[given[1]!]!;
    reader.error(new ConfigError(second.origin, `only one of healthcheck_command, healthcheck_http and healthcheck_tcp may be set (${given[0]} is set too)`, given[1], second.value));
    return 'failed';
  }
  const which = given[0];
  if (which === undefined) return null;
  const raw = present[which]!;
  const value = v[which]!;
  const bad = (reason: string): 'failed' => {
    reader.error(new ConfigError(raw.origin, reason, which, raw.value));
    return 'failed';
  };
  switch (which) {
    case 'healthcheck_command':
      try {
        if (splitCommand(value).length === 0) return bad('command is empty');
      } catch (e) {
        if (!(e instanceof CommandSyntaxError)) throw e;
        return bad(`can't parse command: ${e.reason}`);
      }
      return { kind: 'command', command: value };
    case 'healthcheck_http': {
      let url: URL;
      try {
        url = new URL(value.trim());
      } catch {
        return bad('expected an http:// or https:// URL, e.g. http://127.0.0.1:8080/healthz');
      }
      if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
        return bad('expected an http:// or https:// URL, e.g. http://127.0.0.1:8080/healthz');
      }
      return { kind: 'http', url: url.href };
    }
    case 'healthcheck_tcp': {
      const target = tcpTarget(value);
      return target === null ? bad('expected HOST:PORT (port 1-65535), e.g. 127.0.0.1:5432') : { kind: 'tcp', ...target };
    }
  }
}

/**
 * A process's health check and dependencies from its section's values, or null when one of them
 * is wrong (each mistake reported, naming file, line and key).
 */
export function readHealthAndOrder(reader: SectionReader, section: IniSection, v: HealthSettings, present: Present<HealthSettings>): HealthAndOrder | null {
  let failed = false;
  const out: { -readonly [K in keyof HealthAndOrder]: HealthAndOrder[K] } = {};
  const probe = probeOf(reader, v, present);
  if (probe === 'failed') failed = true;
  else if (probe !== null) {
    if (v.healthcheck_timeout >= v.healthcheck_interval) {
      const raw = present.healthcheck_timeout ?? present.healthcheck_interval;
      reader.error(
        new ConfigError(
          raw?.origin ?? section.origin,
          `healthcheck_timeout (${v.healthcheck_timeout} s) must be less than healthcheck_interval (${v.healthcheck_interval} s)`,
          present.healthcheck_timeout !== undefined ? 'healthcheck_timeout' : 'healthcheck_interval',
          raw?.value,
        ),
      );
      failed = true;
    }
    out.healthcheck = {
      probe,
      intervalMs: Math.round(v.healthcheck_interval * 1000),
      timeoutMs: Math.round(v.healthcheck_timeout * 1000),
      retries: v.healthcheck_retries,
      startPeriodMs: Math.round(v.healthcheck_start_period * 1000),
      action: v.healthcheck_action,
    };
  } else {
    for (const k of ['healthcheck_interval', 'healthcheck_timeout', 'healthcheck_retries', 'healthcheck_start_period', 'healthcheck_action'] as const) {
      const raw = present[k];
      if (raw !== undefined) reader.warn(new ConfigWarning(raw.origin, 'ignored: the program has no healthcheck_command, healthcheck_http or healthcheck_tcp', k, raw.value));
    }
  }

  const dependsOn: Dependency[] = [...v.depends_on];
  let where: RawValue | undefined = present.depends_on;
  const waitFor = present.dependent_startup_wait_for;
  if (v.dependent_startup) {
    out.autostart = true;
    dependsOn.push(...v.dependent_startup_wait_for);
    where ??= waitFor;
  } else if (waitFor !== undefined) {
    reader.warn(new ConfigWarning(waitFor.origin, 'ignored without dependent_startup=true (as supervisord-dependent-startup does)', 'dependent_startup_wait_for', waitFor.value));
  }
  if (dependsOn.length > 0) {
    out.dependsOn = dependsOn;
    out.dependsOnOrigin = where?.origin ?? section.origin;
  }
  return failed ? null : out;
}

/** The processes a depends_on name stands for: a program's, a group's, or one `group:process`. */
export function resolveDependency(name: string, processes: readonly ProcessConfig[]): ProcessConfig[] {
  const colon = name.indexOf(':');
  if (colon !== -1) {
    const group = name.slice(0, colon);
    const process = name.slice(colon + 1);
    return processes.filter((p) => p.groupName === group && (process === '*' || p.name === process));
  }
  return processes.filter((p) => p.programName === name || p.groupName === name);
}

function where(origin: Origin): string {
  return `${origin.file}:${origin.line}`;
}

/**
 * Checks every program's dependencies against all the others: unknown names, a program depending
 * on itself, `healthy` on a program without a health check, and cycles (printed `a -> b -> a`,
 * each with the file and line of its depends_on). True when all is well.
 */
export function checkDependencies(reader: SectionReader, groups: readonly GroupConfig[]): boolean {
  const processes = groups.flatMap((g) => g.processes);
  const programs = new Map<string, ProcessConfig>();
  for (const p of processes) if (!programs.has(p.programName)) programs.set(p.programName, p);
  const edges = new Map<string, string[]>();
  let ok = true;
  for (const p of programs.values()) {
    const origin = p.dependsOnOrigin ?? p.origin;
    const targets = new Set<string>();
    for (const dep of p.dependsOn ?? []) {
      const matched = resolveDependency(dep.name, processes);
      if (matched.length === 0) {
        reader.error(new ConfigError(origin, `depends on '${dep.name}', which is no program, group or group:process`));
        ok = false;
        continue;
      }
      if (matched.some((m) => m.programName === p.programName)) {
        reader.error(new ConfigError(origin, `depends on itself ('${dep.name}')`));
        ok = false;
        continue;
      }
      if (dep.conditions.every((c) => c === 'healthy')) {
        const unchecked = matched.find((m) => m.healthcheck === undefined);
        if (unchecked !== undefined) {
          reader.error(
            new ConfigError(origin, `depends on '${dep.name}:healthy', but ${unchecked.programName} has no health check (healthcheck_command, healthcheck_http or healthcheck_tcp)`),
          );
          ok = false;
        }
      }
      for (const m of matched) targets.add(m.programName);
    }
    edges.set(p.programName, [...targets]);
  }
  const cycle = findCycle(edges);
  if (cycle !== null) {
    const first = programs.get(cycle[0]!)!;
    const trail = cycle.slice(0, -1).map((name) => `${name} (${where(programs.get(name)!.dependsOnOrigin ?? programs.get(name)!.origin)})`);
    reader.error(new ConfigError(first.dependsOnOrigin ?? first.origin, `depends_on forms a cycle: ${cycle.join(' -> ')}; depends_on of ${trail.join(', ')}`));
    ok = false;
  }
  return ok;
}

/** The first cycle in a directed graph as a path that ends where it starts, or null. */
export function findCycle(edges: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, 'open');
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      const s = state.get(next);
      if (s === 'open') return [...path.slice(path.indexOf(next)), next];
      if (s === undefined) {
        const found = visit(next);
        if (found !== null) return found;
      }
    }
    path.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of [...edges.keys()].sort()) {
    if (state.has(node)) continue;
    const found = visit(node);
    if (found !== null) return found;
  }
  return null;
}

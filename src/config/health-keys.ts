/**
 * supd's keys for health checks, start order and the read-only status listener (issue 14), in
 * tables of their own: `[program:x]`'s healthcheck_* and depends_on rows (spread into
 * PROGRAM_KEYS), the supervisord-dependent-startup plugin's keys read as the same thing, and
 * `[status_http_server]`. Data and value parsers only: health-sections.ts applies them.
 */
import { key, REQUIRED } from './key-spec.js';
import type { DependCondition, Dependency } from './types.js';
import { bool, fail, ok, optionalText, type ValueParser } from './values.js';

/** `host:port`, `:port`, `*:port` or `port`; unlike [inet_http_server], port 0 picks a free port. */
export const listenAddress: ValueParser<{ readonly host: string; readonly port: number }> = (raw) => {
  const colon = raw.lastIndexOf(':');
  const host = colon === -1 ? '' : raw.slice(0, colon).trim().toLowerCase();
  const portText = (colon === -1 ? raw : raw.slice(colon + 1)).trim();
  const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 0 && port <= 65535)) return fail('expected a port (0-65535) or host:port');
  return ok({ host: host === '*' ? '' : host, port });
};

/** Seconds, fractions allowed ("0.5"), more than 0. */
export const positiveSeconds: ValueParser<number> = (raw) => {
  const s = raw.trim();
  if (!/^\d+(\.\d+)?$|^\.\d+$/.test(s) || Number(s) <= 0) return fail('expected a number of seconds > 0 (fractions allowed, e.g. 0.5)');
  return ok(Number(s));
};

/** Seconds, fractions allowed, 0 or more. */
export const seconds: ValueParser<number> = (raw) => {
  const s = raw.trim();
  if (!/^\d+(\.\d+)?$|^\.\d+$/.test(s)) return fail('expected a number of seconds >= 0 (fractions allowed, e.g. 0.5)');
  return ok(Number(s));
};

export const positiveInteger: ValueParser<number> = (raw) => {
  const s = raw.trim();
  if (!/^\d+$/.test(s) || Number(s) < 1) return fail('expected an integer >= 1');
  return ok(Number(s));
};

export const healthAction: ValueParser<'restart' | 'none'> = (raw) => {
  const s = raw.trim().toLowerCase();
  return s === 'restart' || s === 'none' ? ok(s) : fail('expected restart or none');
};

export const DEPEND_CONDITIONS: readonly DependCondition[] = ['running', 'healthy', 'completed'];

/**
 * depends_on: names separated by commas or spaces, each `name` or `name:condition`. A name is a
 * program, a group, or `group:process`; a last `:running`, `:healthy` or `:completed` is the
 * condition (running when none is given).
 */
export const dependsOn: ValueParser<readonly Dependency[]> = (raw) => {
  const out: Dependency[] = [];
  for (const word of raw.split(/[\s,]+/).filter((w) => w !== '')) {
    const colon = word.lastIndexOf(':');
    const tail = colon === -1 ? '' : word.slice(colon + 1).toLowerCase();
    const condition = DEPEND_CONDITIONS.find((c) => c === tail);
    const name = condition === undefined ? word : word.slice(0, colon);
    if (name === '' || name.startsWith(':') || name.endsWith(':') || name.split(':').length > 2) {
      return fail(`'${word}' is not a name, name:condition or group:process[:condition] (conditions: ${DEPEND_CONDITIONS.join(', ')})`);
    }
    out.push({ name, conditions: [condition ?? 'running'] });
  }
  return ok(out);
};

/**
 * supervisord-dependent-startup's `dependent_startup_wait_for = parent:running other:exited`: the
 * plugin's states read as supd's conditions (running -> running, exited -> completed); several
 * comma-separated states mean any of them.
 */
export const dependentStartupWaitFor: ValueParser<readonly Dependency[]> = (raw) => {
  const out: Dependency[] = [];
  for (const word of raw.split(/\s+/).filter((w) => w !== '')) {
    const colon = word.lastIndexOf(':');
    if (colon <= 0) return fail(`'${word}' is not service:state (states supd reads: running, exited)`);
    const conditions: DependCondition[] = [];
    for (const state of word.slice(colon + 1).toLowerCase().split(',')) {
      if (state === 'running') conditions.push('running');
      else if (state === 'exited') conditions.push('completed');
      else return fail(`state '${state}' of '${word}': supd reads running and exited (as depends_on's running and completed)`);
    }
    out.push({ name: word.slice(0, colon), conditions });
  }
  return ok(out);
};

/**
 * The supd-extension rows of [program:x] for health checks and start order. healthcheck_command,
 * _http and _tcp expand per process (so %(process_num)d can pick a port); exactly one may be set.
 */
export const HEALTH_PROGRAM_KEYS = {
  healthcheck_command: key(optionalText, null, 'process'),
  healthcheck_http: key(optionalText, null, 'process'),
  healthcheck_tcp: key(optionalText, null, 'process'),
  healthcheck_interval: key(positiveSeconds, 10),
  healthcheck_timeout: key(positiveSeconds, 3),
  healthcheck_retries: key(positiveInteger, 3),
  healthcheck_start_period: key(seconds, 0),
  healthcheck_action: key(healthAction, 'restart'),
  depends_on: key(dependsOn, []),
  dependent_startup: key(bool, false),
  dependent_startup_wait_for: key(dependentStartupWaitFor, []),
  dependent_startup_inherit_priority: key(bool, false),
} as const;

/** `[status_http_server]`: GET /healthz and /readyz, without auth, apart from the control server. */
export const STATUS_HTTP_SERVER_KEYS = {
  port: key(listenAddress, REQUIRED),
} as const;

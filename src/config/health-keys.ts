/**
 * supd's keys for health checks, start order and the read-only status listener (issue 14), in
 * tables of their own: `[program:x]`'s healthcheck_* and depends_on rows (spread into
 * PROGRAM_KEYS), the supervisord-dependent-startup plugin's keys read as the same thing, and
 * `[status_http_server]`. Data only: validate-health.ts applies them.
 */
import { key, REQUIRED } from './key-spec.js';
import { fail, ok, type ValueParser } from './values.js';

/** `host:port`, `:port`, `*:port` or `port`; unlike [inet_http_server], port 0 picks a free port. */
export const listenAddress: ValueParser<{ readonly host: string; readonly port: number }> = (raw) => {
  const colon = raw.lastIndexOf(':');
  const host = colon === -1 ? '' : raw.slice(0, colon).trim().toLowerCase();
  const portText = (colon === -1 ? raw : raw.slice(colon + 1)).trim();
  const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 0 && port <= 65535)) return fail('expected a port (0-65535) or host:port');
  return ok({ host: host === '*' ? '' : host, port });
};

/** `[status_http_server]`: GET /healthz and /readyz, without auth, apart from the control server. */
export const STATUS_HTTP_SERVER_KEYS = {
  port: key(listenAddress, REQUIRED),
} as const;

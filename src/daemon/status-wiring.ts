/**
 * Starts `[status_http_server]` for a daemon: /healthz (supd alive and not shutting down) and
 * /readyz (core/readiness.ts over every process). Other layers add routes (/metrics) through the
 * returned server. Started before any program, closed when supd exits.
 */
import type { StatusHttpServerSettings } from '../config/types.js';
import { startStatusServer, type StatusResponse, type StatusServer } from '../rpc/status-http-server.js';
import type { Daemon } from './daemon.js';
import { readinessOf } from './readiness-view.js';

export function healthzAnswer(daemon: Daemon): StatusResponse {
  return daemon.supervisor.isShuttingDown ? { status: 503, body: 'shutting down\n' } : { status: 200, body: 'ok\n' };
}

export function readyzAnswer(daemon: Daemon): StatusResponse {
  if (daemon.supervisor.isShuttingDown) return { status: 503, body: 'supd: shutting down\n' };
  const readiness = readinessOf(daemon.supervisor, [], (entry) => daemon.readinessView(entry));
  if (readiness.ready) return { status: 200, body: 'ready\n' };
  return { status: 503, body: readiness.notReady.map((p) => `${p.name}: ${p.why}\n`).join('') };
}

export async function attachStatusServer(daemon: Daemon, settings: StatusHttpServerSettings): Promise<StatusServer> {
  const server = await startStatusServer({
    host: settings.host,
    port: settings.port,
    routes: { '/healthz': () => healthzAnswer(daemon), '/readyz': () => readyzAnswer(daemon) },
    log: (level, message) => daemon.logger[level](message),
  });
  const { address, port } = server.address;
  const shown = address.includes(':') ? `[${address}]` : address;
  daemon.logger.info(`status server listening on http://${shown}:${port} (/healthz, /readyz, /metrics)`);
  daemon.addCloser(() => server.close());
  return server;
}

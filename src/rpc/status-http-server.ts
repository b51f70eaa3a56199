/**
 * The read-only status listener of `[status_http_server]`: plain HTTP, no auth, GET and HEAD only
 * (anything else 405), apart from the control server so that probes never need control access.
 * Holds the socket and the method rules; what each path answers comes from its route (status
 * routes for /healthz and /readyz, /metrics from whoever adds it). It never accepts a control action.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One answer: a status code and a text body (sent without the body for HEAD). */
export interface StatusResponse {
  readonly status: number;
  readonly body: string;
  /** Defaults to text/plain; charset=utf-8. */
  readonly contentType?: string;
}

export type StatusRoute = (query: URLSearchParams) => StatusResponse | Promise<StatusResponse>;

export interface StatusServer {
  /** The bound address (with port 0, the port the kernel chose). */
  readonly address: AddressInfo;
  /** Answer GET/HEAD `path` with `route`; replaces an earlier route for the same path. */
  addRoute(path: string, route: StatusRoute): void;
  close(): Promise<void>;
}

export interface StatusServerOptions {
  /** '' listens on every interface. */
  readonly host: string;
  readonly port: number;
  readonly routes?: Readonly<Record<string, StatusRoute>>;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** A status server that cannot listen (port taken, bad host): supd prints it and exits. */
export class StatusServerError extends Error {
  override readonly name = 'StatusServerError';
}

function send(req: IncomingMessage, res: ServerResponse, answer: StatusResponse, extra: Record<string, string> = {}): void {
  const body = Buffer.from(answer.body, 'utf8');
  res.writeHead(answer.status, {
    'content-type': answer.contentType ?? 'text/plain; charset=utf-8',
    'content-length': String(body.length),
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export async function startStatusServer(options: StatusServerOptions): Promise<StatusServer> {
  const routes = new Map<string, StatusRoute>(Object.entries(options.routes ?? {}));
  const log = options.log ?? ((): void => undefined);
  const server = createServer((req, res) => {
    // Request bodies are never read: nothing here takes input beyond the path and query.
    req.resume();
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(req, res, { status: 405, body: 'method not allowed: this listener is read-only (GET, HEAD)\n' }, { allow: 'GET, HEAD' });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://status');
    const route = routes.get(url.pathname);
    if (route === undefined) {
      send(req, res, { status: 404, body: `not found: ${url.pathname} (try ${[...routes.keys()].join(', ')})\n` });
      return;
    }
    Promise.resolve()
      .then(() => route(url.searchParams))
      .then(
        (answer) => send(req, res, answer),
        (error: unknown) => {
          log('error', `status server: ${url.pathname} failed: ${error instanceof Error ? error.message : String(error)}`);
          send(req, res, { status: 500, body: 'internal error\n' });
        },
      );
  });
  // Probes open a connection per request; a stuck client must not hold supd's shutdown.
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const where = `${options.host || '*'}:${options.port}`;
      reject(new StatusServerError(`[status_http_server] port=${where}: cannot listen: ${error.code ?? error.message}`));
    };
    server.once('error', onError);
    server.listen({ host: options.host === '' ? undefined : options.host, port: options.port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    address,
    addRoute(path, route) {
      routes.set(path, route);
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

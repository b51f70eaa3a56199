/**
 * The HTTP routes for looking at supd, behind the control server's auth: GET /metrics (Prometheus
 * text), the dashboard (its files from dist/dashboard), its JSON snapshot, its server-sent event
 * streams and its control actions. Transport only: what is shown comes through ObservePort.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { ExtraRoutes } from './http-server.js';
import { PROMETHEUS_CONTENT_TYPE } from './prometheus-text.js';

/** One server-sent event stream; returns unsubscribe. */
export type Subscribe = (send: (event: string, data: unknown) => void) => () => void;

export interface ObservePort {
  metricsText(): Promise<string>;
  /** Every program with state, health, uptime, restarts, memory, CPU, tree (the dashboard's view). */
  overview(): unknown;
  /** State changes and other events as listeners get them, and new jobs. */
  subscribeEvents: Subscribe;
  /** The recent output of one program, then each new chunk; null for an unknown name. */
  subscribeTail(namespec: string): Subscribe | null;
  /** A control action from the dashboard: the XML-RPC method and its arguments, answered as the RPC would. */
  control(method: string, params: readonly (string | number | boolean)[]): Promise<{ ok: true } | { ok: false; fault: string }>;
  /** Where the dashboard's files are (dist/dashboard); null when not built. */
  readonly assetsDir: string | null;
}

const ASSET_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The dashboard's buttons, as XML-RPC calls; nothing else may be called from the page. */
const CONTROL_METHODS = new Set(['supervisor.startProcess', 'supervisor.stopProcess', 'supervisor.signalProcess', 'supd.restartProcess']);

const MAX_CONTROL_BODY = 4096;

export function createObserveRoutes(port: ObservePort): ExtraRoutes {
  const assets = new Map<string, Buffer>();
  const asset = (name: string): Buffer | null => {
    if (port.assetsDir === null) return null;
    const known = assets.get(name);
    if (known !== undefined) return known;
    try {
      const bytes = readFileSync(join(port.assetsDir, name));
      assets.set(name, bytes);
      return bytes;
    } catch {
      return null;
    }
  };

  return async (req, res, path) => {
    const method = req.method ?? 'GET';
    if (path === '/metrics') {
      if (method !== 'GET' && method !== 'HEAD') return answer(res, 405, 'text/plain', 'GET only\n');
      const text = await port.metricsText();
      answer(res, 200, PROMETHEUS_CONTENT_TYPE, text);
      return true;
    }
    if (path === '/' || path === '/index.html' || /^\/dashboard\/[a-z0-9-]+\.(js|css|svg|html)$/.test(path)) {
      if (method !== 'GET' && method !== 'HEAD') return answer(res, 405, 'text/plain', 'GET only\n');
      const name = path === '/' || path === '/index.html' ? 'index.html' : path.slice('/dashboard/'.length);
      const bytes = asset(name);
      if (bytes === null) return answer(res, 404, 'text/plain', 'the dashboard is not built (npm run build)\n');
      const type = ASSET_TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream';
      res.writeHead(200, {
        'Content-Type': type,
        'Content-Length': bytes.length,
        'Cache-Control': 'no-cache',
        // The page runs only its own files: no inline script, nothing from elsewhere, not framed.
        'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        'X-Content-Type-Options': 'nosniff',
      });
      res.end(method === 'HEAD' ? undefined : bytes);
      return true;
    }
    if (path === '/api/overview' && method === 'GET') {
      answer(res, 200, 'application/json', JSON.stringify(port.overview()));
      return true;
    }
    if (path === '/api/events' && method === 'GET') {
      stream(req, res, port.subscribeEvents);
      return true;
    }
    if (path.startsWith('/api/tail/') && method === 'GET') {
      const subscribe = port.subscribeTail(decodeURIComponent(path.slice('/api/tail/'.length)));
      if (subscribe === null) return answer(res, 404, 'text/plain', 'no such process\n');
      stream(req, res, subscribe);
      return true;
    }
    if (path === '/api/control') {
      if (method !== 'POST') return answer(res, 405, 'text/plain', 'POST only\n');
      // A JSON body cannot be sent cross-origin without a preflight, which supd never allows.
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) return answer(res, 415, 'text/plain', 'JSON only\n');
      const body = await readSmallBody(req);
      let call: { method?: unknown; params?: unknown };
      try {
        call = JSON.parse(body ?? '') as typeof call;
      } catch {
        return answer(res, 400, 'text/plain', 'bad JSON\n');
      }
      const params = Array.isArray(call.params) ? call.params : [];
      if (typeof call.method !== 'string' || !CONTROL_METHODS.has(call.method) || !params.every(isScalar)) {
        return answer(res, 400, 'text/plain', 'not a dashboard action\n');
      }
      answer(res, 200, 'application/json', JSON.stringify(await port.control(call.method, params)));
      return true;
    }
    return false;
  };
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function answer(res: ServerResponse, status: number, type: string, body: string): true {
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': bytes.length, 'Cache-Control': 'no-store' });
  res.end(bytes);
  return true;
}

/** A server-sent event stream: each event one `event:`/`data:` block; closed when the client goes. */
function stream(req: IncomingMessage, res: ServerResponse, subscribe: Subscribe): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Accel-Buffering': 'no',
  });
  res.write(': supd\n\n');
  const unsubscribe = subscribe((event, data) => {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  });
  req.on('close', unsubscribe);
}

function readSmallBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_CONTROL_BODY) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_CONTROL_BODY ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

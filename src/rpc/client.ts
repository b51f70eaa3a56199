/**
 * A small XML-RPC client for supctl over `unix:///path` or `http://host:port`, speaking only the
 * public API (so it works against supervisord too): call() for POST /RPC2, follow() for the
 * streaming GET /logtail and /mainlogtail. Faults come back as Fault; transport failures as
 * RpcConnectionError or RpcHttpError. HTTP itself is http-wire.ts (node:http loads too slowly for
 * a CLI). Not a server: see http-server.ts.
 */
import { Fault } from './faults.js';
import { WireConnection, WireError, type WireResponse, type WireTarget } from './http-wire.js';
import { decodeMethodResponse, encodeMethodCall, type XmlRpcValue } from './xmlrpc-codec.js';

export interface RpcClientOptions {
  /** `unix:///run/supd.sock` or `http://127.0.0.1:9001`. */
  readonly serverUrl: string;
  readonly username?: string | null;
  readonly password?: string | null;
}

/** The server could not be reached (no socket file, refused, unknown host). */
export class RpcConnectionError extends Error {
  override readonly name = 'RpcConnectionError';
  constructor(
    readonly serverUrl: string,
    /** The errno code: ENOENT, ECONNREFUSED, EACCES, ... */
    readonly code: string,
  ) {
    super(`cannot connect to ${serverUrl}: ${code}`);
  }
}

/** The server answered with an HTTP error (401 for bad credentials, 400 for a bad request). */
export class RpcHttpError extends Error {
  override readonly name = 'RpcHttpError';
  constructor(
    readonly serverUrl: string,
    readonly status: number,
    readonly statusMessage: string,
  ) {
    super(`${serverUrl}: HTTP ${status} ${statusMessage}`);
  }
}

export interface RpcClient {
  /** Calls `method`; rejects with Fault, RpcConnectionError or RpcHttpError. */
  call(method: string, params?: readonly XmlRpcValue[]): Promise<XmlRpcValue>;
  /** GETs a streaming path (/logtail/web/stderr) and hands over each chunk until `signal` aborts or the server ends it. */
  follow(path: string, onChunk: (chunk: Buffer) => void, signal?: AbortSignal): Promise<void>;
  /** Drops the kept-alive connection. */
  close(): void;
}

/** Parses a serverurl as supervisorctl accepts it; throws an Error naming the URL otherwise. */
export function parseServerUrl(serverUrl: string): { readonly target: WireTarget; readonly host: string } {
  if (serverUrl.startsWith('unix://')) {
    const socketPath = serverUrl.slice('unix://'.length);
    if (socketPath === '') throw new Error(`bad server URL ${serverUrl}: no socket path`);
    // supervisor's transport uses 'localhost' as the Host of a unix socket connection.
    return { target: { socketPath }, host: 'localhost' };
  }
  if (serverUrl.startsWith('http://')) {
    const url = new URL(serverUrl);
    const port = url.port === '' ? 80 : Number(url.port);
    return { target: { host: url.hostname.replace(/^\[|\]$/g, ''), port }, host: url.host };
  }
  throw new Error(`bad server URL ${serverUrl}: use unix:///path/to/socket or http://host:port`);
}

export function createRpcClient(options: RpcClientOptions): RpcClient {
  const { target, host } = parseServerUrl(options.serverUrl);
  const connection = new WireConnection(target, host);
  const headers: Record<string, string> = {};
  if (options.username != null && options.password != null) {
    headers.Authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  }

  async function send(method: 'GET' | 'POST', path: string, body: Buffer | null, signal?: AbortSignal): Promise<WireResponse> {
    try {
      const extra: Record<string, string> = body === null ? {} : { 'Content-Type': 'text/xml', Accept: 'text/xml' };
      const res = await connection.request(method, path, { ...headers, ...extra }, body, signal);
      if (res.status !== 200) {
        await res.readBody(() => undefined).catch(() => undefined);
        throw new RpcHttpError(options.serverUrl, res.status, res.statusMessage);
      }
      return res;
    } catch (error) {
      throw error instanceof WireError ? new RpcConnectionError(options.serverUrl, error.code) : error;
    }
  }

  return {
    async call(method, params = []) {
      const res = await send('POST', '/RPC2', Buffer.from(encodeMethodCall(method, params), 'utf8'));
      const chunks: Buffer[] = [];
      try {
        await res.readBody((chunk) => chunks.push(chunk));
      } catch (error) {
        throw error instanceof WireError ? new RpcConnectionError(options.serverUrl, error.code) : error;
      }
      const response = decodeMethodResponse(Buffer.concat(chunks).toString('utf8'));
      if (response.isFault) throw new Fault(response.faultCode, response.faultString);
      return response.value;
    },

    async follow(path, onChunk, signal) {
      if (signal?.aborted) return;
      const onAbort = (): void => connection.close();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const res = await send('GET', path, null, signal);
        await res.readBody(onChunk);
      } catch (error) {
        if (signal?.aborted) return;
        throw error instanceof WireError ? new RpcConnectionError(options.serverUrl, error.code) : error;
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    },

    close() {
      connection.close();
    },
  };
}

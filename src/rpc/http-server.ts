/**
 * supd's HTTP servers, as supervisord's http.py runs them: `[unix_http_server]` on a socket file
 * (chmod, chown; a stale socket is replaced, a live one is never taken over) and optionally
 * `[inet_http_server]`, with Basic auth (plain or `{SHA}` passwords) and a request size cap.
 * Routes: POST /RPC2 (XML-RPC), GET /logtail/NAME[/stderr], GET /mainlogtail, and supd's
 * GET /jobtail/JOB (job-tail.ts). Holds sockets, auth and caps only: methods.ts answers the calls.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { chmod, chown, link, rm, stat, unlink } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Fault, FAULTS } from './faults.js';
import { handleJobTail } from './job-tail.js';
import type { JobsPort } from './jobs-port.js';
import { followLiveTail, followLogFile, type LiveTail } from './log-follow.js';
import { AnswerTooLarge, createRpcMethods, DEFAULT_MAX_ANSWER_BYTES, type RpcDispatcher } from './methods.js';
import { splitNamespec } from './namespec.js';
import type { SupervisorPort } from './supervisor-port.js';
import { decodeMethodCall, encodeFault, encodeMethodResponseChunks, XmlRpcParseError } from './xmlrpc-codec.js';

/** Default cap on a request body; supervisord has none, supd refuses larger ones with 413. */
export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

export { DEFAULT_MAX_ANSWER_BYTES };

/** From this size on, an answer is reported to afterLargeAnswer. */
export const LARGE_ANSWER_BYTES = 4 * 1024 * 1024;

/** supervisord's logtail_handler sends this many bytes of history before following. */
const LOGTAIL_HEAD_BYTES = 1024;

export interface Credentials {
  readonly username: string | null;
  /** Plain text, or `{SHA}` followed by the hex SHA-1 of the password (supervisord's form). */
  readonly password: string | null;
}

export interface UnixServerOptions extends Credentials {
  readonly file: string;
  /** Mode of the socket file, e.g. 0o700 (supervisord's default). */
  readonly chmod: number;
  /** Owner of the socket file, already resolved from `chown=user:group`; null leaves it alone. */
  readonly chown?: { readonly uid: number; readonly gid: number } | null;
}

export interface InetServerOptions extends Credentials {
  /** '' or '*' listens on every interface (supervisord's `port=9001` / `port=*:9001`). */
  readonly host: string;
  /** 0 picks a free port (tests); see RpcServers.inetAddress. */
  readonly port: number;
}

export type ServerLog = (level: 'info' | 'warn' | 'error', message: string) => void;

/**
 * More routes behind the same auth (/metrics, the dashboard): resolves true when it answered the
 * request, false to let the server answer 404.
 */
export type ExtraRoutes = (req: IncomingMessage, res: ServerResponse, path: string) => boolean | Promise<boolean>;

export interface RpcServerOptions {
  /** The running supervisor the methods act on. */
  readonly port: SupervisorPort;
  /** Defaults to createRpcMethods(port, { jobs }). */
  readonly dispatcher?: RpcDispatcher;
  /** supd's jobs: the supd.*Job* methods and GET /jobtail. */
  readonly jobs?: JobsPort;
  readonly unix?: UnixServerOptions | null;
  readonly inet?: InetServerOptions | null;
  readonly maxRequestBytes?: number;
  /** Defaults to DEFAULT_MAX_ANSWER_BYTES. */
  readonly maxAnswerBytes?: number;
  readonly routes?: ExtraRoutes;
  /**
   * Called after an answer of LARGE_ANSWER_BYTES or more was written (or refused): supd runs
   * without V8's memory reducer, so the daemon returns the pages it took (heap-trim.ts).
   */
  readonly afterLargeAnswer?: () => void;
  /** Where supd's own log lines go (stale socket replaced, no auth, 500s). */
  readonly log?: ServerLog;
}

export interface RpcServers {
  /** The bound TCP address when an inet server runs (useful with port 0). */
  readonly inetAddress: AddressInfo | null;
  /** Stops listening, ends open connections and removes the socket file if it is still ours. */
  close(): Promise<void>;
}

/** A server that cannot start: supd prints the message and exits. */
export class RpcServerError extends Error {
  override readonly name = 'RpcServerError';
}

/** Starts the configured servers; rejects with RpcServerError (and starts none) on a problem. */
export async function startRpcServers(options: RpcServerOptions): Promise<RpcServers> {
  const log = options.log ?? ((): void => undefined);
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const maxAnswerBytes = options.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES;
  const dispatcher = options.dispatcher ?? createRpcMethods(options.port, { jobs: options.jobs, maxAnswerBytes });
  if (options.inet) assertInetIsSafe(options.inet);

  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all(closers.splice(0).map((close) => close()));
  };
  try {
    if (options.unix) {
      const server = createServer(createRequestHandler({ port: options.port, dispatcher, jobs: options.jobs, auth: options.unix, maxRequestBytes, maxAnswerBytes, log, routes: options.routes, afterLargeAnswer: options.afterLargeAnswer }));
      closers.push(await listenUnix(server, options.unix, log));
      if (!options.unix.username) log('warn', `server 'unix_http_server' running without any HTTP authentication checking`);
    }
    let inetAddress: AddressInfo | null = null;
    if (options.inet) {
      const server = createServer(createRequestHandler({ port: options.port, dispatcher, jobs: options.jobs, auth: options.inet, maxRequestBytes, maxAnswerBytes, log, routes: options.routes, afterLargeAnswer: options.afterLargeAnswer }));
      inetAddress = await listenInet(server, options.inet);
      closers.push(() => closeServer(server));
      if (!options.inet.username) log('warn', `server 'inet_http_server' running without any HTTP authentication checking`);
    }
    return { inetAddress, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

// --- listening --------------------------------------------------------------------------------

/** supd refuses what supervisord only warns about: an unauthenticated port beyond loopback. */
function assertInetIsSafe(inet: InetServerOptions): void {
  if (isLoopback(inet.host) || (inet.username && inet.password)) return;
  const where = `${inet.host === '' ? '*' : inet.host}:${inet.port}`;
  throw new RpcServerError(
    `[inet_http_server] port=${where} listens beyond loopback without a password: ` +
      `set username and password, or listen on 127.0.0.1:${inet.port}`,
  );
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

async function listenInet(server: Server, inet: InetServerOptions): Promise<AddressInfo> {
  const host = inet.host === '' || inet.host === '*' ? undefined : inet.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new RpcServerError(`cannot listen on [inet_http_server] port=${inet.host}:${inet.port}: ${error.code ?? error.message}`)),
    );
    server.listen({ port: inet.port, host }, resolve);
  });
  return server.address() as AddressInfo;
}

/**
 * http.py supervisor_af_unix_http_server: bind a private name, then hard-link it into place, so a
 * live server's socket is never replaced; a stale one (connect refused) is unlinked and retried.
 */
async function listenUnix(server: Server, unix: UnixServerOptions, log: ServerLog): Promise<() => Promise<void>> {
  const file = unix.file;
  const temp = `${file}.${process.pid}`;
  await rm(temp, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new RpcServerError(`cannot create [unix_http_server] file=${file}: ${error.code ?? error.message}`)),
    );
    server.listen(temp, resolve);
  });
  try {
    await chmod(temp, unix.chmod);
    for (let attempt = 0; ; attempt++) {
      try {
        await link(temp, file);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) {
          throw new RpcServerError(`cannot create [unix_http_server] file=${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
        }
        if (await isLive(file)) {
          throw new RpcServerError(`[unix_http_server] file=${file} is in use by a running server (another supd?); not taking it over`);
        }
        log('info', `unlinking stale socket ${file}`);
        await rm(file, { force: true });
      }
    }
    if (unix.chown) {
      try {
        await chown(file, unix.chown.uid, unix.chown.gid);
      } catch (error) {
        await rm(file, { force: true });
        throw new RpcServerError(
          `cannot chown [unix_http_server] file=${file} to ${unix.chown.uid}:${unix.chown.gid}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        );
      }
    }
  } catch (error) {
    await closeServer(server);
    throw error;
  } finally {
    await rm(temp, { force: true });
  }
  const ino = (await stat(file)).ino;
  return async () => {
    await closeServer(server);
    // Remove the socket only if it is still the one we created.
    const now = statSync(file, { throwIfNoEntry: false });
    if (now?.ino === ino) await unlink(file).catch(() => undefined);
  };
}

function isLive(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(file);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

// --- requests -------------------------------------------------------------------------------------

interface HandlerOptions {
  readonly port: SupervisorPort;
  readonly dispatcher: RpcDispatcher;
  readonly jobs?: JobsPort;
  readonly auth: Credentials;
  readonly maxRequestBytes: number;
  /** The largest XML-RPC answer sent; a larger one is replaced by a FAILED fault. */
  readonly maxAnswerBytes: number;
  readonly log: ServerLog;
  readonly routes?: ExtraRoutes | undefined;
  readonly afterLargeAnswer?: (() => void) | undefined;
}

/** The request listener for one server; exported so tests can drive it without a socket. */
export function createRequestHandler(options: HandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(options, req, res).catch((error: unknown) => {
      options.log('error', `HTTP request ${req.method ?? ''} ${req.url ?? ''} failed: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) reply(res, 500, 'Internal Server Error');
      else res.destroy();
    });
  };
}

async function handle(options: HandlerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (options.auth.username) {
    const verdict = authorize(req.headers.authorization, options.auth);
    if (verdict === 'malformed') return answerEarly(options, req, res, 400, 'Bad Request');
    if (verdict === 'denied') {
      res.setHeader('WWW-Authenticate', 'Basic realm="default"');
      res.setHeader('Connection', 'close');
      return answerEarly(options, req, res, 401, 'Unauthorized');
    }
  }
  // A browser holding the credentials must not be made to act by another site's page (CSRF):
  // whatever changes state comes by POST, and a POST from another origin is refused.
  if (req.method !== 'GET' && req.method !== 'HEAD' && isCrossOrigin(req)) return answerEarly(options, req, res, 403, 'Forbidden');
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  // Matched by prefix, as supervisord's handlers match request.uri.startswith(path).
  if (path.startsWith('/RPC2')) return handleRpc(options, req, res);
  if (path.startsWith('/logtail')) return handleLogtail(options, req, res, path);
  if (path.startsWith('/mainlogtail')) return handleMainLogtail(options, req, res);
  if (path.startsWith('/jobtail/') && options.jobs !== undefined) return handleJobTail(options.jobs, req, res, path);
  if (options.routes !== undefined && (await options.routes(req, res, path))) return;
  return answerEarly(options, req, res, 404, 'Not Found');
}

/**
 * Answers a request without using its body: the whole answer goes out at once (a client may wait
 * for it before sending a large body), but the response is ended, and the connection possibly
 * closed, only once the body has been read and dropped. A client that writes its body after the
 * head (Python's http.client does) would otherwise meet a closed socket and see EPIPE instead of
 * the answer. The read is bounded in bytes and time; past either bound the connection is closed.
 */
function answerEarly(options: HandlerOptions, req: IncomingMessage, res: ServerResponse, status: number, message: string): Promise<void> {
  const body = errorPage(status, message);
  res.writeHead(status, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(body) });
  res.write(body);
  return drainBody(req, options.maxRequestBytes + EARLY_DRAIN_BYTES, EARLY_DRAIN_MS).then((drained) => {
    res.end();
    if (!drained) req.socket.destroy();
  });
}

/** Beyond the request cap, how much of a body is read (and dropped) before an early answer. */
const EARLY_DRAIN_BYTES = 16 * 1024 * 1024;
/** How long an early answer waits for the rest of the body. */
const EARLY_DRAIN_MS = 5_000;

/** Reads and drops the rest of a request's body; false if a bound was reached first. */
function drainBody(req: IncomingMessage, maxBytes: number, maxMs: number): Promise<boolean> {
  if (req.complete) return Promise.resolve(true);
  return new Promise((resolve) => {
    let seen = 0;
    const finish = (drained: boolean): void => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onFail).off('close', onFail);
      if (!drained) req.pause();
      resolve(drained);
    };
    const onData = (chunk: Buffer): void => {
      seen += chunk.length;
      if (seen > maxBytes) finish(false);
    };
    const onEnd = (): void => finish(true);
    const onFail = (): void => finish(false);
    const timer = setTimeout(() => finish(false), maxMs);
    req.on('data', onData).on('end', onEnd).on('error', onFail).on('close', onFail);
  });
}

/** A browser says where a request comes from; supervisorctl and other clients send neither header. */
function isCrossOrigin(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true; // "null" (a sandboxed or file: page) or garbage
  }
}

type AuthVerdict = 'ok' | 'denied' | 'malformed';

/** medusa auth_handler + http.py encrypted_dictionary_authorizer. */
function authorize(header: string | undefined, auth: Credentials): AuthVerdict {
  if (header === undefined) return 'denied';
  const [scheme = '', cookie = ''] = header.trim().split(/\s+/, 2);
  if (scheme.toLowerCase() !== 'basic') return 'denied';
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(cookie)) return 'malformed';
  const decoded = Buffer.from(cookie, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return 'denied';
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const stored = auth.password ?? '';
  const matches = stored.startsWith('{SHA}')
    ? sameText(createHash('sha1').update(password, 'utf8').digest('hex'), stored.slice(5))
    : sameText(password, stored);
  return sameText(username, auth.username ?? '') && matches ? 'ok' : 'denied';
}

function sameText(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

async function handleRpc(options: HandlerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // medusa's xmlrpc_handler answers anything but POST with 400.
  if (req.method !== 'POST') return answerEarly(options, req, res, 400, 'Bad Request');
  const body = await readBody(req, options.maxRequestBytes);
  if (body === 'too-large') {
    res.setHeader('Connection', 'close');
    return answerEarly(options, req, res, 413, 'Payload Too Large');
  }
  let call;
  try {
    call = decodeMethodCall(body);
  } catch (error) {
    if (!(error instanceof XmlRpcParseError)) throw error;
    // supervisord answers an unmarshallable request with HTTP 400 (xmlrpc.py continue_request).
    options.log('warn', `XML-RPC request is invalid: ${error.message}`);
    return reply(res, 400, 'Bad Request');
  }
  let chunks: string[];
  let length = 0;
  // What the answer came to before any refusal: the memory it took is what to give back.
  let produced = 0;
  try {
    chunks = [];
    // Pieces of at most ~64 KiB, counted as they come; past the cap only the count goes on.
    for (const chunk of encodeMethodResponseChunks(await options.dispatcher.call(call.methodName, call.params))) {
      length += Buffer.byteLength(chunk, 'utf8');
      if (length <= options.maxAnswerBytes) chunks.push(chunk);
      else chunks.length = 0;
    }
    produced = length;
    if (length > options.maxAnswerBytes) {
      options.log('warn', `XML-RPC answer to ${call.methodName} of ${length} bytes refused (over ${options.maxAnswerBytes})`);
      throw new AnswerTooLarge(length, options.maxAnswerBytes);
    }
  } catch (error) {
    if (!(error instanceof Fault)) throw error;
    if (error instanceof AnswerTooLarge) produced = error.bytes;
    const xml = encodeFault(error.faultCode, error.faultString);
    chunks = [xml];
    length = Buffer.byteLength(xml, 'utf8');
  }
  res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': length });
  await writeChunks(res, chunks);
  if (produced >= LARGE_ANSWER_BYTES) options.afterLargeAnswer?.();
}

/**
 * Writes the pieces in order, waiting for the socket to drain whenever its buffer is full (a
 * client reading slowly holds at most one piece beyond the socket's buffer), and lets go of each
 * piece once written. Stops when the connection closes.
 */
async function writeChunks(res: ServerResponse, chunks: string[]): Promise<void> {
  for (let i = 0; i < chunks.length; i++) {
    const chunk = chunks[i]!;
    chunks[i] = '';
    if (res.write(chunk, 'utf8') || i === chunks.length - 1) continue;
    if (res.destroyed) return;
    const open = await new Promise<boolean>((resolve) => {
      const onDrain = (): void => (res.off('close', onClose), resolve(true));
      const onClose = (): void => (res.off('drain', onDrain), resolve(false));
      res.once('drain', onDrain).once('close', onClose);
    });
    if (!open) return;
  }
  res.end();
}

/** The whole body, or 'too-large' as soon as it passes `limit` (the rest is left unread). */
function readBody(req: IncomingMessage, limit: number): Promise<string | 'too-large'> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.resolve('too-large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData).off('end', onEnd);
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => resolve(Buffer.concat(chunks).toString('utf8'));
    req.on('data', onData).on('end', onEnd).on('error', reject);
  });
}

/** http.py logtail_handler: 404 for an unknown process or a log not on disk (yet). */
function handleLogtail(options: HandlerOptions, req: IncomingMessage, res: ServerResponse, rawPath: string): void {
  if (req.method !== 'GET') return void answerEarly(options, req, res, 400, 'Bad Request');
  let path = rawPath;
  try {
    if (path.includes('%')) path = decodeURIComponent(path);
  } catch {
    return void answerEarly(options, req, res, 400, 'Bad Request');
  }
  const rest = path.replace(/^\/+/, '').split('/').slice(1).join('/');
  const slash = rest.indexOf('/');
  const namespec = slash === -1 ? rest : rest.slice(0, slash);
  const channel = slash === -1 ? 'stdout' : rest.slice(slash + 1);
  const { group, process: name } = splitNamespec(namespec);
  const process = options.port.groups().find((g) => g.name === group)?.processes.find((p) => p.name === name);
  if (process === undefined) return void answerEarly(options, req, res, 404, 'Not Found');
  const logfile = channel === 'stdout' ? process.stdoutLogfile : channel === 'stderr' ? process.stderrLogfile : null;
  const tail = logfile === null && (channel === 'stdout' || channel === 'stderr') ? options.port.processLogTail?.(process.group, process.name, channel) : null;
  streamLog(options, req, res, logfile, tail ?? null);
}

function handleMainLogtail(options: HandlerOptions, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET') return void answerEarly(options, req, res, 400, 'Bad Request');
  streamLog(options, req, res, options.port.mainLogfile());
}

function streamLog(options: HandlerOptions, req: IncomingMessage, res: ServerResponse, logfile: string | null, tail: LiveTail | null = null): void {
  const info = logfile === null ? undefined : statSync(logfile, { throwIfNoEntry: false });
  if (info === undefined && tail === null) return void answerEarly(options, req, res, 404, 'Not Found');
  // No Content-Length: node sends the body chunked, as medusa does for tail_f_producer.
  res.writeHead(200, {
    'Content-Type': 'text/plain;charset=utf-8',
    'Last-Modified': (info?.mtime ?? new Date()).toUTCString(),
    'X-Accel-Buffering': 'no',
  });
  // At once, as medusa does: node would hold them back until the first byte of the log.
  res.flushHeaders();
  const follower = logfile !== null && info !== undefined ? followLogFile(logfile, LOGTAIL_HEAD_BYTES, res) : followLiveTail(tail!, LOGTAIL_HEAD_BYTES, res);
  res.on('close', () => follower.stop());
}

function errorPage(status: number, message: string): string {
  return `<html><head><title>Error response</title></head><body><h1>Error response</h1><p>Error code ${status}.</p><p>Message: ${message}.</p></body></html>`;
}

function reply(res: ServerResponse, status: number, message: string): void {
  const body = errorPage(status, message);
  res.writeHead(status, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

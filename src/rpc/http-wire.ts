/**
 * A minimal HTTP/1.1 client over node:net for client.ts: one kept-alive connection, requests one
 * at a time, bodies by Content-Length, chunked, or until close. It exists because loading
 * node:http costs supctl ~30 ms at every start (health checks run it often). Not a general
 * client: no redirects, proxies, TLS or pipelining.
 */
import { connect, type Socket } from 'node:net';

export type WireTarget = { readonly socketPath: string } | { readonly host: string; readonly port: number };

export interface WireResponse {
  readonly status: number;
  readonly statusMessage: string;
  readonly headers: ReadonlyMap<string, string>;
  /** Calls onChunk with each piece of the body as it arrives; resolves at its end. */
  readBody(onChunk: (chunk: Buffer) => void): Promise<void>;
}

/** The connection failed or broke; `code` is the errno code (ENOENT, ECONNREFUSED, ...). */
export class WireError extends Error {
  override readonly name = 'WireError';
  constructor(readonly code: string) {
    super(code);
  }
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/** Bytes from a socket, read by delimiter or count. */
class Reader {
  private buffer: Buffer = Buffer.alloc(0);
  private ended = false;
  private failure: WireError | null = null;
  private wake: (() => void) | null = null;

  constructor(socket: Socket) {
    socket.on('data', (data: Buffer) => {
      this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
      this.notify();
    });
    socket.on('end', () => ((this.ended = true), this.notify()));
    socket.on('close', () => ((this.ended = true), this.notify()));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.failure = new WireError(error.code ?? error.message);
      this.notify();
    });
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private async more(): Promise<boolean> {
    if (this.failure !== null) throw this.failure;
    if (this.ended) return false;
    await new Promise<void>((resolve) => (this.wake = resolve));
    if (this.failure !== null) throw this.failure;
    return true;
  }

  async until(delimiter: Buffer): Promise<Buffer> {
    for (;;) {
      const at = this.buffer.indexOf(delimiter);
      if (at !== -1) {
        const out = this.buffer.subarray(0, at);
        this.buffer = this.buffer.subarray(at + delimiter.length);
        return out;
      }
      if (!(await this.more())) throw new WireError('ECONNRESET');
    }
  }

  async exactly(count: number, onChunk: (chunk: Buffer) => void): Promise<void> {
    let left = count;
    while (left > 0) {
      if (this.buffer.length === 0 && !(await this.more())) throw new WireError('ECONNRESET');
      const take = this.buffer.subarray(0, left);
      this.buffer = this.buffer.subarray(take.length);
      left -= take.length;
      if (take.length > 0) onChunk(take);
    }
  }

  async toEnd(onChunk: (chunk: Buffer) => void): Promise<void> {
    for (;;) {
      if (this.buffer.length > 0) {
        const data = this.buffer;
        this.buffer = Buffer.alloc(0);
        onChunk(data);
      }
      if (!(await this.more())) return;
    }
  }
}

export class WireConnection {
  private socket: Socket | null = null;
  private reader: Reader | null = null;

  constructor(
    private readonly target: WireTarget,
    private readonly hostHeader: string,
  ) {}

  /** Sends one request and resolves with the response head; read the body before the next request. */
  async request(method: string, path: string, headers: Readonly<Record<string, string>>, body: Buffer | null, signal?: AbortSignal): Promise<WireResponse> {
    const { socket, reader } = await this.open(signal);
    const lines = [`${method} ${path} HTTP/1.1`, `Host: ${this.hostHeader}`];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    if (body !== null) lines.push(`Content-Length: ${body.length}`);
    socket.write(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body ?? Buffer.alloc(0)]));

    const head = (await reader.until(HEADER_END)).toString('latin1').split('\r\n');
    const statusLine = /^HTTP\/(\d\.\d) (\d{3}) ?(.*)$/.exec(head[0] ?? '');
    if (statusLine === null) throw new WireError('EPROTO');
    const responseHeaders = new Map<string, string>();
    for (const line of head.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) responseHeaders.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const keepAlive =
      (responseHeaders.get('connection') ?? '').toLowerCase() !== 'close' &&
      (statusLine[1] === '1.1' || (responseHeaders.get('connection') ?? '').toLowerCase() === 'keep-alive');
    const length = responseHeaders.get('content-length');
    const chunked = (responseHeaders.get('transfer-encoding') ?? '').toLowerCase().includes('chunked');
    const noBody = method === 'HEAD' || statusLine[2] === '204' || statusLine[2] === '304';

    const readBody = async (onChunk: (chunk: Buffer) => void): Promise<void> => {
      try {
        if (noBody) {
          // nothing to read
        } else if (chunked) {
          for (;;) {
            const size = Number.parseInt((await reader.until(CRLF)).toString('latin1').split(';')[0] ?? '', 16);
            if (Number.isNaN(size)) throw new WireError('EPROTO');
            if (size === 0) {
              while ((await reader.until(CRLF)).length > 0); // trailers
              break;
            }
            await reader.exactly(size, onChunk);
            await reader.until(CRLF);
          }
        } else if (length !== undefined) {
          await reader.exactly(Number(length), onChunk);
        } else {
          await reader.toEnd(onChunk);
          this.drop();
          return;
        }
        if (!keepAlive) this.drop();
      } catch (error) {
        this.drop();
        throw error;
      }
    };
    return { status: Number(statusLine[2]), statusMessage: statusLine[3] ?? '', headers: responseHeaders, readBody };
  }

  private open(signal?: AbortSignal): Promise<{ socket: Socket; reader: Reader }> {
    if (this.socket !== null && this.reader !== null && !this.socket.destroyed) {
      return Promise.resolve({ socket: this.socket, reader: this.reader });
    }
    return new Promise((resolve, reject) => {
      const socket = 'socketPath' in this.target ? connect(this.target.socketPath) : connect(this.target.port, this.target.host);
      const reader = new Reader(socket);
      const onAbort = (): void => void socket.destroy();
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () => {
        this.socket = socket;
        this.reader = reader;
        resolve({ socket, reader });
      });
      socket.once('error', (error: NodeJS.ErrnoException) => reject(new WireError(error.code ?? error.message)));
    });
  }

  private drop(): void {
    this.socket?.destroy();
    this.socket = null;
    this.reader = null;
  }

  close(): void {
    this.drop();
  }
}

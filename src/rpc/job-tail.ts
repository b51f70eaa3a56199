/**
 * GET /jobtail/JOB?stdout=N&stderr=M: a job's output from those absolute offsets, then live as it
 * is written, then its exit, as one chunked body in job-stream.ts frames; `supctl link` follows
 * it as `supctl tail -f` follows /logtail, with no polling on either side. A reader sends from
 * the rings at its own pace; while it is behind, the job's pipes wait for it (job-runner.ts), so
 * an attached client loses nothing of what it has not yet been sent.
 * Not auth or routing (http-server.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isJobComplete, JOB_STREAMS, type JobStream } from '../core/job-table.js';
import { jobInfo } from './job-methods.js';
import { encodeDataHeader, encodeEnd, encodeLost, JOB_STREAM_CONTENT_TYPE } from './job-stream.js';
import type { JobsPort } from './jobs-port.js';

/** The most one data frame carries. */
const FRAME_BYTES = 256 * 1024;
/** How much may wait in the response's queue before the follower waits for it to drain. */
const QUEUE_BYTES = 1024 * 1024;

export function handleJobTail(jobs: JobsPort, req: IncomingMessage, res: ServerResponse, path: string): void {
  if (req.method !== 'GET') return replyText(res, 400, 'GET /jobtail/JOB?stdout=OFFSET&stderr=OFFSET');
  let ref: string;
  try {
    ref = decodeURIComponent(path.replace(/^\/+jobtail\/?/, '').replace(/\/+$/, ''));
  } catch {
    return replyText(res, 400, 'bad job reference');
  }
  const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
  const position: Record<JobStream, number> = { stdout: 0, stderr: 0 };
  for (const stream of JOB_STREAMS) {
    const raw = query.get(stream);
    if (raw === null) continue;
    if (!/^\d{1,15}$/.test(raw)) return replyText(res, 400, `${stream}= must be a byte offset`);
    position[stream] = Number(raw);
  }
  const found = jobs.find(ref);
  if ('fault' in found) return replyText(res, 404, found.detail ?? `no such job: ${ref}`);
  const job = found;

  res.writeHead(200, {
    'Content-Type': JOB_STREAM_CONTENT_TYPE,
    'X-Accel-Buffering': 'no',
    'Cache-Control': 'no-store',
    'X-Supd-Job': job.id,
  });
  let isWaitingForDrain = false;
  let isDone = false;

  const pump = (): void => {
    if (isWaitingForDrain || isDone) return;
    send();
    // What was sent may free the job's pipes (job-runner.ts holds them for a follower behind).
    registration.progress();
    if (!isWaitingForDrain && isJobComplete(job)) {
      isDone = true;
      registration.stop();
      const info = jobInfo(job);
      res.end(encodeEnd(job.state, Number(info.exitcode), job.signal));
    }
  };
  const send = (): void => {
    for (let wrote = true; wrote; ) {
      wrote = false;
      for (const stream of JOB_STREAMS) {
        const ring = job.output[stream];
        if (position[stream] >= ring.end) continue;
        const read = ring.read(position[stream], FRAME_BYTES);
        if (read.lost > 0) res.write(encodeLost(stream, read.lost));
        position[stream] = read.offset + read.data.length;
        if (read.data.length === 0) continue;
        res.write(encodeDataHeader(stream, read.offset, read.data.length));
        wrote = true;
        res.write(read.data);
        // Up to QUEUE_BYTES wait in the socket's queue: a round trip per 16 KiB (Node's default
        // high-water mark) would make the client's event loop, not the bytes, the limit.
        if (res.writableLength >= QUEUE_BYTES) {
          isWaitingForDrain = true;
          res.once('drain', () => {
            isWaitingForDrain = false;
            pump();
          });
          return;
        }
      }
    }
  };
  const registration = jobs.follow(job.id, { position: () => position, wake: pump });
  res.on('close', () => {
    isDone = true;
    registration.stop();
  });
  pump();
}

function replyText(res: ServerResponse, status: number, message: string): void {
  const body = `${message}\n`;
  res.writeHead(status, { 'Content-Type': 'text/plain;charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

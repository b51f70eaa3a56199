/**
 * The three health probes, as Docker and Kubernetes run them: a command (healthy on exit 0; killed
 * with its whole process group at the timeout), an HTTP GET (healthy on 200-399, as the kubelet's
 * httpGet; https without certificate checks, as the kubelet does) and a TCP connect. Each settles
 * within its timeout with a CheckResult and never throws. Thin: no scheduling, no state.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { CheckResult } from '../core/health.js';
import { sendSignal } from './signals.js';
import { describeSpawnFailure } from './spawn-failure.js';
import { readableFromFd, type SpawnRequest, type SpawnResult } from './spawn.js';
import { setLongTimeout } from '../core/long-timer.js';

function seconds(ms: number): string {
  return `${ms / 1000} s`;
}

/** GET `url`; healthy on a status from 200 to 399. The body is read and dropped. */
export function probeHttp(url: string, timeoutMs: number): Promise<CheckResult> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: CheckResult): void => {
      if (settled) return;
      settled = true;
      timer.cancel();
      req.destroy();
      resolve(result);
    };
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = request(url, { method: 'GET', headers: { 'user-agent': 'supd-healthcheck', connection: 'close' }, rejectUnauthorized: false }, (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      settle(status >= 200 && status < 400 ? { ok: true } : { ok: false, error: `HTTP ${status} from ${url}` });
    });
    req.on('error', (error) => settle({ ok: false, error: error.message }));
    const timer = setLongTimeout(globalThis, Date.now, timeoutMs, () => settle({ ok: false, error: `no answer from ${url} within ${seconds(timeoutMs)}` }));
    req.end();
  });
}

/** Healthy when a TCP connection to host:port opens; it is closed at once. */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<CheckResult> {
  return new Promise((resolve) => {
    let settled = false;
    const socket = connect({ host, port });
    const settle = (result: CheckResult): void => {
      if (settled) return;
      settled = true;
      timer.cancel();
      socket.destroy();
      resolve(result);
    };
    socket.once('connect', () => settle({ ok: true }));
    socket.once('error', (error) => settle({ ok: false, error: error.message }));
    const timer = setLongTimeout(globalThis, Date.now, timeoutMs, () => settle({ ok: false, error: `connect ${host}:${port}: no answer within ${seconds(timeoutMs)}` }));
  });
}

/** The last line a failing check command printed, to say why it failed (Pebble shows its output too). */
const OUTPUT_KEPT_BYTES = 1024;

/**
 * Runs a check command (spawned like the program itself, in its own session and process group)
 * and waits for its exit: healthy on 0. At the timeout its whole process group is killed.
 */
export async function probeCommand(spawn: (request: SpawnRequest) => SpawnResult, request: SpawnRequest, timeoutMs: number): Promise<CheckResult> {
  const spawned = spawn({ ...request, redirectStderr: true });
  if (!spawned.ok) return { ok: false, error: describeSpawnFailure(spawned.failure) };
  const { child } = spawned;
  let output = '';
  const stream = readableFromFd(child.stdoutFd);
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    output = (output + chunk).slice(-OUTPUT_KEPT_BYTES);
  });
  stream.on('error', () => undefined);
  // Written to, never read: close our end of its stdin so a check reading stdin sees EOF.
  child.openStdin().end();
  let timedOut = false;
  // healthcheck_timeout has no upper bound: setLongTimeout waits any length.
  const timer = setLongTimeout(globalThis, Date.now, timeoutMs, () => {
    timedOut = true;
    // The check may have started children of its own: the whole group goes (it leads it).
    sendSignal(child.pid, 'KILL', true);
  });
  const exit = await child.exit;
  timer.cancel();
  // Its output may still be in the pipe after the exit; a grandchild may hold the pipe open.
  await new Promise<void>((resolve) => {
    if (stream.readableEnded || stream.destroyed) return resolve();
    const done = setTimeout(() => {
      stream.destroy();
      resolve();
    }, 100);
    stream.once('close', () => {
      clearTimeout(done);
      resolve();
    });
  });
  if (timedOut) return { ok: false, error: `timed out after ${seconds(timeoutMs)} (killed)` };
  if (exit.code === 0) return { ok: true };
  const lastLine = output.trimEnd().split('\n').at(-1) ?? '';
  const how = exit.signal !== null ? `killed by ${exit.signal}` : `exit status ${exit.code ?? '?'}`;
  return { ok: false, error: lastLine === '' ? how : `${how}: ${lastLine}` };
}

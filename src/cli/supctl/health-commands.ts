/**
 * `supctl health [NAME...]` and `supctl wait [--timeout S] [NAME...]`: whether supd is ready, from
 * supd.getReadiness (the rule /readyz uses), for Docker's HEALTHCHECK, scripts and `docker exec`.
 * Exit codes: 0 ready, 1 not ready (each reason printed), 2 a usage error or unknown name, 4 supd
 * cannot be reached (docs/supctl.md).
 */
import { FAULTS, Fault } from '../../rpc/faults.js';
import type { XmlRpcValue } from '../../rpc/xmlrpc-codec.js';
import type { JobContext } from './job-commands.js';

export const HEALTH_COMMANDS: Readonly<Record<string, string>> = {
  health: 'health [NAME...]  Exit 0 when every process that should run is RUNNING and healthy, 1 (saying why) when not, 4 when supd cannot be reached',
  wait: 'wait [--timeout S] [NAME...]  Block until health would exit 0 (or the timeout: exit 1, or 4 if supd never answered)',
};

export const HEALTH_EXIT = { READY: 0, NOT_READY: 1, USAGE: 2, UNREACHABLE: 4 } as const;

/** How often `wait` asks again; supctl's only polling, a blocked script's, not supd's. */
const WAIT_POLL_MS = 200;

type Answer =
  | { readonly kind: 'ready' }
  | { readonly kind: 'not-ready'; readonly lines: readonly string[] }
  | { readonly kind: 'unknown-name'; readonly message: string }
  | { readonly kind: 'unreachable'; readonly message: string };

async function ask(ctx: JobContext, names: readonly string[]): Promise<Answer> {
  let value: XmlRpcValue;
  try {
    value = await ctx.rpc.call('supd.getReadiness', names.length === 0 ? [] : [[...names]]);
  } catch (error) {
    if (error instanceof Fault && error.faultCode === FAULTS.BAD_NAME) return { kind: 'unknown-name', message: `no such process: ${error.faultString.replace(/^BAD_NAME: /, '')}` };
    if (error instanceof Fault && error.faultCode === FAULTS.UNKNOWN_METHOD) {
      return { kind: 'unreachable', message: `${ctx.serverUrl} has no supd.getReadiness (is it supervisord?)` };
    }
    const e = error as { name?: string; code?: string; message?: string };
    if (e.name === 'RpcConnectionError' || e.name === 'RpcHttpError') {
      return { kind: 'unreachable', message: `cannot reach supd at ${ctx.serverUrl}: ${e.code ?? e.message ?? 'error'}` };
    }
    throw error;
  }
  const report = value as { ready: boolean; not_ready: { name: string; why: string }[] };
  return report.ready ? { kind: 'ready' } : { kind: 'not-ready', lines: report.not_ready.map((n) => `${n.name}: ${n.why}`) };
}

function report(ctx: JobContext, answer: Answer): void {
  switch (answer.kind) {
    case 'ready':
      ctx.output('ready');
      ctx.record({ ready: true, not_ready: [] });
      ctx.setExit(HEALTH_EXIT.READY);
      return;
    case 'not-ready':
      for (const line of answer.lines) ctx.output(line);
      ctx.record({ ready: false, not_ready: answer.lines });
      ctx.setExit(HEALTH_EXIT.NOT_READY);
      return;
    case 'unknown-name':
      ctx.err(answer.message);
      ctx.setExit(HEALTH_EXIT.USAGE);
      return;
    case 'unreachable':
      ctx.err(answer.message);
      ctx.setExit(HEALTH_EXIT.UNREACHABLE);
      return;
  }
}

async function health(ctx: JobContext, args: readonly string[]): Promise<void> {
  report(ctx, await ask(ctx, args));
}

async function wait(ctx: JobContext, input: readonly string[]): Promise<void> {
  let timeoutS: number | null = null;
  const names: string[] = [];
  for (let i = 0; i < input.length; i++) {
    const word = input[i]!;
    if (word === '--timeout' || word.startsWith('--timeout=')) {
      const value = word.includes('=') ? word.slice(word.indexOf('=') + 1) : input[++i];
      if (value === undefined || !/^\d+(\.\d+)?$/.test(value)) {
        ctx.err('Error: --timeout needs a number of seconds');
        ctx.setExit(HEALTH_EXIT.USAGE);
        return;
      }
      timeoutS = Number(value);
    } else names.push(word);
  }
  const deadline = timeoutS === null ? Infinity : Date.now() + timeoutS * 1000;
  for (;;) {
    const answer = await ask(ctx, names);
    if (answer.kind === 'ready' || answer.kind === 'unknown-name' || Date.now() >= deadline || ctx.signal?.aborted === true) {
      if (answer.kind !== 'ready' && answer.kind !== 'unknown-name') ctx.err(`supctl wait: not ready after ${timeoutS ?? 0} s`);
      report(ctx, answer);
      return;
    }
    // supd not up yet or not ready: ask again shortly (a restarted container's supd may still be starting).
    await new Promise<void>((resolve) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        ctx.signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.min(WAIT_POLL_MS, Math.max(0, deadline - Date.now())));
      ctx.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

export const HEALTH_ACTIONS: Readonly<Record<string, (ctx: JobContext, args: readonly string[]) => Promise<void>>> = { health, wait };

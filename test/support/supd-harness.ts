/**
 * Runs the built supd (dist/cli/supd.js) on a config in a fresh temp dir, for integration tests.
 * Reads supd's JSON log lines from its stdout, calls its [unix_http_server] (rpc, waitForState),
 * waits with deadlines, and cleans up by pid and process group: supd first (gracefully), then
 * any child pid it logged, so nothing outlives a test.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { vi } from 'vitest';
import { V8_FLAGS } from '../../src/cli/v8-tuning.js';
import { createRpcClient, type RpcClient } from '../../src/rpc/client.js';
import type { XmlRpcValue } from '../../src/rpc/xmlrpc-codec.js';

export const REPO = resolve(import.meta.dirname, '../..');
export const SUPD = join(REPO, 'dist/cli/supd.js');
export const PUPPET = join(REPO, 'test/fixtures/puppet.mjs');
/** The Node running the tests (24 from node_modules), for children too. */
export const NODE = process.execPath;

export interface LogRecord {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

/** One process as supervisor.getProcessInfo returns it. */
export interface ProcessInfo {
  readonly name: string;
  readonly group: string;
  readonly statename: string;
  readonly state: number;
  readonly pid: number;
  readonly start: number;
  readonly stop: number;
  readonly now: number;
  readonly exitstatus: number;
  readonly spawnerr: string;
  readonly description: string;
  readonly logfile: string;
  readonly stdout_logfile: string;
  readonly stderr_logfile: string;
}

export interface RunningSupd {
  readonly dir: string;
  readonly configPath: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** Every log record so far. */
  readonly records: LogRecord[];
  /** supd's stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (or 128+signal) when supd exits. */
  readonly exited: Promise<number>;
  /** Waits for a log message matching `pattern`; the timeout error shows the log so far. */
  waitForLog(pattern: RegExp, options?: { timeout?: number; after?: number }): Promise<RegExpMatchArray>;
  /** Pids of every child supd logged as spawned. */
  childPids(): number[];
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM and wait for exit; then make sure every logged child is gone. */
  stop(): Promise<void>;
  /** `unix://` URL of [unix_http_server] file=, or null when the config has none. */
  readonly serverUrl: string | null;
  /**
   * Calls an XML-RPC method on [unix_http_server] (with its username/password), e.g.
   * `rpc('supervisor.getProcessInfo', 'web')`; rejects with Fault as supervisord's faults.
   */
  rpc(method: string, ...params: XmlRpcValue[]): Promise<XmlRpcValue>;
  /**
   * Polls getProcessInfo until `name` is in `statename` (and, with otherThanPid, has another pid);
   * the timeout error shows the last info seen and supd's log.
   */
  waitForState(name: string, statename: string, options?: { otherThanPid?: number; timeout?: number }): Promise<ProcessInfo>;
}

export function makeTempDir(prefix = 'supd-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // no process left in that group
  }
}

function killGroupAndPid(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Start supd on `config` (the text of supervisord.conf; `%(dir)s`-free, use `dir` from the
 * callback form to place files). A [supervisord] section is added when missing.
 */
export async function startSupd(
  config: string | ((dir: string) => string),
  /** stdoutStalls: stop reading supd's stdout for forMs after each everyBytes read (a log reader that stalls now and then). */
  options: {
    args?: string[];
    env?: Record<string, string>;
    dir?: string;
    pid1?: boolean;
    stdoutStalls?: { readonly everyBytes: number; readonly forMs: number };
  } = {},
): Promise<RunningSupd> {
  const dir = options.dir ?? makeTempDir();
  let text = typeof config === 'function' ? config(dir) : config;
  if (!/^\[supervisord\]/m.test(text)) text = `[supervisord]\nlogfile=${join(dir, 'supd.log')}\n${text}`;
  const configPath = join(dir, 'supd.conf');
  writeFileSync(configPath, text);
  // With the V8 flags the bin would re-execute itself with, as the image passes them: one start of
  // Node per supd (test/integration/cli/bins.test.ts covers the re-exec of a bare start).
  const supdArgv = [NODE, ...V8_FLAGS, SUPD, '-c', configPath, ...(options.args ?? [])];
  // As PID 1 of a fresh PID namespace: when unshare dies, --kill-child takes the namespace with it.
  const argv = options.pid1 === true ? ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child', ...supdArgv] : supdArgv;
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: dir,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const records: LogRecord[] = [];
  let stderr = '';
  let pending = '';
  let sinceStall = 0;
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const stalls = options.stdoutStalls;
    if (stalls !== undefined && (sinceStall += chunk.length) >= stalls.everyBytes) {
      sinceStall = 0;
      child.stdout!.pause();
      setTimeout(() => child.stdout!.resume(), stalls.forMs);
    }
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) records.push(parseLogLine(line));
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number>((resolveExit) => {
    child.on('exit', (code, signal) => resolveExit(code ?? 128 + (signal === null ? 0 : osSignalNumber(signal))));
  });
  const pid = options.pid1 === true ? await forkedChildOf(child.pid!) : child.pid!;
  const childPids = (): number[] =>
    records.flatMap((r) => {
      const m = /^spawned: '.*' with pid (\d+)$/.exec(r.msg);
      return m ? [Number(m[1])] : [];
    });
  const describe = () =>
    `supd log:\n${records.map((r) => `  ${r.msg}`).join('\n')}\nsupd stderr:\n${stderr}`;

  const server = unixServerOf(text, dir);
  // A client holds one connection and one request at a time on it: concurrent calls each take an
  // idle client or open another, so a slow call (startProcess waiting) never holds up the others.
  const idle: RpcClient[] = [];
  const clients: RpcClient[] = [];
  const rpc = async (method: string, ...params: XmlRpcValue[]): Promise<XmlRpcValue> => {
    if (server === null) throw new Error(`${configPath} has no [unix_http_server] file= to call ${method} on`);
    let client = idle.pop();
    if (client === undefined) {
      client = createRpcClient(server);
      clients.push(client);
    }
    try {
      return await client.call(method, params);
    } finally {
      idle.push(client);
    }
  };

  const running: RunningSupd = {
    dir,
    configPath,
    pid,
    process: child,
    records,
    stderr: () => stderr,
    exited,
    childPids,
    async waitForLog(pattern, { timeout = 10_000, after = 0 } = {}) {
      let found: RegExpMatchArray | null = null;
      try {
        await vi.waitFor(
          () => {
            for (const record of records.slice(after)) {
              found = pattern.exec(record.msg);
              if (found) return;
            }
            throw new Error('not yet');
          },
          { timeout, interval: 20 },
        );
      } catch {
        throw new Error(`timed out after ${timeout} ms waiting for ${pattern}\n${describe()}`);
      }
      return found!;
    },
    signal(signal) {
      process.kill(pid, signal);
    },
    serverUrl: server?.serverUrl ?? null,
    rpc,
    async waitForState(name, statename, { otherThanPid, timeout = 10_000 } = {}) {
      let last: unknown = 'no answer yet';
      let found: ProcessInfo | undefined;
      try {
        await vi.waitFor(
          async () => {
            try {
              last = await rpc('supervisor.getProcessInfo', name);
            } catch (error) {
              last = error;
              throw error;
            }
            const info = last as ProcessInfo;
            if (info.statename !== statename || (otherThanPid !== undefined && info.pid === otherThanPid)) throw new Error('not yet');
            found = info;
          },
          { timeout, interval: 25 },
        );
      } catch {
        const other = otherThanPid === undefined ? '' : ` with a pid other than ${otherThanPid}`;
        throw new Error(`timed out after ${timeout} ms waiting for ${name} to be ${statename}${other}; last getProcessInfo: ${JSON.stringify(last)}\n${describe()}`);
      }
      return found!;
    },
    async stop() {
      for (const client of clients) client.close();
      if (isAlive(pid) && child.exitCode === null) {
        process.kill(pid, 'SIGTERM');
        const stopped = await Promise.race([exited.then(() => true), delay(15_000).then(() => false)]);
        if (!stopped) killGroupAndPid(child.pid!);
      }
      // Each program led its own process group: whatever is left in one (a grandchild the test
      // left behind) goes with it. Under unshare the logged pids belong to the namespace, which
      // died with its PID 1.
      if (options.pid1 !== true) for (const p of childPids()) killGroup(p);
    },
  };
  return running;
}

/** pino's level numbers, by supervisord's text and JSON level names. */
const LEVELS: Record<string, number> = {
  CRIT: 60, ERRO: 50, WARN: 40, INFO: 30, DEBG: 20, TRAC: 10, BLAT: 10,
  critical: 60, error: 50, warn: 40, info: 30, debug: 20, trace: 10, blather: 10,
};
const TEXT_LINE = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d),(\d{3}) (CRIT|ERRO|WARN|INFO|DEBG|TRAC|BLAT) (.*)$/;

/**
 * One line of supd's stdout as a record: supd's own lines in the text format
 * (`2026-12-03 12:00:00,123 INFO spawned: ...`) or as JSON (logformat=json, level names); a
 * program's JSON container line as it is; anything else (a program's plain line) as an info
 * record whose msg is the line. `raw` is the line as read.
 */
function parseLogLine(raw: string): LogRecord {
  const text = TEXT_LINE.exec(raw);
  if (text !== null) {
    // asctime is local time; time is epoch ms, as in the JSON form.
    const [y, mo, d, h, mi, sec, ms] = text.slice(1, 8).map(Number) as [number, number, number, number, number, number, number];
    return { level: LEVELS[text[8]!]!, msg: text[9]!, time: new Date(y, mo - 1, d, h, mi, sec, ms).getTime(), raw };
  }
  // A thrown parse error costs microseconds: a program's plain line (200,000 in a flood) is not tried.
  if (!raw.startsWith('{')) return { level: 30, msg: raw, raw };
  try {
    const record = JSON.parse(raw) as Record<string, unknown>;
    if (record !== null && typeof record === 'object') {
      const level = typeof record.level === 'string' ? (LEVELS[record.level] ?? 30) : (record.level as number | undefined);
      const time = typeof record.time === 'string' ? Date.parse(record.time) : record.time;
      return { ...record, level: level ?? 30, msg: record.msg as string, time, raw };
    }
  } catch {
    // not JSON: a program's line
  }
  return { level: 30, msg: raw, raw };
}

/**
 * [unix_http_server] file=, username= and password= of a config text (only `%(here)s` expanded),
 * enough for tests to reach the supd they started.
 */
function unixServerOf(text: string, dir: string): { serverUrl: string; username: string | null; password: string | null } | null {
  const section = /^\[unix_http_server\][^\n]*\n((?:(?!\[)[^\n]*\n?)*)/m.exec(text);
  if (section === null) return null;
  const value = (key: string): string | null => {
    const m = new RegExp(`^${key}\\s*=\\s*(.*?)\\s*$`, 'm').exec(section[1]!);
    return m === null ? null : m[1]!.replaceAll('%(here)s', dir);
  };
  const file = value('file');
  return file === null ? null : { serverUrl: `unix://${resolve(dir, file)}`, username: value('username'), password: value('password') };
}

/** The host pid of the process `unshare --fork` started (supd, PID 1 inside). */
async function forkedChildOf(unsharePid: number): Promise<number> {
  let found = 0;
  await vi.waitFor(
    () => {
      const children = readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').trim();
      if (children === '') throw new Error(`unshare (pid ${unsharePid}) has not forked yet`);
      found = Number(children.split(' ')[0]);
    },
    { timeout: 5_000, interval: 10 },
  );
  return found;
}

/** Every descendant of `pid` with its state letter from /proc/PID/stat (Z for a zombie). */
export function descendants(pid: number): { pid: number; state: string }[] {
  const out: { pid: number; state: string }[] = [];
  const visit = (parent: number): void => {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${parent}/task`);
    } catch {
      return;
    }
    for (const tid of tasks) {
      let children = '';
      try {
        children = readFileSync(`/proc/${parent}/task/${tid}/children`, 'utf8').trim();
      } catch {
        continue;
      }
      for (const c of children.split(' ').filter(Boolean).map(Number)) {
        try {
          const stat = readFileSync(`/proc/${c}/stat`, 'utf8');
          out.push({ pid: c, state: stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) });
        } catch {
          continue;
        }
        visit(c);
      }
    }
  };
  visit(pid);
  return out;
}

/** True when unshare(1) can make a PID namespace here (root, util-linux present). */
export function canUnshare(): boolean {
  if (process.getuid?.() !== 0) return false;
  const result = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { stdio: 'ignore' });
  return result.status === 0;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

function osSignalNumber(signal: NodeJS.Signals): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return numbers[signal] ?? 0;
}

/** A `[program:x]` running the puppet fixture with flags. Flush-left: indentation continues values. */
export function puppetProgram(name: string, flags: string, extra = ''): string {
  return `[program:${name}]\ncommand=${NODE} ${PUPPET} ${flags}\n${extra}\n`;
}

/** A port nobody listens on now (the kernel's pick for port 0, released at once). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** The port supd's [status_http_server] (configured with port=127.0.0.1:0) listens on, from its log. */
export async function statusServerPort(s: RunningSupd): Promise<number> {
  const m = await s.waitForLog(/^status server listening on http:\/\/127\.0\.0\.1:(\d+)/);
  return Number(m[1]);
}

/** Waits until `file` contains a match for `pattern`, then returns its whole text. */
export async function waitForFileMatching(file: string, pattern: RegExp, timeout = 15_000): Promise<string> {
  let text = '';
  await vi.waitFor(
    () => {
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        text = '';
      }
      if (!pattern.test(text)) throw new Error(`${file} has no match for ${pattern} yet; it has:\n${text}`);
    },
    { timeout, interval: 25 },
  );
  return text;
}

/**
 * isAlive with what a failing assertion should show: the pid and, while it exists, its /proc state
 * letter and command. Assert with `expect(liveness(pid)).toMatchObject({ alive: false })`.
 */
export function liveness(pid: number): { pid: number; alive: boolean; proc?: string } {
  const alive = isAlive(pid);
  let proc: string | undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    proc = `${stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)} ${cmdline || stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))}`;
  } catch {
    proc = undefined;
  }
  return proc === undefined ? { pid, alive } : { pid, alive, proc };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

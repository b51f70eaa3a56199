// supd against Debian's supervisord 4.2.5 (and tini / dumb-init for reaping), measured in one run
// on this machine: prints ONE markdown table, supd beside supervisord with the ratio, each figure
// a median of repeated runs. Not a test: numbers only. Plain ESM; imports nothing from src/ and
// runs the built binaries (dist/cli/supd.js, dist/cli/supctl.js).
//
//   npm run bench                      # full: about 8 minutes
//   BENCH_QUICK=1 npm run bench        # fewer repetitions, shorter windows: about 2 minutes
//   BENCH_ONLY=idle,restart ...        # only these sections (rss start idle status restart metrics crash
//                                      # shutdown reap events logs backoff tree jobs)
//
// Each tool missing here (supervisord, supervisorctl, tini, dumb-init, unshare or root for the
// PID-1 rows) is skipped with a note. Every process the bench starts runs in a mkdtemp dir and
// is stopped by pid / process group (supd and supervisord: the daemon, then each descendant).
// Helper roles of this same file: --listener DIR (event listener), --exiter DIR (a program that
// records when it exits), --orphans N FILE (leaves N orphans to its PID 1).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { accessSync, appendFileSync, closeSync, constants, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { request } from 'node:http';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const REPO = resolve(dirname(SELF), '..');
const SUPD = join(REPO, 'dist/cli/supd.js');
const SUPCTL = join(REPO, 'dist/cli/supctl.js');
/** supd as the Dockerfile's ENTRYPOINT runs it (the node flags before the script). */
const SUPD_ARGV = [process.execPath, '--max-semi-space-size=1', '--no-memory-reducer', SUPD];
const NODE = process.execPath;

const QUICK = process.env.BENCH_QUICK === '1';
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;
const REPS = QUICK ? 1 : 3; // daemon runs per measure (the slow ones)
const SAMPLES = QUICK ? 3 : 5; // samples inside one run (status calls, kills, exits)
const IDLE_MS = QUICK ? 5_000 : 10_000;
const CRASH_MS = QUICK ? 10_000 : 20_000;
const SHUTDOWN_N = QUICK ? 20 : 100; // supervisord stops one group per tick: 100 take ~46 s
// supervisord's shutdown time swings from ~0.1 s to tens of seconds from run to run (a SIGCHLD
// racing its 1 s poll per group), so it gets as many runs as supd and its median is reported.
const SHUTDOWN_REPS_SUPERVISORD = REPS;
const ORPHANS = 2000;
const EVENTS_N = QUICK ? 500 : 2000;
const LOG_BYTES = QUICK ? '64MiB' : '256MiB';
const JOB_BYTES = (QUICK ? 64 : 256) * 1024 * 1024;

// --- small helpers ---------------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** A timeout for Promise.race that does not keep the bench alive. */
const deadlineAfter = (ms) => new Promise((r) => setTimeout(r, ms).unref());
const sab = new Int32Array(new SharedArrayBuffer(4));
/** A synchronous pause, for tight /proc polling without the event loop. */
const pause = (ms) => Atomics.wait(sab, 0, 0, ms);
const median = (values) => {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};
const t0Bench = performance.now();
const note = (text) => process.stderr.write(`[${((performance.now() - t0Bench) / 1000).toFixed(0).padStart(4)} s] ${text}\n`);
const want = (section) => ONLY === null || ONLY.has(section);

function which(name) {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/bin', '/usr/sbin', '/bin'])) {
    const file = join(dir || '.', name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

const SUPERVISORD = which('supervisord');
const SUPERVISORCTL = which('supervisorctl');
const TINI = which('tini');
const DUMB_INIT = which('dumb-init');
const UNSHARE = which('unshare');
const SLEEP = which('sleep') ?? '/bin/sleep';
const canUnshare = () => process.getuid?.() === 0 && UNSHARE !== null && spawnSync(UNSHARE, ['--pid', '--fork', '--mount-proc', 'true']).status === 0;

// --- /proc --------------------------------------------------------------------------------------

function readOr(file, fallback = '') {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

function tasksOf(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
}

/** Direct children of every thread of pid (zombies included until reaped). */
function childrenOf(pid) {
  return tasksOf(pid).flatMap((tid) => readOr(`/proc/${pid}/task/${tid}/children`).trim().split(' ').filter(Boolean).map(Number));
}

function descendantsOf(pid) {
  const out = [];
  const visit = (p) => {
    for (const c of childrenOf(p)) {
      out.push(c);
      visit(c);
    }
  };
  visit(pid);
  return out;
}

/** CPU time of every thread in ms: se.sum_exec_runtime (ns precision) or utime+stime ticks. */
function cpuMs(pid) {
  let total = 0;
  let precise = true;
  for (const tid of tasksOf(pid)) {
    const m = /se\.sum_exec_runtime\s*:\s*([\d.]+)/.exec(readOr(`/proc/${pid}/task/${tid}/sched`));
    if (m === null) {
      precise = false;
      break;
    }
    total += Number(m[1]);
  }
  if (precise) return total;
  const f = readOr(`/proc/${pid}/stat`).split(') ')[1]?.split(' ') ?? [];
  return (Number(f[11]) + Number(f[12])) * 10; // USER_HZ = 100
}

/** Context switches (voluntary + involuntary) of every thread: each one is a wake-up. */
function wakeups(pid) {
  let total = 0;
  for (const tid of tasksOf(pid)) {
    const status = readOr(`/proc/${pid}/task/${tid}/status`);
    total += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0) + Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  }
  return total;
}

function memory(pid) {
  const status = readOr(`/proc/${pid}/status`);
  const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, anonMiB: kib('RssAnon') / 1024 };
}

function killQuietly(target, signal = 'SIGKILL') {
  try {
    process.kill(target, signal);
  } catch {
    // gone already
  }
}

// --- XML-RPC over the unix socket (enough for the public API both servers speak) ------------

function rpc(sock, method, params = []) {
  const escape = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const body = `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${params
    .map((p) => (typeof p === 'boolean' ? `<param><value><boolean>${p ? 1 : 0}</boolean></value></param>` : `<param><value><string>${escape(p)}</string></value></param>`))
    .join('')}</params></methodCall>`;
  return new Promise((resolvePromise, reject) => {
    const req = request(
      { socketPath: sock, path: '/RPC2', method: 'POST', agent: false, headers: { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c) => (text += c));
        res.on('end', () => (text.includes('<fault>') ? reject(new Error(`${method}: ${text}`)) : resolvePromise(text)));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** GET a path over the unix socket; resolves with the body. */
function httpGet(sock, path) {
  return new Promise((resolvePromise, reject) => {
    const req = request({ socketPath: sock, path, method: 'GET', agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c) => (text += c));
      res.on('end', () => (res.statusCode === 200 ? resolvePromise(text) : reject(new Error(`GET ${path}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

/** supd's /metrics scraped one after another: wall time per scrape, and supd's CPU per scrape. */
async function metricsScrapes(daemon) {
  const count = QUICK ? 10 : 30;
  await httpGet(daemon.sock, '/metrics'); // the first scrape loads and compiles the code
  const times = [];
  const c0 = cpuMs(daemon.pid);
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await httpGet(daemon.sock, '/metrics');
    times.push(performance.now() - t0);
  }
  return { metricsMs: median(times), metricsCpuMs: (cpuMs(daemon.pid) - c0) / count };
}

async function countRunning(sock) {
  try {
    return ((await rpc(sock, 'supervisor.getAllProcessInfo')).match(/>RUNNING</g) ?? []).length;
  } catch {
    return -1; // not listening yet
  }
}

// --- the two daemons ---------------------------------------------------------------------------

const started = new Set(); // every daemon / namespace still to tear down

function configText(dir, programs, extra = '') {
  return `[supervisord]
nodaemon=true
logfile=${dir}/daemon.log
pidfile=${dir}/daemon.pid
childlogdir=${dir}
minfds=8192
minprocs=4096
${extra}
[unix_http_server]
file=${dir}/daemon.sock

[supervisorctl]
serverurl=unix://${dir}/daemon.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

${programs.join('\n')}`;
}

/** n `sleep 100000` programs, each its own group, as a real config has them. */
function sleepers(n) {
  return Array.from(
    { length: n },
    (_, i) => `[program:p${String(i).padStart(3, '0')}]
command=${SLEEP} 100000
startsecs=0
autorestart=true
stdout_logfile=NONE
stderr_logfile=NONE
`,
  );
}

async function startDaemon(kind, programs, extra = '') {
  const dir = mkdtempSync(join(tmpdir(), `bench-${kind}-`));
  const conf = join(dir, 'daemon.conf');
  writeFileSync(conf, configText(dir, programs, extra));
  const argv = kind === 'supd' ? [...SUPD_ARGV, '-c', conf] : [SUPERVISORD, '-n', '-c', conf];
  const t0 = performance.now();
  const child = spawn(argv[0], argv.slice(1), { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c) => (stderr += c));
  const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal, at: performance.now() })));
  const daemon = { kind, dir, conf, sock: join(dir, 'daemon.sock'), pid: child.pid, t0, child, exited, stderr: () => stderr };
  started.add(daemon);
  return daemon;
}

/** Kills the daemon and every descendant by pid (and each one's process group), then removes its dir. */
async function teardown(daemon) {
  const kids = descendantsOf(daemon.pid);
  killQuietly(daemon.pid);
  killQuietly(-daemon.pid);
  for (const pid of kids) {
    killQuietly(-pid);
    killQuietly(pid);
  }
  await Promise.race([daemon.exited, deadlineAfter(5_000)]);
  started.delete(daemon);
  rmSync(daemon.dir, { recursive: true, force: true });
}

async function waitRunning(daemon, n, timeoutMs = 60_000) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if ((await countRunning(daemon.sock)) >= n) return performance.now();
    if (daemon.child.exitCode !== null) throw new Error(`${daemon.kind} exited: ${daemon.stderr()}`);
    if (performance.now() > deadline) throw new Error(`${daemon.kind}: fewer than ${n} RUNNING after ${timeoutMs} ms`);
    await sleep(5);
  }
}

function timeCli(daemon) {
  const argv = daemon.kind === 'supd' ? [NODE, SUPCTL, '-c', daemon.conf, 'status'] : [SUPERVISORCTL, '-c', daemon.conf, 'status'];
  const t0 = performance.now();
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

/**
 * `status` timed SAMPLES times; for supd each sample beside a bare `node -e 0`, the floor of any
 * Node client (statusFloorMs), run in turn with supctl so both see the same machine load.
 */
function timeStatus(daemon) {
  const status = [];
  const floor = [];
  for (let i = 0; i < SAMPLES; i++) {
    status.push(timeCli(daemon));
    if (daemon.kind !== 'supd') continue;
    const t0 = performance.now();
    const r = spawnSync(NODE, ['-e', '0']);
    floor.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`node -e 0 exited ${r.status}`);
  }
  return daemon.kind === 'supd' ? { statusMs: median(status), statusFloorMs: median(floor) } : { statusMs: median(status) };
}

/** kill -9 one program and time until supervisor has a new child in /proc. */
function restartLatency(daemon, victim) {
  const before = new Set(childrenOf(daemon.pid));
  const t0 = performance.now();
  process.kill(victim, 'SIGKILL');
  const deadline = t0 + 10_000;
  for (;;) {
    const fresh = childrenOf(daemon.pid).find((p) => !before.has(p));
    if (fresh !== undefined) return { ms: performance.now() - t0, fresh };
    if (performance.now() > deadline) return { ms: NaN, fresh: 0 };
    pause(0.5);
  }
}

// --- measures ----------------------------------------------------------------------------------

/** One daemon with 100 sleepers: start time, RSS, idle CPU and wake-ups, status, restart latency. */
async function hundredRun(kind) {
  const daemon = await startDaemon(kind, sleepers(100));
  try {
    const running = await waitRunning(daemon, 100);
    const out = { startMs: running - daemon.t0 };
    await sleep(2_000); // let startup work (JIT, GC, first ticks) settle
    Object.assign(out, memory(daemon.pid));
    if (want('idle')) {
      const c0 = cpuMs(daemon.pid);
      const w0 = wakeups(daemon.pid);
      await sleep(IDLE_MS);
      out.idleCpuMsPerMin = ((cpuMs(daemon.pid) - c0) * 60_000) / IDLE_MS;
      out.idleWakeupsPerSec = ((wakeups(daemon.pid) - w0) * 1000) / IDLE_MS;
    }
    if (want('status') && (kind === 'supd' || SUPERVISORCTL)) Object.assign(out, timeStatus(daemon));
    if (want('metrics') && kind === 'supd') Object.assign(out, await metricsScrapes(daemon));
    if (want('restart')) {
      const samples = [];
      const restarted = new Set(); // a program up for less than 1 s is one supd restarts no sooner than 1 s after its start
      for (let i = 0; i < SAMPLES; i++) {
        const victim = childrenOf(daemon.pid).find((p) => !restarted.has(p) && readOr(`/proc/${p}/cmdline`).startsWith(`${SLEEP}\0`));
        const { ms, fresh } = restartLatency(daemon, victim);
        samples.push(ms);
        restarted.add(fresh);
        await sleep(300);
      }
      out.restartMs = median(samples);
    }
    return out;
  } finally {
    await teardown(daemon);
  }
}

async function sizeRun(kind, n) {
  const daemon = await startDaemon(kind, sleepers(n));
  try {
    await waitRunning(daemon, n, 120_000);
    await sleep(2_000);
    const out = memory(daemon.pid);
    if (n >= 500 && want('status') && (kind === 'supd' || SUPERVISORCTL)) Object.assign(out, timeStatus(daemon));
    if (n >= 500 && want('metrics') && kind === 'supd') Object.assign(out, await metricsScrapes(daemon));
    return out;
  } finally {
    await teardown(daemon);
  }
}

async function crashRun(kind) {
  const program = `[program:crash]\ncommand=/bin/sh -c "exit 1"\nstartsecs=0\nautorestart=true\nstdout_logfile=NONE\nstderr_logfile=NONE\n`;
  const daemon = await startDaemon(kind, [program]);
  const spawns = () => (readOr(join(daemon.dir, 'daemon.log')).match(/spawned: 'crash'/g) ?? []).length;
  try {
    // Past start-up, the first restarts (whose code V8 compiles on first use) and supd's one heap
    // trim after start-up (10 s at the latest while a crash loop keeps it busy): the window
    // measures the steady loop.
    await sleep(12_000);
    const c0 = cpuMs(daemon.pid);
    const s0 = spawns();
    await sleep(CRASH_MS);
    if (daemon.child.exitCode !== null) throw new Error(`${kind} exited during the crash loop: ${daemon.stderr()}`);
    return { crashCpuMs: cpuMs(daemon.pid) - c0, crashSpawns: spawns() - s0 };
  } finally {
    await teardown(daemon);
  }
}

async function shutdownRun(kind, n) {
  const daemon = await startDaemon(kind, sleepers(n));
  try {
    await waitRunning(daemon, n);
    await sleep(1_000);
    const t0 = performance.now();
    process.kill(daemon.pid, 'SIGTERM');
    const end = await Promise.race([daemon.exited, deadlineAfter(180_000).then(() => null)]);
    return { shutdownMs: end === null ? NaN : end.at - t0 };
  } finally {
    await teardown(daemon);
  }
}

/** backoff_factor's schedule (supd only): 0.1 s, doubling, capped at 0.8 s, for a program that exits at once. */
const BACKOFF = { delayMs: 100, factor: 2, limitMs: 800, restarts: QUICK ? 6 : 10 };

/** supd's text log time (`2026-12-03 15:00:00,123`, local) as epoch ms. */
function logTimeMs(line) {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d),(\d{3}) /.exec(line);
  return m === null ? NaN : new Date(`${m[1]}T${m[2]}.${m[3]}`).getTime();
}

/**
 * The delays supd waits between restarts with backoff_factor, from its own log (exit line to the
 * next spawn line), against the configured delay x factor^(n-1) capped: what is beyond the base
 * and Pebble's 0-10 % jitter is drift.
 */
async function backoffRun() {
  const program = `[program:crash]\ncommand=/bin/sh -c "exit 1"\nstartsecs=0\nautorestart=true\nstartretries=infinite\nbackoff_delay=${BACKOFF.delayMs / 1000}\nbackoff_factor=${BACKOFF.factor}\nbackoff_limit=${BACKOFF.limitMs / 1000}\nstdout_logfile=NONE\nstderr_logfile=NONE\n`;
  const daemon = await startDaemon('supd', [program]);
  const delays = () => {
    const out = [];
    let exitedAt = null;
    for (const line of readOr(join(daemon.dir, 'daemon.log')).split('\n')) {
      if (line.includes(' exited: crash ')) exitedAt = logTimeMs(line);
      else if (line.includes(" spawned: 'crash'") && exitedAt !== null) {
        out.push(logTimeMs(line) - exitedAt);
        exitedAt = null;
      }
    }
    return out;
  };
  try {
    const deadline = performance.now() + 60_000;
    while (delays().length < BACKOFF.restarts && performance.now() < deadline) await sleep(100);
    const measured = delays().slice(0, BACKOFF.restarts);
    const base = measured.map((_, i) => Math.min(BACKOFF.delayMs * BACKOFF.factor ** i, BACKOFF.limitMs));
    const beyond = measured.map((d, i) => Math.max(0, d - base[i] * 1.1));
    const below = measured.map((d, i) => Math.max(0, base[i] - d));
    return { backoffDelays: measured, backoffBeyondMs: Math.max(...beyond), backoffBelowMs: Math.max(...below) };
  } finally {
    await teardown(daemon);
  }
}

/**
 * What stopastree costs at 100 programs: start, idle CPU and wake-ups, and shutdown, with every
 * program tracked as a tree (its own cgroup where supd can make one) against the same 100 without.
 */
async function treeRun(stopastree) {
  const programs = sleepers(100).map((p) => (stopastree ? `${p}stopastree=true\n` : p));
  const daemon = await startDaemon('supd', programs);
  try {
    const running = await waitRunning(daemon, 100);
    const out = { startMs: running - daemon.t0 };
    await sleep(2_000);
    const c0 = cpuMs(daemon.pid);
    const w0 = wakeups(daemon.pid);
    await sleep(IDLE_MS);
    out.idleCpuMsPerMin = ((cpuMs(daemon.pid) - c0) * 60_000) / IDLE_MS;
    out.idleWakeupsPerSec = ((wakeups(daemon.pid) - w0) * 1000) / IDLE_MS;
    const t0 = performance.now();
    process.kill(daemon.pid, 'SIGTERM');
    const end = await Promise.race([daemon.exited, deadlineAfter(60_000).then(() => null)]);
    out.shutdownMs = end === null ? NaN : end.at - t0;
    return out;
  } finally {
    await teardown(daemon);
  }
}

/**
 * This machine's floor for starting 100 programs: a shell loop backgrounding 100 `sleep`s, timed
 * until every one of them has exec'd (its comm is `sleep`). No supervisor does less work.
 */
async function shellLoopStartRun(n) {
  const t0 = performance.now();
  const sh = spawn('sh', ['-c', `i=0; while [ "$i" -lt ${n} ]; do ${SLEEP} 100000 & i=$((i+1)); done; wait`], { stdio: 'ignore', detached: true });
  try {
    const deadline = t0 + 60_000;
    for (;;) {
      const kids = childrenOf(sh.pid);
      if (kids.length >= n && kids.every((p) => readOr(`/proc/${p}/comm`).trim() === 'sleep')) return { shellLoopStartMs: performance.now() - t0 };
      if (performance.now() > deadline) return { shellLoopStartMs: NaN };
      pause(1);
    }
  } finally {
    killQuietly(-sh.pid);
    await sleep(50);
  }
}

/** As PID 1 of a new PID namespace: time from 2,000 orphans exiting at once to none left. */
async function reapRun(tool) {
  const dir = mkdtempSync(join(tmpdir(), `bench-reap-${tool}-`));
  const released = join(dir, 'released');
  const maker = [NODE, SELF, '--orphans', String(ORPHANS), released];
  let inner;
  if (tool === 'supd' || tool === 'supervisord') {
    const conf = join(dir, 'daemon.conf');
    writeFileSync(conf, configText(dir, [`[program:maker]\ncommand=${maker.join(' ')}\nstartsecs=0\nautorestart=false\nstdout_logfile=NONE\nstderr_logfile=NONE\n`]));
    inner = tool === 'supd' ? [...SUPD_ARGV, '-c', conf] : [SUPERVISORD, '-n', '-c', conf];
  } else {
    inner = tool === 'tini' ? [TINI, '--', ...maker] : [DUMB_INIT, ...maker];
  }
  const child = spawn(UNSHARE, ['--pid', '--fork', '--mount-proc', '--kill-child', ...inner], { cwd: dir, stdio: 'ignore', detached: true });
  const handle = { pid: child.pid, dir, child, exited: new Promise((r) => child.on('exit', r)) };
  started.add(handle);
  try {
    let pid1 = 0;
    const deadline = performance.now() + 30_000;
    while (!existsSync(released)) {
      if (performance.now() > deadline || child.exitCode !== null) throw new Error(`${tool}: the orphan maker never released its orphans`);
      await sleep(5);
    }
    pid1 = childrenOf(child.pid)[0];
    const releasedAt = Number(BigInt(readFileSync(released, 'utf8').trim()) / 1000n) / 1000; // ms, CLOCK_MONOTONIC
    const makerPid = () => descendantsOf(pid1).find((p) => readOr(`/proc/${p}/cmdline`).includes('--orphans'));
    const keep = new Set([makerPid()]);
    const reapDeadline = performance.now() + 120_000;
    for (;;) {
      // the orphans are PID 1's children once their parent sh has gone; done when none is left
      const left = childrenOf(pid1).filter((p) => !keep.has(p)).length;
      if (left === 0) break;
      if (performance.now() > reapDeadline) return { reapMs: NaN };
      pause(2);
    }
    const doneAt = Number(process.hrtime.bigint() / 1000n) / 1000;
    return { reapMs: doneAt - releasedAt };
  } finally {
    killQuietly(child.pid);
    killQuietly(-child.pid);
    await Promise.race([handle.exited, deadlineAfter(5_000)]);
    started.delete(handle);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Event delivery: a burst of REMOTE_COMMUNICATION events to one listener, and exit-to-EXITED latency. */
async function eventsRun(kind) {
  const programs = [
    `[eventlistener:bench]\ncommand=${NODE} ${SELF} --listener %(here)s\nevents=REMOTE_COMMUNICATION,PROCESS_STATE_EXITED\nbuffer_size=${EVENTS_N + 100}\nstdout_logfile=NONE\nstderr_logfile=NONE\n`,
    `[program:exiter]\ncommand=${NODE} ${SELF} --exiter %(here)s\nautostart=false\nstartsecs=0\nautorestart=false\nstdout_logfile=NONE\nstderr_logfile=NONE\n`,
  ];
  const daemon = await startDaemon(kind, programs);
  const log = join(daemon.dir, 'events.log');
  const lines = (name) => readOr(log).split('\n').filter((l) => l.endsWith(` ${name}`));
  try {
    await waitRunning(daemon, 1);
    // queue the burst while the listener is held back, then let it go: the drain rate is delivery alone
    for (let i = 0; i < EVENTS_N; i += 10) await Promise.all(Array.from({ length: 10 }, () => rpc(daemon.sock, 'supervisor.sendRemoteCommEvent', ['bench', 'x'])));
    const listenerPid = childrenOf(daemon.pid).find((pid) => readOr(`/proc/${pid}/cmdline`).includes('--listener'));
    const cpu0 = [cpuMs(daemon.pid), cpuMs(listenerPid)];
    writeFileSync(join(daemon.dir, 'go'), '');
    const deadline = performance.now() + 60_000;
    while (lines('REMOTE_COMMUNICATION').length < EVENTS_N && performance.now() < deadline) await sleep(20);
    const cpu1 = [cpuMs(daemon.pid), cpuMs(listenerPid)];
    const times = lines('REMOTE_COMMUNICATION').map((l) => Number(l.split(' ')[0]));
    const out = {
      eventsPerSec: times.length < EVENTS_N ? NaN : ((times.length - 1) * 1e9) / (times.at(-1) - times[0]),
      // CPU per event over the drain (and up to one 20 ms poll after it), in microseconds
      eventDaemonCpuUs: ((cpu1[0] - cpu0[0]) * 1000) / EVENTS_N,
      eventListenerCpuUs: ((cpu1[1] - cpu0[1]) * 1000) / EVENTS_N,
    };
    const latencies = [];
    for (let i = 0; i < SAMPLES; i++) {
      await rpc(daemon.sock, 'supervisor.startProcess', ['exiter', false]);
      const until = performance.now() + 10_000;
      while (lines('PROCESS_STATE_EXITED').length <= i && performance.now() < until) await sleep(2);
      const exitedAt = readOr(join(daemon.dir, 'exits')).trim().split('\n').map(Number)[i];
      const seenAt = Number(lines('PROCESS_STATE_EXITED')[i]?.split(' ')[0]);
      latencies.push((seenAt - exitedAt) / 1e6);
    }
    out.exitToEventMs = median(latencies);
    return out;
  } finally {
    await teardown(daemon);
  }
}

/**
 * The floor of eventsRun: the same listener driven by a minimal Node loop instead of a daemon
 * (write an envelope like supervisord's, wait for RESULT and READY, write the next): its stdin
 * and stdout are FIFOs, read with libuv's onread into one buffer, written with writeSync.
 */
async function eventsFloorRun() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-floor-'));
  writeFileSync(join(dir, 'go'), '');
  for (const f of ['in', 'out']) execFileSync('mkfifo', [join(dir, f)]);
  // O_RDWR: opening a FIFO so does not wait for the other end
  const [childIn, toChild, childOut, fromChild] = ['in', 'in', 'out', 'out'].map((f) => openSync(join(dir, f), 'r+'));
  const child = spawn(NODE, [SELF, '--listener', dir], { stdio: [childIn, childOut, 'ignore'], detached: true });
  closeSync(childIn);
  closeSync(childOut);
  const payload = 'type:bench\nx';
  const envelope = (n) => Buffer.from(`ver:3.0 server:supervisor serial:${n} pool:bench poolserial:${n} eventname:REMOTE_COMMUNICATION len:${payload.length}\n${payload}`);
  const READY = Buffer.from('READY\n');
  let reader = null;
  try {
    let sent = 0;
    let pending = Buffer.alloc(0);
    let cpu0 = [NaN, NaN];
    const done = new Promise((resolveDone, reject) => {
      child.on('exit', (code) => reject(new Error(`the listener exited (${code}) after ${sent} events`)));
      reader = new Socket({
        fd: fromChild,
        readable: true,
        writable: false,
        onread: {
          buffer: Buffer.alloc(65536),
          callback: (bytes, buf) => {
            pending = Buffer.concat([pending, buf.subarray(0, bytes)]);
            for (let i = pending.indexOf(READY); i !== -1; i = pending.indexOf(READY)) {
              pending = pending.subarray(i + READY.length);
              if (sent === 0) cpu0 = [cpuMs(child.pid), cpuMs(process.pid)];
              if (sent === EVENTS_N) return resolveDone([cpuMs(child.pid), cpuMs(process.pid)]);
              writeSync(toChild, envelope(sent++));
            }
            return true;
          },
        },
      });
    });
    done.catch(() => undefined); // after a timeout, the kill below rejects it
    const cpu1 = (await Promise.race([done, deadlineAfter(60_000)])) ?? [NaN, NaN];
    // the listener appends its line after it answers: wait for the last one
    const lines = () => readOr(join(dir, 'events.log')).split('\n').filter((l) => l.endsWith(' REMOTE_COMMUNICATION'));
    const deadline = performance.now() + 5_000;
    while (lines().length < EVENTS_N && performance.now() < deadline) await sleep(5);
    const times = lines().map((l) => Number(l.split(' ')[0]));
    return {
      eventsPerSec: times.length < EVENTS_N ? NaN : ((times.length - 1) * 1e9) / (times.at(-1) - times[0]),
      eventListenerCpuUs: ((cpu1[0] - cpu0[0]) * 1000) / EVENTS_N,
      eventDaemonCpuUs: ((cpu1[1] - cpu0[1]) * 1000) / EVENTS_N, // the driving loop (this process)
    };
  } finally {
    killQuietly(-child.pid);
    killQuietly(child.pid);
    reader?.destroy();
    closeSync(toChild);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** bench/log-throughput.mjs with supervisord, parsed: the end-to-end rows for both line sizes. */
function logsRun() {
  const env = { ...process.env, BENCH_BYTES: LOG_BYTES, BENCH_RUNS: String(REPS), BENCH_SUPERVISORD: SUPERVISORD ? '1' : '' };
  const out = execFileSync(NODE, [join(REPO, 'bench/log-throughput.mjs')], { env, encoding: 'utf8', maxBuffer: 1 << 24 });
  process.stderr.write(out.replace(/^/gm, '    '));
  const rows = {};
  let size = '';
  for (const line of out.split('\n')) {
    const s = /^lines of (\d+) bytes/.exec(line);
    if (s) size = s[1];
    const m = /^\s+e2e (supd|supervisord): (first byte to last|4 writers, files|1 writer, stdout|4 writers, stdout)\s+([\d.]+) MiB\/s\s+([\d.]+) CPU-s\/GiB/.exec(line);
    if (m) rows[`${m[1]}:${size}${m[2] === 'first byte to last' ? '' : `:${m[2]}`}`] = { mibps: Number(m[3]), cpuPerGiB: Number(m[4]) };
  }
  return rows;
}

/**
 * A job's output to an attached `supctl run` (into a file), against the raw pipe
 * `head | cat > file`: JOB_BYTES from /dev/zero, wall time from starting the client to its exit
 * (supctl's own start included), supd's and the client's CPU.
 */
async function jobsRun() {
  const daemon = await startDaemon('supd', []);
  try {
    while ((await countRunning(daemon.sock)) < 0) await sleep(20);
    const out = join(daemon.dir, 'job.out');
    const env = { ...process.env, SUPCTL_STATE_DIR: join(daemon.dir, 'supctl-state') };
    let t = performance.now();
    spawnSync('sh', ['-c', `head -c ${JOB_BYTES} /dev/zero | cat > ${out}`]);
    const rawMs = performance.now() - t;
    const fd = openSync(out, 'w');
    const supdBefore = cpuMs(daemon.pid);
    t = performance.now();
    const client = spawnSync('sh', ['-c', `exec /usr/bin/time -f '%U %S' ${NODE} ${SUPCTL} -c ${daemon.conf} run -- head -c ${JOB_BYTES} /dev/zero`], { env, stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
    const jobMs = performance.now() - t;
    closeSync(fd);
    const supdCpuMs = cpuMs(daemon.pid) - supdBefore;
    const size = statSync(out).size;
    if (client.status !== 0 || size !== JOB_BYTES) throw new Error(`supctl run: exit ${client.status}, ${size} of ${JOB_BYTES} bytes: ${client.stderr}`);
    const [user, sys] = (client.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
    const mib = JOB_BYTES / 2 ** 20;
    return {
      jobMibps: mib / (jobMs / 1000),
      rawMibps: mib / (rawMs / 1000),
      jobSupdCpuPerGiB: supdCpuMs / 1000 / (mib / 1024),
      jobClientCpuPerGiB: ((user ?? NaN) + (sys ?? NaN)) / (mib / 1024),
    };
  } finally {
    await teardown(daemon);
  }
}

// --- helper roles ------------------------------------------------------------------------------

/**
 * An event listener answering OK at once; appends `<CLOCK_MONOTONIC ns> <eventname>` per event
 * (one write to a file it keeps open). The same program for supd, supervisord and the floor.
 */
async function runListener(dir) {
  while (!existsSync(join(dir, 'go'))) await sleep(5); // hold the first READY back until told
  const log = openSync(join(dir, 'events.log'), 'a');
  let buffer = Buffer.alloc(0);
  writeSync(1, 'READY\n');
  process.stdin.on('data', (chunk) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    for (;;) {
      const nl = buffer.indexOf(10);
      if (nl === -1) break;
      const header = buffer.latin1Slice(0, nl);
      const len = Number(/len:(\d+)/.exec(header)?.[1] ?? 0); // ASCII payloads here: chars = bytes
      if (buffer.length < nl + 1 + len) break;
      buffer = buffer.subarray(nl + 1 + len);
      writeSync(1, 'RESULT 2\nOKREADY\n');
      writeSync(log, `${process.hrtime.bigint()} ${/eventname:(\S+)/.exec(header)?.[1]}\n`);
    }
  });
}

/** A program that runs 200 ms, then records CLOCK_MONOTONIC and exits 0. */
function runExiter(dir) {
  setTimeout(() => {
    appendFileSync(join(dir, 'exits'), `${process.hrtime.bigint()}\n`);
    process.exit(0);
  }, 200);
}

/**
 * n subshells blocked on a pipe we hold, their parent sh gone, so PID 1 adopts them; closing the
 * pipe makes all n exit at once (n zombies only PID 1 can reap). Writes the release time, then
 * stays up (it is the PID-1 tool's main child).
 */
function runOrphans(n, file) {
  const sh = spawn('sh', ['-c', `i=0; while [ "$i" -lt ${n} ]; do (read x <&3) & i=$((i+1)); done`], { stdio: ['ignore', 'ignore', 'inherit', 'pipe'] });
  sh.on('exit', () => {
    const at = process.hrtime.bigint();
    sh.stdio[3].destroy();
    writeFileSync(`${file}.tmp`, `${at}\n`);
    renameSync(`${file}.tmp`, file);
  });
  setInterval(() => {}, 1 << 30);
}

// --- the table ---------------------------------------------------------------------------------

const fmt = {
  ms: (v) => (Number.isFinite(v) ? (v >= 100 ? `${v.toFixed(0)} ms` : v >= 10 ? `${v.toFixed(1)} ms` : `${v.toFixed(2)} ms`) : 'n/a'),
  s: (v) => (Number.isFinite(v) ? `${(v / 1000).toFixed(2)} s` : 'n/a'),
  mib: (v) => (Number.isFinite(v) ? `${v.toFixed(1)} MiB` : 'n/a'),
  kib: (v) => (Number.isFinite(v) ? `${v.toFixed(0)} KiB` : 'n/a'),
  n: (v, unit) => (Number.isFinite(v) ? `${v >= 100 ? v.toFixed(0) : v.toFixed(1)}${unit}` : 'n/a'),
};

function ratio(a, b) {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return 'n/a';
  const r = a / b;
  return r >= 10 ? `${r.toFixed(0)}x` : r >= 0.1 ? `${r.toFixed(2)}x` : `${r.toFixed(3)}x`;
}

/** goal: [max ratio] or null; met: yes / NO / blank */
function row(rows, measure, supd, supervisord, format, goalText = '', goalMax = null, extraMet = true) {
  const r = Number.isFinite(supd) && Number.isFinite(supervisord) && supervisord !== 0 ? supd / supervisord : NaN;
  const met = goalMax === null ? '' : Number.isFinite(r) ? (r <= goalMax && extraMet ? 'yes' : 'NO') : 'n/a';
  rows.push(`| ${measure} | ${format(supd)} | ${format(supervisord)} | ${ratio(supd, supervisord)} | ${goalText} | ${met} |`);
}

/** A row whose goal is a ratio of at least `goalMin` (rates, throughputs). */
function rowAtLeast(rows, measure, supd, supervisord, format, goalMin) {
  const r = Number.isFinite(supd) && Number.isFinite(supervisord) && supervisord !== 0 ? supd / supervisord : NaN;
  const met = Number.isFinite(r) ? (r >= goalMin ? 'yes' : 'NO') : 'n/a';
  rows.push(`| ${measure} | ${format(supd)} | ${format(supervisord)} | ${ratio(supd, supervisord)} | >= ${goalMin}x | ${met} |`);
}

async function medianRuns(reps, label, fn) {
  const runs = [];
  for (let i = 0; i < reps; i++) {
    note(`${label} (${i + 1}/${reps})`);
    runs.push(await fn());
  }
  const keys = new Set(runs.flatMap((r) => Object.keys(r)));
  return Object.fromEntries([...keys].map((k) => [k, median(runs.map((r) => r[k]))]));
}

async function main() {
  if (!existsSync(SUPD)) throw new Error(`${SUPD} is missing: run npm run build first`);
  const notes = [];
  const kinds = ['supd'];
  if (SUPERVISORD) kinds.push('supervisord');
  else notes.push('supervisord is not installed (apt-get install supervisor): its column is empty.');
  if (!SUPERVISORCTL) notes.push('supervisorctl is not installed: no supervisorctl status figures.');
  const R = Object.fromEntries(kinds.map((k) => [k, {}]));
  const get = (kind, key) => R[kind]?.[key] ?? NaN;

  for (const kind of kinds) {
    if (want('rss') || want('start') || want('idle') || want('status') || want('restart') || want('metrics')) Object.assign(R[kind], await medianRuns(REPS, `${kind}: 100 programs`, () => hundredRun(kind)));
    if (want('rss') || want('status') || want('metrics')) {
      for (const n of [10, 500]) {
        const r = await medianRuns(REPS, `${kind}: ${n} programs`, () => sizeRun(kind, n));
        for (const [k, v] of Object.entries(r)) R[kind][`${k}${n}`] = v;
      }
    }
    if (want('crash')) Object.assign(R[kind], await medianRuns(REPS, `${kind}: crash loop ${CRASH_MS / 1000} s`, () => crashRun(kind)));
    if (want('shutdown')) Object.assign(R[kind], await medianRuns(kind === 'supd' ? REPS : SHUTDOWN_REPS_SUPERVISORD, `${kind}: shutdown of ${SHUTDOWN_N}`, () => shutdownRun(kind, SHUTDOWN_N)));
  }

  // Events: the daemons and the floor take turns run by run, as a round trip's rate follows
  // whatever else the two cores run at that moment.
  const eventRuns = { floor: [] };
  if (want('events')) {
    for (const kind of kinds) eventRuns[kind] = [];
    for (let i = 0; i < REPS; i++) {
      for (const kind of [...kinds, 'floor']) {
        note(`${kind === 'floor' ? 'floor: the listener driven by a minimal Node loop' : `${kind}: events`} (${i + 1}/${REPS})`);
        eventRuns[kind].push(kind === 'floor' ? await eventsFloorRun() : await eventsRun(kind));
      }
    }
    for (const kind of kinds) {
      for (const key of Object.keys(eventRuns[kind][0])) R[kind][key] = median(eventRuns[kind].map((r) => r[key]));
    }
  }
  const eventsFloor = want('events') ? { eventsPerSec: median(eventRuns.floor.map((r) => r.eventsPerSec)), eventListenerCpuUs: median(eventRuns.floor.map((r) => r.eventListenerCpuUs)), eventDaemonCpuUs: median(eventRuns.floor.map((r) => r.eventDaemonCpuUs)) } : {};
  const spread = (kind) => {
    const v = (eventRuns[kind] ?? []).map((r) => r.eventsPerSec).filter(Number.isFinite);
    return v.length === 0 ? 'n/a' : `${Math.min(...v).toFixed(0)}-${Math.max(...v).toFixed(0)} /s`;
  };
  const floor = want('start') ? await medianRuns(REPS, 'floor: 100 sleeps from a shell loop', () => shellLoopStartRun(100)) : {};

  const reap = {};
  if (want('reap')) {
    if (!canUnshare()) notes.push('reaping as PID 1 skipped: needs root and unshare(1).');
    else {
      for (const [tool, present] of [['supd', true], ['supervisord', SUPERVISORD], ['tini', TINI], ['dumb-init', DUMB_INIT]]) {
        if (!present) {
          notes.push(`${tool} is not installed: no reaping figure for it.`);
          continue;
        }
        reap[tool] = (await medianRuns(REPS, `${tool}: reap ${ORPHANS} orphans as PID 1`, () => reapRun(tool))).reapMs;
      }
    }
  }

  let backoff = null;
  if (want('backoff')) {
    note(`supd: backoff delays (${BACKOFF.restarts} restarts)`);
    backoff = await backoffRun();
  }
  const tree = {};
  if (want('tree')) {
    tree.plain = await medianRuns(REPS, 'supd: 100 programs, stopastree=false', () => treeRun(false));
    tree.tree = await medianRuns(REPS, 'supd: 100 programs, stopastree=true', () => treeRun(true));
  }
  const jobs = want('jobs') ? await medianRuns(REPS, `supd: a job's ${JOB_BYTES / 2 ** 20} MiB to an attached supctl run`, jobsRun) : {};

  let logs = {};
  if (want('logs')) {
    note(`log throughput (bench/log-throughput.mjs, ${LOG_BYTES} per case)`);
    logs = logsRun();
  }

  // --- print --------------------------------------------------------------------------------
  const rows = [];
  const perProgram = (kind) => ((get(kind, 'rssMiB500') - get(kind, 'rssMiB10')) * 1024) / 490;
  const perProgramAnon = (kind) => ((get(kind, 'anonMiB500') - get(kind, 'anonMiB10')) * 1024) / 490;
  if (want('rss')) {
    for (const n of [10, 100, 500]) {
      const key = n === 100 ? '' : String(n);
      const goal = n === 100 ? ['<= 1.5x', 1.5] : ['', null];
      row(rows, `RSS, ${n} programs`, get('supd', `rssMiB${key}`), get('supervisord', `rssMiB${key}`), fmt.mib, ...goal);
      const anonGoal = n === 10 ? ['', null] : ['<= 1x', 1];
      row(rows, `anonymous memory (RssAnon), ${n} programs`, get('supd', `anonMiB${key}`), get('supervisord', `anonMiB${key}`), fmt.mib, ...anonGoal);
    }
    row(rows, 'RSS per extra program (10 -> 500)', perProgram('supd'), perProgram('supervisord'), fmt.kib, '<= 1x', 1);
    row(rows, 'RssAnon per extra program (10 -> 500)', perProgramAnon('supd'), perProgramAnon('supervisord'), fmt.kib, '<= 1x', 1);
  }
  if (want('start')) {
    row(rows, 'start to 100 programs RUNNING (startsecs=0)', get('supd', 'startMs'), get('supervisord', 'startMs'), fmt.ms, '<= 0.1x', 0.1);
    const shellLoop = floor.shellLoopStartMs ?? NaN;
    const toFloor = get('supd', 'startMs') / shellLoop;
    rows.push(`| ... floor: 100 sleeps started by a shell loop, until all have exec'd | ${fmt.ms(shellLoop)} |  | supd ${ratio(get('supd', 'startMs'), shellLoop)} of it | supd <= 0.5x of it | ${Number.isFinite(toFloor) ? (toFloor <= 0.5 ? 'yes' : 'NO') : 'n/a'} |`);
  }
  if (want('idle')) {
    row(rows, `idle CPU, 100 programs (over ${IDLE_MS / 1000} s)`, get('supd', 'idleCpuMsPerMin'), get('supervisord', 'idleCpuMsPerMin'), (v) => fmt.n(v, ' ms/min'), '<= 0.1x', 0.1);
    row(rows, 'idle wake-ups (context switches, all threads)', get('supd', 'idleWakeupsPerSec'), get('supervisord', 'idleWakeupsPerSec'), (v) => fmt.n(v, ' /s'), '~0 /s when nothing is due', 1e9, get('supd', 'idleWakeupsPerSec') < 0.5);
  }
  if (want('restart')) row(rows, 'restart latency after kill -9', get('supd', 'restartMs'), get('supervisord', 'restartMs'), fmt.ms, '<= 0.01x', 0.01);
  if (want('crash')) {
    // supd restarts an instantly-exiting program more often than supervisord's 1 s tick allows,
    // so the window's CPU alone favours supervisord: the goal is per restart.
    row(rows, `CPU while one program crash-loops ${CRASH_MS / 1000} s`, get('supd', 'crashCpuMs'), get('supervisord', 'crashCpuMs'), fmt.ms);
    row(rows, '... restarts in that window', get('supd', 'crashSpawns'), get('supervisord', 'crashSpawns'), (v) => fmt.n(v, ''));
    const perRestart = (kind) => get(kind, 'crashCpuMs') / get(kind, 'crashSpawns');
    row(rows, '... CPU per restart', perRestart('supd'), perRestart('supervisord'), fmt.ms, '<= 0.3x', 0.3);
  }
  if (want('status')) {
    row(rows, 'supctl status vs supervisorctl status, 100 programs', get('supd', 'statusMs'), get('supervisord', 'statusMs'), fmt.ms, '<= 0.25x', 0.25);
    row(rows, '... floor: a bare `node -e 0`, run beside supctl', get('supd', 'statusFloorMs'), get('supervisord', 'statusMs'), fmt.ms);
    row(rows, 'supctl status vs supervisorctl status, 500 programs', get('supd', 'statusMs500'), get('supervisord', 'statusMs500'), fmt.ms, '<= 0.25x', 0.25);
    row(rows, '... floor: a bare `node -e 0`, run beside supctl', get('supd', 'statusFloorMs500'), get('supervisord', 'statusMs500'), fmt.ms);
  }
  if (want('reap') && Object.keys(reap).length > 0) {
    const tini = reap.tini ?? NaN;
    const ref = `<= tini (${fmt.ms(tini)}; dumb-init ${fmt.ms(reap['dumb-init'] ?? NaN)})`;
    const met = Number.isFinite(tini) ? (reap.supd <= tini ? 'yes' : 'NO') : 'n/a';
    rows.push(`| reap ${ORPHANS} orphans as PID 1 (exit to none left) | ${fmt.ms(reap.supd)} | ${fmt.ms(reap.supervisord ?? NaN)} | ${ratio(reap.supd, reap.supervisord ?? NaN)} | ${ref} | ${met} |`);
  }
  if (want('metrics')) {
    // supervisord has no /metrics (its users run an exporter); the column is supd's alone.
    for (const key of ['', '500']) {
      const n = key === '' ? 100 : 500;
      rows.push(`| GET /metrics, ${n} programs: time per scrape | ${fmt.ms(get('supd', `metricsMs${key}`))} |  |  |  |  |`);
      rows.push(`| ... supd CPU per scrape | ${fmt.ms(get('supd', `metricsCpuMs${key}`))} |  |  |  |  |`);
    }
  }
  if (want('shutdown')) row(rows, `shutdown of ${SHUTDOWN_N} programs after SIGTERM`, get('supd', 'shutdownMs'), get('supervisord', 'shutdownMs'), fmt.ms, '<= 0.05x', 0.05);
  if (want('events')) {
    rowAtLeast(rows, `events delivered to one listener (burst of ${EVENTS_N})`, get('supd', 'eventsPerSec'), get('supervisord', 'eventsPerSec'), (v) => fmt.n(v, ' /s'), 1.5);
    rows.push(`| ... spread across the ${REPS} runs (min-max) | ${spread('supd')} | ${spread('supervisord')} |  |  |  |`);
    rows.push(`| ... floor: the same listener driven by a minimal Node loop (${spread('floor')}) | ${fmt.n(eventsFloor.eventsPerSec ?? NaN, ' /s')} |  | ${ratio(eventsFloor.eventsPerSec ?? NaN, get('supervisord', 'eventsPerSec'))} |  |  |`);
    row(rows, `... daemon CPU per event (floor's loop: ${fmt.n(eventsFloor.eventDaemonCpuUs ?? NaN, ' µs')})`, get('supd', 'eventDaemonCpuUs'), get('supervisord', 'eventDaemonCpuUs'), (v) => fmt.n(v, ' µs'));
    row(rows, `... listener CPU per event (floor: ${fmt.n(eventsFloor.eventListenerCpuUs ?? NaN, ' µs')})`, get('supd', 'eventListenerCpuUs'), get('supervisord', 'eventListenerCpuUs'), (v) => fmt.n(v, ' µs'));
    row(rows, 'process exit -> PROCESS_STATE_EXITED at the listener', get('supd', 'exitToEventMs'), get('supervisord', 'exitToEventMs'), fmt.ms, '<= 25 ms', 1e9, get('supd', 'exitToEventMs') <= 25);
  }
  if (backoff !== null) {
    const configured = backoff.backoffDelays.map((_, i) => Math.min(BACKOFF.delayMs * BACKOFF.factor ** i, BACKOFF.limitMs));
    rows.push(
      `| restart delays with backoff_delay=${BACKOFF.delayMs / 1000} factor=${BACKOFF.factor} limit=${BACKOFF.limitMs / 1000} (configured ${configured.join(', ')} ms + 0-10 %) | ${backoff.backoffDelays.map((d) => d.toFixed(0)).join(', ')} ms |  |  | each within its delay + 10 % + 20 ms | ${backoff.backoffBeyondMs <= 20 && backoff.backoffBelowMs === 0 ? 'yes' : 'NO'} |`,
    );
    rows.push(`| ... largest delay beyond configured + jitter (drift) | ${fmt.ms(backoff.backoffBeyondMs)} |  |  | <= 20 ms | ${backoff.backoffBeyondMs <= 20 ? 'yes' : 'NO'} |`);
  }
  if (tree.tree !== undefined) {
    const t = tree.tree;
    const p = tree.plain;
    rows.push(`| stopastree, 100 programs: start to all RUNNING (without: ${fmt.ms(p.startMs)}) | ${fmt.ms(t.startMs)} |  | ${ratio(t.startMs, p.startMs)} vs without |  |  |`);
    rows.push(`| stopastree, 100 programs: idle CPU (without: ${fmt.n(p.idleCpuMsPerMin, ' ms/min')}) | ${fmt.n(t.idleCpuMsPerMin, ' ms/min')} |  |  | ~0 | ${t.idleCpuMsPerMin < 1 ? 'yes' : 'NO'} |`);
    rows.push(`| stopastree, 100 programs: idle wake-ups (without: ${fmt.n(p.idleWakeupsPerSec, ' /s')}) | ${fmt.n(t.idleWakeupsPerSec, ' /s')} |  |  | ~0 /s | ${t.idleWakeupsPerSec < 0.5 ? 'yes' : 'NO'} |`);
    rows.push(`| stopastree, 100 programs: shutdown after SIGTERM (without: ${fmt.ms(p.shutdownMs)}) | ${fmt.ms(t.shutdownMs)} |  | ${ratio(t.shutdownMs, p.shutdownMs)} vs without |  |  |`);
  }
  if (want('logs')) {
    for (const size of ['65536', '100']) {
      const label = size === '100' ? '100-byte lines' : '64 KiB lines';
      const s = logs[`supd:${size}`] ?? {};
      const v = logs[`supervisord:${size}`] ?? {};
      rowAtLeast(rows, `log throughput to a file, ${label}`, s.mibps ?? NaN, v.mibps ?? NaN, (x) => fmt.n(x, ' MiB/s'), 1.2);
      row(rows, `... daemon CPU per GiB logged, ${label}`, s.cpuPerGiB ?? NaN, v.cpuPerGiB ?? NaN, (x) => fmt.n(x, ' CPU-s'));
      // supd's prefixed container lines against supervisord's stdout_logfile=/dev/stdout idiom.
      for (const [what, name] of [
        ['4 writers, files', 'log throughput, four programs at once, each to its file'],
        ['1 writer, stdout', "log throughput to the daemon's stdout (supd: prefixed lines)"],
        ['4 writers, stdout', "log throughput, four programs at once to the daemon's stdout"],
      ]) {
        const sw = logs[`supd:${size}:${what}`] ?? {};
        const vw = logs[`supervisord:${size}:${what}`] ?? {};
        row(rows, `${name}, ${label}`, sw.mibps ?? NaN, vw.mibps ?? NaN, (x) => fmt.n(x, ' MiB/s'));
        row(rows, `... daemon CPU per GiB logged`, sw.cpuPerGiB ?? NaN, vw.cpuPerGiB ?? NaN, (x) => fmt.n(x, ' CPU-s'));
      }
    }
  }

  if (want('jobs')) {
    const size = `${JOB_BYTES / 2 ** 20} MiB`;
    rows.push(`| job output to an attached \`supctl run\`, ${size} into a file | ${fmt.n(jobs.jobMibps ?? NaN, ' MiB/s')} | (no jobs) |  | ${ratio(jobs.jobMibps ?? NaN, jobs.rawMibps ?? NaN)} of the raw pipe |  |`);
    rows.push(`| ... raw pipe: \`head -c ${size} /dev/zero \\| cat > file\` | ${fmt.n(jobs.rawMibps ?? NaN, ' MiB/s')} |  |  |  |  |`);
    rows.push(`| ... CPU per GiB: supd / the supctl client | ${fmt.n(jobs.jobSupdCpuPerGiB ?? NaN, ' CPU-s')} / ${fmt.n(jobs.jobClientCpuPerGiB ?? NaN, ' CPU-s')} |  |  |  |  |`);
  }

  const cpu = cpus();
  const supervisordVersion = SUPERVISORD ? spawnSync(SUPERVISORD, ['--version'], { encoding: 'utf8' }).stdout.trim() : 'absent';
  console.log(`supd benchmark, ${new Date().toISOString().slice(0, 10)}: ${cpu[0]?.model ?? 'cpu'} x${cpu.length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, Node ${process.version}, supervisord ${supervisordVersion}`);
  console.log(`${QUICK ? 'BENCH_QUICK=1: ' : ''}each figure the median of ${REPS} daemon run(s)${SAMPLES > 1 ? ` (status, restart and exit latency: median of ${SAMPLES} samples per run)` : ''}; total ${((performance.now() - t0Bench) / 1000).toFixed(0)} s`);
  console.log('');
  console.log('| measure | supd | supervisord | supd/supervisord | goal | met |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(r);
  for (const n of notes) console.log(`\n${n}`);
}

function cleanupAll() {
  for (const d of started) {
    for (const pid of descendantsOf(d.pid)) killQuietly(pid);
    killQuietly(d.pid);
    killQuietly(-d.pid);
    rmSync(d.dir, { recursive: true, force: true });
  }
}

const [flag, ...args] = process.argv.slice(2);
if (flag === '--listener') await runListener(args[0]);
else if (flag === '--exiter') runExiter(args[0]);
else if (flag === '--orphans') runOrphans(Number(args[0]), args[1]);
else {
  process.on('SIGINT', () => {
    cleanupAll();
    process.exit(130);
  });
  try {
    await main();
  } finally {
    cleanupAll();
  }
}

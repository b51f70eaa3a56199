// Soak: does supd's memory and descriptor count stay flat while it works for a long time?
// Runs the built supd (dist/cli/supd.js, started the way the bin starts: it re-executes itself
// with its V8 flags) with many programs, then repeats start/stop cycles of all of them while a
// few programs crash-loop, an event listener is killed and restarted, and XML-RPC clients keep
// asking (getAllProcessInfo, readLog, tailProcessStdoutLog, readProcessStdoutLog). After each
// cycle it samples supd's VmRSS, RssAnon (/proc/PID/status) and open descriptors
// (/proc/PID/fd). Verdict: the median of the last third of the cycles against the median of the
// second third (the first third is warm-up) must stay within a bound; exit 1 if not.
// Not a test: numbers only. Plain ESM; imports nothing from src/.
//
//   npm run soak                         # 9 cycles of 500 programs (about 5 minutes)
//   SOAK_SETTLE_MS=12000                 # quiet time before each sample
//   SOAK_CYCLES=30 SOAK_PROGRAMS=500 npm run soak
//   SOAK_CRASHERS=5                      # programs that exit at once and are restarted
//   SOAK_CLIENTS=4                       # concurrent XML-RPC clients during the cycles
//   SOAK_RSS_BOUND_MIB=4 SOAK_RSS_BOUND_PCT=5 SOAK_FD_BOUND=28  # what "flat" allows
//   SOAK_NODE_ARGS='--heapsnapshot-signal=SIGPWR'                # node flags for supd
//   SOAK_SNAPSHOT=SIGPWR                 # after each sample, signal supd for a heap snapshot
//                                        # (with SOAK_NODE_ARGS=--heapsnapshot-signal=SIGPWR)
//   SOAK_KEEP=1                          # keep the temp dir (config, logs, snapshots)
//   SOAK_JSON=FILE                       # also write every sample as JSON
//
// Everything it starts runs in a mkdtemp dir and is stopped by pid / process group: supd, then
// each of its descendants still alive.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SUPD = join(REPO, 'dist/cli/supd.js');
const env = (name, fallback) => (process.env[name] === undefined || process.env[name] === '' ? fallback : Number(process.env[name]));
const CYCLES = env('SOAK_CYCLES', 9);
// How long supd is left alone after a cycle before it is sampled: longer than the 10 s after
// which supd gives back what a burst left in its heap even while crash loops keep it busy.
const SETTLE_MS = env('SOAK_SETTLE_MS', 12_000);
const PROGRAMS = env('SOAK_PROGRAMS', 500);
const CRASHERS = env('SOAK_CRASHERS', 4);
const CLIENTS = env('SOAK_CLIENTS', 4);
const RSS_BOUND_MIB = env('SOAK_RSS_BOUND_MIB', 4);
const RSS_BOUND_PCT = env('SOAK_RSS_BOUND_PCT', 5);
// A crash-looping program holds its pipes and log files only while it runs: each can add ~5.
const FD_BOUND = env('SOAK_FD_BOUND', 8 + 5 * CRASHERS);
const NODE_ARGS = (process.env.SOAK_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (values) => {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};
const readOr = (path, fallback = '') => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
};

function sample(pid) {
  const status = readOr(`/proc/${pid}/status`);
  const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  let fds = NaN;
  try {
    fds = readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    // gone
  }
  return { rssMiB: kib('VmRSS') / 1024, anonMiB: kib('RssAnon') / 1024, fds };
}

/** Every descendant of pid, from /proc (children files of each task). */
function descendantsOf(pid) {
  const out = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift();
    let tids = [];
    try {
      tids = readdirSync(`/proc/${p}/task`);
    } catch {
      continue; // gone
    }
    for (const tid of tids) {
      for (const c of readOr(`/proc/${p}/task/${tid}/children`).split(' ').filter(Boolean).map(Number)) {
        out.push(c);
        queue.push(c);
      }
    }
  }
  return out;
}
const killQuietly = (target, signal = 'SIGKILL') => {
  try {
    process.kill(target, signal);
  } catch {
    // gone already
  }
};

// --- XML-RPC over the unix socket --------------------------------------------------------------

function rpc(sock, method, params = []) {
  const value = (p) => (typeof p === 'boolean' ? `<boolean>${p ? 1 : 0}</boolean>` : typeof p === 'number' ? `<int>${p}</int>` : `<string>${String(p).replace(/&/g, '&amp;').replace(/</g, '&lt;')}</string>`);
  const body = `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${params.map((p) => `<param><value>${value(p)}</value></param>`).join('')}</params></methodCall>`;
  return new Promise((resolvePromise, reject) => {
    const req = request(
      { socketPath: sock, path: '/RPC2', method: 'POST', agent: false, headers: { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c) => (text += c));
        res.on('end', () => (text.includes('<fault>') ? reject(new Error(`${method}: ${text.slice(0, 300)}`)) : resolvePromise(text)));
      },
    );
    req.setTimeout(120_000, () => req.destroy(new Error(`${method}: no answer in 120 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

// --- the config --------------------------------------------------------------------------------

function configText(dir) {
  const programs = [];
  for (let i = 0; i < PROGRAMS; i++) {
    // AUTO log files (childlogdir), a line of output at each start, then quiet.
    programs.push(`[program:p${String(i).padStart(3, '0')}]
command=/bin/sh -c 'echo started p${i}; echo warn p${i} >&2; exec sleep 100000'
startsecs=0
autorestart=true
stopsignal=KILL
`);
  }
  for (let i = 0; i < CRASHERS; i++) {
    programs.push(`[program:crash${i}]
command=/bin/sh -c 'echo crashing; sleep 0.2; exit 3'
startsecs=0
autorestart=true
startretries=1000000
`);
  }
  // A listener in POSIX sh: READY, read the header line and the payload, RESULT 2 OK.
  writeFileSync(
    join(dir, 'listener.sh'),
    `#!/bin/sh
while :; do
  printf 'READY\\n'
  read -r hdr || exit 0
  len=\${hdr##*len:}
  head -c "$len" >/dev/null
  printf 'RESULT 2\\nOK'
done
`,
    { mode: 0o755 },
  );
  return `[supervisord]
nodaemon=true
logfile=${dir}/supd.log
pidfile=${dir}/supd.pid
childlogdir=${dir}/logs
minfds=8192
minprocs=4096

[unix_http_server]
file=${dir}/supd.sock

[supervisorctl]
serverurl=unix://${dir}/supd.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[eventlistener:listener]
command=${dir}/listener.sh
events=PROCESS_STATE
autorestart=true
startsecs=0
buffer_size=10000

${programs.join('\n')}`;
}

/** With SOAK_SNAPSHOT, asks supd for a heap snapshot (written in its cwd) and waits for it. */
async function snapshot(daemon, dir) {
  if (!process.env.SOAK_SNAPSHOT) return;
  const count = () => readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot')).length;
  const before = count();
  process.kill(daemon.pid, process.env.SOAK_SNAPSHOT);
  await waitFor('a heap snapshot', async () => count() > before, 120_000, daemon);
  // Written when the stat size stops changing for a second.
  const newest = () => readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot')).sort().at(-1);
  let last = -1;
  for (;;) {
    await sleep(1_000);
    const size = statSync(join(dir, newest())).size;
    if (size === last) return;
    last = size;
  }
}

// --- the run -----------------------------------------------------------------------------------

async function countStates(sock) {
  const text = await rpc(sock, 'supervisor.getAllProcessInfo');
  return { running: (text.match(/>RUNNING</g) ?? []).length };
}

async function waitFor(what, check, timeoutMs, daemon) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (daemon.child.exitCode !== null || daemon.child.signalCode !== null) throw new Error(`supd exited (${daemon.child.exitCode ?? daemon.child.signalCode}) while waiting for ${what}: ${daemon.stderr().slice(-2000)}`);
    try {
      if (await check()) return;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function listenerPid(daemon) {
  return rpc(daemon.sock, 'supervisor.getProcessInfo', ['listener:listener']).then((t) => Number(/<name>pid<\/name>\s*<value><int>(\d+)</.exec(t)?.[1] ?? 0));
}

/** Concurrent clients asking what real clients ask, until stopped; counts answers and faults. */
function rpcLoad(daemon, stats) {
  let running = true;
  const loops = Array.from({ length: CLIENTS }, async (_, k) => {
    let i = k;
    while (running) {
      const name = `p${String(i % PROGRAMS).padStart(3, '0')}`;
      const calls = [
        () => rpc(daemon.sock, 'supervisor.getAllProcessInfo'),
        () => rpc(daemon.sock, 'supervisor.readLog', [-4096, 0]),
        () => rpc(daemon.sock, 'supervisor.tailProcessStdoutLog', [name, 0, 1024]),
        () => rpc(daemon.sock, 'supervisor.readProcessStderrLog', [name, 0, 0]),
      ];
      try {
        await calls[i % calls.length]();
        stats.answers++;
      } catch (error) {
        // A stopped program's log may not exist yet: a fault is an answer, not a failure.
        if (String(error.message).includes('<fault>') || /NO_FILE|BAD_NAME/.test(error.message)) stats.faults++;
        else stats.errors.push(error.message);
      }
      i += CLIENTS;
    }
  });
  return async () => {
    running = false;
    await Promise.all(loops);
  };
}

async function main() {
  if (!existsSync(SUPD)) throw new Error(`${SUPD} missing: run npm run build first`);
  const dir = mkdtempSync(join(tmpdir(), 'supd-soak-'));
  const conf = join(dir, 'supd.conf');
  writeFileSync(conf, configText(dir));
  mkdirSync(join(dir, 'logs'));
  const child = spawn(process.execPath, [...NODE_ARGS, SUPD, '-c', conf], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c) => (stderr = (stderr + c).slice(-20_000)));
  const daemon = { pid: child.pid, sock: join(dir, 'supd.sock'), child, stderr: () => stderr };
  const teardown = async () => {
    const kids = descendantsOf(daemon.pid);
    killQuietly(daemon.pid);
    killQuietly(-daemon.pid);
    for (const pid of kids) {
      killQuietly(-pid);
      killQuietly(pid);
    }
    if (child.exitCode === null && child.signalCode === null) await Promise.race([new Promise((r) => child.on('exit', r)), sleep(5_000)]);
    if (process.env.SOAK_KEEP === '1') console.error(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  };
  process.on('SIGINT', () => teardown().then(() => process.exit(130)));

  const samples = [];
  const stats = { answers: 0, faults: 0, errors: [], listenerKills: 0 };
  try {
    console.error(`soak: supd pid ${daemon.pid}, ${PROGRAMS} programs, ${CRASHERS} crash-looping, 1 listener, ${CLIENTS} RPC clients, ${CYCLES} cycles; dir ${dir}`);
    await waitFor(`${PROGRAMS} programs RUNNING`, async () => (await countStates(daemon.sock)).running >= PROGRAMS, 300_000, daemon);
    samples.push({ cycle: 0, ...sample(daemon.pid) });
    console.error(`cycle  0: ${fmt(samples[0])}`);
    await snapshot(daemon, dir);
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      const t0 = performance.now();
      const stopLoad = rpcLoad(daemon, stats);
      // Kill the listener (supd restarts it), then stop and start everything.
      const lp = await listenerPid(daemon).catch(() => 0);
      if (lp > 0) {
        killQuietly(lp);
        stats.listenerKills++;
      }
      await rpc(daemon.sock, 'supervisor.stopAllProcesses', [true]);
      // A stopped program's pipes close when the last of its output is read, a moment after it is
      // reported STOPPED; what is left open a second later stays.
      await sleep(1_000);
      const stoppedFds = sample(daemon.pid).fds;
      await rpc(daemon.sock, 'supervisor.startAllProcesses', [true]).catch((error) => {
        // A crash-looping program can be between exit and restart: its start fails, the rest start.
        if (!/ALREADY_STARTED|SPAWN_ERROR|ABNORMAL_TERMINATION/.test(error.message)) throw error;
      });
      await waitFor(`${PROGRAMS} programs RUNNING`, async () => (await countStates(daemon.sock)).running >= PROGRAMS, 300_000, daemon);
      await waitFor('the listener restarted', async () => { const now = await listenerPid(daemon); return now > 0 && now !== lp; }, 60_000, daemon);
      await sleep(500);
      await stopLoad();
      // Quiet before sampling, so what is measured is what stays.
      await sleep(SETTLE_MS);
      const s = { cycle, seconds: (performance.now() - t0) / 1000, ...sample(daemon.pid), stoppedFds };
      samples.push(s);
      await snapshot(daemon, dir);
      console.error(`cycle ${String(cycle).padStart(2)}: ${fmt(s)}, ${stoppedFds} fds while all were stopped  (${s.seconds.toFixed(1)} s, ${stats.answers} RPC answers, ${stats.faults} faults)`);
    }
  } finally {
    await teardown();
  }
  if (process.env.SOAK_JSON) writeFileSync(process.env.SOAK_JSON, JSON.stringify({ samples, stats }, null, 2));
  return verdict(samples, stats);
}

const fmt = (s) => `VmRSS ${s.rssMiB.toFixed(1)} MiB, RssAnon ${s.anonMiB.toFixed(1)} MiB, ${s.fds} fds`;

function verdict(samples, stats) {
  const cycles = samples.filter((s) => s.cycle > 0);
  const third = Math.floor(cycles.length / 3);
  if (third < 1) {
    console.log('too few cycles for a verdict (need 3 or more)');
    return 0;
  }
  const second = cycles.slice(third, 2 * third);
  const last = cycles.slice(cycles.length - third);
  const rows = [];
  let ok = true;
  const check = (label, key, bound, unit) => {
    const a = median(second.map((s) => s[key]));
    const b = median(last.map((s) => s[key]));
    const flat = b - a <= bound;
    ok &&= flat;
    rows.push(`| ${label} | ${samples[0][key].toFixed(1)} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(b - a >= 0 ? '+' : '') + (b - a).toFixed(1)} ${unit} (bound ${bound.toFixed(1)}) | ${flat ? 'flat' : 'GROWS'} |`);
  };
  const rssBound = (key) => Math.max(RSS_BOUND_MIB, (median(second.map((s) => s[key])) * RSS_BOUND_PCT) / 100);
  check('VmRSS (MiB)', 'rssMiB', rssBound('rssMiB'), 'MiB');
  check('RssAnon (MiB)', 'anonMiB', rssBound('anonMiB'), 'MiB');
  check('open descriptors', 'fds', FD_BOUND, '');
  console.log(`\n${PROGRAMS} programs, ${CRASHERS} crash-looping, ${cycles.length} start/stop cycles, listener killed ${stats.listenerKills} times, ${stats.answers} RPC answers (${stats.faults} faults, ${stats.errors.length} errors)\n`);
  console.log('| measure | after start | cycles 2nd third (median) | last third (median) | change | verdict |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(r);
  console.log(`\nper cycle (VmRSS/RssAnon, fds running, fds while all were stopped): ${cycles.map((s) => `${s.cycle}: ${s.rssMiB.toFixed(0)}/${s.anonMiB.toFixed(0)} MiB ${s.fds}/${s.stoppedFds} fds`).join('; ')}`);
  if (stats.errors.length > 0) {
    console.log(`RPC errors (first 5): ${stats.errors.slice(0, 5).join(' / ')}`);
    ok = false;
  }
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`soak failed: ${error.stack ?? error}`);
    process.exit(2);
  },
);

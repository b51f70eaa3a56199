// What N /logtail followers cost the daemon: supd (and supervisord 4.2.5 with BENCH_SUPERVISORD=1)
// runs one program, N HTTP clients follow its log, and the daemon's CPU is read from /proc over a
// window, once with the log idle and once while the program writes 10 lines a second. Not a test:
// numbers only. Plain ESM; runs the built supd (SUPD=path/to/supd.js to measure another build).
//
//   node bench/logtail-followers.mjs                      # 500 followers, 10 s windows
//   BENCH_FOLLOWERS=100 BENCH_WINDOW_MS=5000 BENCH_SUPERVISORD=1 node bench/logtail-followers.mjs
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SUPD = process.env.SUPD ?? join(REPO, 'dist/cli/supd.js');
const FOLLOWERS = Number(process.env.BENCH_FOLLOWERS ?? 500);
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 10_000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function cpuMs(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // USER_HZ = 100
}

function follow(socket, path) {
  return new Promise((resolveFollow, reject) => {
    const req = request({ socketPath: socket, path }, (res) => {
      res.resume();
      resolveFollow(req);
    });
    req.on('error', reject);
    req.end();
  });
}

async function waitForSocket(socket) {
  for (let i = 0; i < 200; i++) {
    try {
      await new Promise((ok, fail) => {
        const req = request({ socketPath: socket, path: '/RPC2', method: 'POST' }, (res) => (res.resume(), ok()));
        req.on('error', fail);
        req.end('<?xml version="1.0"?><methodCall><methodName>supervisor.getState</methodName></methodCall>');
      });
      return;
    } catch {
      await sleep(50);
    }
  }
  throw new Error(`${socket} never answered`);
}

async function measure(label, argv) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-logtail-'));
  const socket = join(dir, 'd.sock');
  const flag = join(dir, 'chatty');
  // Quiet until the flag file exists, then 10 lines a second.
  const program = `echo started; while :; do if [ -e ${flag} ]; then echo "a line of output from the program"; fi; sleep 0.1; done`;
  writeFileSync(
    join(dir, 'd.conf'),
    `[supervisord]\nnodaemon=true\nlogfile=${dir}/d.log\npidfile=${dir}/d.pid\nchildlogdir=${dir}\n` +
      `[unix_http_server]\nfile=${socket}\n` +
      '[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n' +
      `[program:app]\ncommand=/bin/sh -c '${program}'\nstdout_logfile=${dir}/app.log\nstartsecs=0\n`,
  );
  const daemon = spawn(argv[0], [...argv.slice(1), '-c', join(dir, 'd.conf')], { stdio: 'ignore', detached: true });
  try {
    await waitForSocket(socket);
    await sleep(1000);
    const clients = [];
    for (let i = 0; i < FOLLOWERS; i++) clients.push(await follow(socket, '/logtail/app'));
    await sleep(1000);
    const rows = [];
    for (const phase of ['idle log', 'log gets 10 lines/s']) {
      if (phase !== 'idle log') writeFileSync(flag, '');
      await sleep(500);
      const before = cpuMs(daemon.pid);
      await sleep(WINDOW_MS);
      const used = cpuMs(daemon.pid) - before;
      rows.push(`| ${label} | ${FOLLOWERS} | ${phase} | ${((100 * used) / WINDOW_MS).toFixed(1)} % |`);
    }
    for (const c of clients) c.destroy();
    return rows;
  } finally {
    try {
      process.kill(-daemon.pid, 'SIGTERM');
    } catch {
      // gone
    }
    await sleep(500);
    try {
      process.kill(-daemon.pid, 'SIGKILL');
    } catch {
      // gone
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = ['| daemon | followers | log | daemon CPU |', '| --- | --- | --- | --- |'];
rows.push(...(await measure(`supd (${SUPD === join(REPO, 'dist/cli/supd.js') ? 'this build' : SUPD})`, [process.execPath, SUPD])));
if (process.env.BENCH_SUPERVISORD === '1') rows.push(...(await measure('supervisord 4.2.5', ['/usr/bin/supervisord'])));
console.log(rows.join('\n'));

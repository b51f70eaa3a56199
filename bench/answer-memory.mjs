// What large XML-RPC answers leave resident in supd: starts the built supd as its bin does (it
// re-executes itself with its V8 flags), one program with a 20 KB log, then asks for a 15 MiB
// answer (1,500 readProcessStdoutLog of 10,000 bytes in one multicall, just under the 16 MiB cap)
// and twice for a 101 MB one (10,000 of them, refused), reading VmRSS/RssAnon from /proc right
// after each and BENCH_SETTLE_MS later. Not a test: numbers only.
//
//   node bench/answer-memory.mjs            # 30 s settle
//   BENCH_SETTLE_MS=5000 SUPD=path/to/supd.js node bench/answer-memory.mjs
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SUPD = process.env.SUPD ?? join(REPO, 'dist/cli/supd.js');
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 30_000);
const { createRpcClient } = await import(join(REPO, 'dist/rpc/client.js'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const dir = mkdtempSync(join(tmpdir(), 'supd-answer-memory-'));
writeFileSync(
  join(dir, 'supd.conf'),
  `[supervisord]\nlogfile=${dir}/supd.log\nchildlogdir=${dir}\n[unix_http_server]\nfile=${dir}/s.sock\n` +
    `[program:big]\ncommand=sh -c 'head -c 15000 /dev/urandom | base64 -w 0; echo; exec sleep 100000'\nstdout_logfile=${dir}/big.out\nstartsecs=0\n`,
);
const child = spawn(process.execPath, [SUPD, '-c', join(dir, 'supd.conf')], { stdio: ['ignore', 'ignore', 'inherit'], detached: true });
const childrenOf = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
};
let pid = child.pid;
const memory = () => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (key) => (Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) / 1024).toFixed(1);
  return `VmRSS ${mb('VmRSS')} MB, RssAnon ${mb('RssAnon')} MB`;
};
try {
  for (let i = 0; i < 400 && !existsSync(join(dir, 's.sock')); i++) await sleep(50);
  // The bin keeps its pid when it re-executes; a launcher in between would be its parent.
  for (let p = child.pid, k; (k = childrenOf(p).find((c) => readFileSync(`/proc/${c}/cmdline`, 'utf8').includes('supd'))) !== undefined; p = k) pid = k;
  const client = createRpcClient({ serverUrl: `unix://${dir}/s.sock` });
  for (let i = 0; i < 100; i++) {
    const info = await client.call('supervisor.getProcessInfo', ['big']);
    if (info.statename === 'RUNNING' && existsSync(join(dir, 'big.out')) && readFileSync(join(dir, 'big.out')).length > 15_000) break;
    await sleep(100);
  }
  const rows = [['idle', memory()]];
  const ask = async (label, calls) => {
    const multicall = Array.from({ length: calls }, () => ({ methodName: 'supervisor.readProcessStdoutLog', params: ['big', 0, 10_000] }));
    const started = Date.now();
    // A connection of its own: a kept-alive one idle for the settle time may be closed by supd's
    // keep-alive timeout just as the next request goes out (EPIPE).
    const fresh = createRpcClient({ serverUrl: `unix://${dir}/s.sock` });
    const outcome = await fresh.call('system.multicall', [multicall]).finally(() => fresh.close()).then(
      (results) => `${results.length} results`,
      (error) => (error.faultCode === undefined ? String(error.message) : `fault ${error.faultCode}`),
    );
    rows.push([`${label}, right after (${Date.now() - started} ms, ${outcome})`, memory()]);
    await sleep(SETTLE_MS);
    rows.push([`${label}, ${SETTLE_MS / 1000} s later`, memory()]);
  };
  await ask('15 MiB answer', 1_500);
  await ask('101 MB answer', 10_000);
  await ask('101 MB answer again', 10_000);
  client.close();
  for (const [label, figures] of rows) console.log(`${label.padEnd(60)} ${figures}`);
} finally {
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  await sleep(500);
  rmSync(dir, { recursive: true, force: true });
}

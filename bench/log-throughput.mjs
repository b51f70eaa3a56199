// Throughput of supd's child-output layer (src/logs, built into dist/logs) against the raw
// `writer | cat > file` rate on the same machine, in the same run. Not a test: numbers only.
//
//   npm run build; node bench/log-throughput.mjs            # 1 GiB per case
//   BENCH_BYTES=128MiB node bench/log-throughput.mjs        # quick run
//   BENCH_SUPERVISORD=1 node bench/log-throughput.mjs       # also Debian's supervisord, same writer
//   BENCH_RUNS=5 ...                                        # median of 5 runs per case (default 3)
//   BENCH_DIR=/dev/shm ...                                  # files on tmpfs: CPU cost without disk noise
//
// The writer reaches supd through a real pipe (sh's |), as supervisord's os.pipe(); one extra
// case uses child_process.spawn's stdio 'pipe', which is a Unix socketpair and costs more.
//
// Each supd case runs in its own "supd" process (this file with --supd) that spawns the writer,
// feeds its stdout chunks to createProcessOutput exactly as the daemon does, and reports its own
// CPU time (process.cpuUsage), so the writer's CPU is not counted. Container mode is measured
// twice: supd's stdout redirected to a file (not /dev/null, so the bytes really move), and
// supd's stdout a pipe read by `cat > file`, as under a container runtime.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const SELF = new URL(import.meta.url).pathname;
const MiB = 1024 * 1024;

function parseBytes(text) {
  const m = /^(\d+)\s*(KiB|MiB|GiB|KB|MB|GB)?$/i.exec(text);
  if (!m) throw new Error(`BENCH_BYTES=${text}: expected e.g. 1GiB or 134217728`);
  const unit = { kib: 1024, kb: 1024, mib: MiB, mb: MiB, gib: 1024 * MiB, gb: 1024 * MiB }[(m[2] ?? '').toLowerCase()] ?? 1;
  return Number(m[1]) * unit;
}

/** The writer: `bytes` of output in lines of `lineBytes` (newline included), in 1 MiB writes. */
function runWriter(bytes, lineBytes) {
  const line = Buffer.alloc(lineBytes, 'x');
  line[lineBytes - 1] = 10;
  const perBlock = Math.max(1, Math.floor(MiB / lineBytes));
  const block = Buffer.concat(Array(perBlock).fill(line));
  let left = bytes;
  while (left > 0) {
    const piece = left >= block.length ? block : block.subarray(0, left);
    let done = 0;
    while (done < piece.length) {
      try {
        done += writeSync(1, piece, done);
      } catch (error) {
        if (error.code !== 'EAGAIN') throw error;
      }
    }
    left -= piece.length;
  }
}

/** One supd process: spawn the writer, push its output through dist/logs, report CPU and time. */
async function runSupd(mode, transport, dir, bytes, lineBytes) {
  const { createProcessOutput } = await import('../dist/logs/process-output.js');
  const { createStdSinks } = await import('../dist/logs/std-sink.js');
  const sinks = createStdSinks({ onNotice: (n) => process.stderr.write(`notice: ${n.message}\n`) });
  const file = (logfile, maxBytes, backups) => ({ logfile, logfileMaxBytes: maxBytes, logfileBackups: backups, captureMaxBytes: 0, eventsEnabled: false, syslog: false });
  const stdout = {
    file: file(join(dir, 'out.log'), 0, 0),
    rotate: file(join(dir, 'out.log'), 50 * MiB, 3),
    prefixed: file(null, 0, 0),
  }[mode];
  const output = createProcessOutput({
    process: { name: 'web', redirectStderr: true, stdout, stderr: file(null, 0, 0) },
    supervisord: { childlogdir: dir, identifier: 'supervisor', stripAnsi: false },
    container: { enabled: mode === 'prefixed', format: 'prefixed', lineMaxBytes: 16 * 1024 },
    sinks,
    onNotice: (n) => process.stderr.write(`notice: ${n.message}\n`),
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // 'pipe': the writer's stdout is a real pipe (our stdin, set up by sh), as supervisord's
  // os.pipe(). 'socketpair': what child_process.spawn's stdio 'pipe' really creates.
  const source =
    transport === 'pipe'
      ? process.stdin
      : spawn(process.execPath, [SELF, '--writer', String(bytes), String(lineBytes)], { stdio: ['ignore', 'pipe', 'inherit'] }).stdout;
  source.on('data', (chunk) => output.write('stdout', chunk));
  await new Promise((resolve) => source.on('end', resolve));
  output.end('stdout');
  await sinks.stdout.flush();
  output.close();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const stats = sinks.stdout.stats();
  process.stderr.write(`RESULT ${JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, dropped: stats.droppedLines })}\n`);
}

/** Runs the writer and one supd process; `stdout` is a shell redirection of supd's stdout. */
function runSupdProcess(mode, transport, dir, bytes, lineBytes, stdout) {
  const supd = `"${process.execPath}" "${SELF}" --supd ${mode} ${transport} "${dir}" ${bytes} ${lineBytes}`;
  const writer = `"${process.execPath}" "${SELF}" --writer ${bytes} ${lineBytes}`;
  const command = transport === 'pipe' ? `${writer} | ${supd} ${stdout}` : `${supd} ${stdout}`;
  const result = spawnSync('sh', ['-c', command], { encoding: 'utf8', maxBuffer: 64 * MiB });
  const line = result.stderr.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`supd case ${mode} ${transport} failed: ${result.stderr}`);
  return JSON.parse(line.slice(7));
}

function raw(dir, bytes, lineBytes) {
  const out = join(dir, 'raw.log');
  const t0 = performance.now();
  // /usr/bin/time reports cat's own CPU, as process.cpuUsage does for supd.
  const r = spawnSync('sh', ['-c', `"${process.execPath}" "${SELF}" --writer ${bytes} ${lineBytes} | /usr/bin/time -f '%U %S' cat > "${out}"`], { encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  const [user, system] = r.stderr.trim().split(/\s+/).map(Number);
  check(out, bytes);
  rmSync(out);
  return { seconds, cpuSeconds: user + system };
}

function check(path, expected) {
  const size = statSync(path).size;
  if (size !== expected) throw new Error(`${path}: ${size} bytes, expected ${expected}`);
}

function sumLogs(dir) {
  return readdirSync(dir).filter((f) => f.startsWith('out.log')).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

/** Bytes of prefixed output: "web | " per line, and per extra piece when a line is cut at 16 KiB. */
function prefixedSize(bytes, lineBytes) {
  const lines = bytes / lineBytes;
  const pieces = Math.max(1, Math.ceil((lineBytes - 1) / (16 * 1024)));
  return bytes + lines * pieces * 'web | '.length + lines * (pieces - 1);
}

function supdCase(mode, dir, bytes, lineBytes, transport = 'pipe') {
  if (mode === 'prefixed' || mode === 'prefixed-pipe') {
    const target = join(dir, 'supd-stdout');
    // prefixed-pipe: supd's stdout is a pipe, as under a container runtime; cat plays its reader.
    const redirect = mode === 'prefixed' ? `> "${target}"` : `| cat > "${target}"`;
    const result = runSupdProcess('prefixed', transport, dir, bytes, lineBytes, redirect);
    if (!result.dropped) check(target, prefixedSize(bytes, lineBytes));
    rmSync(target);
    return result;
  }
  const result = runSupdProcess(mode, transport, dir, bytes, lineBytes, '> /dev/null');
  const logs = readdirSync(dir).filter((f) => f.startsWith('out.log'));
  const written = sumLogs(dir);
  if (mode === 'file') check(join(dir, 'out.log'), bytes);
  else if (logs.length > 4 || written > bytes || (bytes > 4 * 50 * MiB && written < 3 * 50 * MiB)) throw new Error(`rotation kept ${logs.length} files, ${written} bytes`);
  for (const f of readdirSync(dir).filter((f) => f.startsWith('out.log'))) rmSync(join(dir, f));
  return result;
}

/** Debian's supervisord on the same writer into a file: wall from first byte to last, its CPU from /proc. */
async function supervisordCase(dir, bytes, lineBytes) {
  const out = join(dir, 'sv-out.log');
  const conf = join(dir, 'supervisord.conf');
  writeFileSync(
    conf,
    `[supervisord]\nnodaemon=true\nlogfile=${dir}/supervisord.log\npidfile=${dir}/supervisord.pid\nchildlogdir=${dir}\n` +
      `[program:w]\ncommand=${process.execPath} ${SELF} --writer ${bytes} ${lineBytes}\nautorestart=false\nstartsecs=0\n` +
      `stdout_logfile=${out}\nstdout_logfile_maxbytes=0\n`,
  );
  const sv = spawn('/usr/bin/supervisord', ['-c', conf], { stdio: 'ignore' });
  const ticks = () => {
    const f = readFileSync(`/proc/${sv.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime in USER_HZ
  };
  const size = () => { try { return statSync(out).size; } catch { return 0; } };
  try {
    while (size() === 0) await new Promise((r) => setTimeout(r, 2));
    const cpu0 = ticks();
    const t0 = performance.now();
    while (size() < bytes) await new Promise((r) => setTimeout(r, 5));
    const seconds = (performance.now() - t0) / 1000;
    return { seconds, cpuSeconds: ticks() - cpu0 };
  } finally {
    sv.kill('SIGTERM');
    await new Promise((r) => sv.on('exit', r));
    rmSync(out, { force: true });
  }
}

/** Runs a case `runs` times, each after `sync` so earlier cases' dirty pages do not bill it; keeps the median. */
async function median(runs, fn) {
  const results = [];
  for (let i = 0; i < runs; i++) {
    spawnSync('sync');
    results.push(await fn());
  }
  results.sort((a, b) => a.seconds - b.seconds);
  return results[Math.floor(results.length / 2)];
}

function row(name, bytes, r, rawRate) {
  const rate = bytes / MiB / r.seconds;
  const cpuPerGiB = r.cpuSeconds / (bytes / (1024 * MiB));
  const ratio = rawRate === undefined ? '' : `  ${(rate / rawRate).toFixed(2)}x raw`;
  console.log(`  ${name.padEnd(34)} ${rate.toFixed(0).padStart(6)} MiB/s  ${cpuPerGiB.toFixed(2).padStart(5)} CPU-s/GiB${ratio}${r.dropped ? `  dropped ${r.dropped} lines` : ''}`);
  return rate;
}

async function main() {
  const bytes = parseBytes(process.env.BENCH_BYTES ?? '1GiB');
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'supd-bench-'));
  console.log(`log throughput, ${bytes / MiB} MiB per case, median of ${runs}, node ${process.version}, ${dir}`);
  try {
    for (const lineBytes of [64 * 1024, 100]) {
      const total = Math.floor(bytes / lineBytes) * lineBytes;
      console.log(`lines of ${lineBytes} bytes:`);
      const rawRate = row('raw: writer | cat > file (cat CPU)', total, await median(runs, () => raw(dir, total, lineBytes)));
      row('supd: file, no rotation', total, await median(runs, () => supdCase('file', dir, total, lineBytes)), rawRate);
      row('supd: file, child via socketpair', total, await median(runs, () => supdCase('file', dir, total, lineBytes, 'socketpair')), rawRate);
      row('supd: file, rotation 50MB x3', total, await median(runs, () => supdCase('rotate', dir, total, lineBytes)), rawRate);
      row('supd: container prefixed -> file', total, await median(runs, () => supdCase('prefixed', dir, total, lineBytes)), rawRate);
      row('supd: container prefixed -> pipe', total, await median(runs, () => supdCase('prefixed-pipe', dir, total, lineBytes)), rawRate);
      if (process.env.BENCH_SUPERVISORD) row('supervisord 4.2.5: file', total, await median(runs, () => supervisordCase(dir, total, lineBytes)), rawRate);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const [flag, ...args] = process.argv.slice(2);
if (flag === '--writer') runWriter(Number(args[0]), Number(args[1]));
else if (flag === '--supd') await runSupd(args[0], args[1], args[2], Number(args[3]), Number(args[4]));
else await main();

// Throughput of supd's child-output layer (src/logs, built into dist/logs) against the raw
// `writer | cat > file` rate on the same machine, in the same run. Not a test: numbers only.
//
//   npm run build; node bench/log-throughput.mjs            # 1 GiB per case
//   BENCH_BYTES=128MiB node bench/log-throughput.mjs        # quick run
//   BENCH_SUPERVISORD=1 node bench/log-throughput.mjs       # also Debian's supervisord, same writer
//   BENCH_RUNS=5 ...                                        # median of 5 runs per case (default 3)
//   BENCH_DIR=/dev/shm ...                                  # files on tmpfs: CPU cost without disk noise
//   BENCH_LINES=100 BENCH_CASES=prefixed ...                # one line size; only cases whose name has a word
//
// How the writer's output reaches supd (the "transport" of a case):
//   socketpair  child_process stdio 'pipe' (what execa gives the daemon today: a Unix socketpair,
//               64 KiB reads) read as a Readable stream ('data' events, a new Buffer per read);
//   pipe        a real pipe from openPipe() (src/os/libc.ts), enlarged to 1 MiB (F_SETPIPE_SZ), passed
//               as the writer's stdout fd, read by readPipe() (src/logs/pipe-reader.ts) into one
//               reused buffer and handed to ProcessOutput.writeBorrowed: the proposed daemon path;
//   pipe64k     the same with the pipe left at 64 KiB, to tell the pipe size from the reader.
//
// End to end (BENCH_SUPERVISORD=1): the supd daemon (dist/cli/supd.js) and Debian's supervisord,
// each running one program that writes BENCH_BYTES to a stdout_logfile; wall time from starting
// the supervisor to the file reaching full size, and the supervisor's CPU (utime+stime from
// /proc/PID/stat). Then four programs at once, each to its own file; and one and four programs
// into the supervisor's own stdout (a file here), as in a container: supd with container_logs
// (prefixed lines), supervisord with its stdout_logfile=/dev/stdout idiom (chunks, no prefix).
//
// Each supd case runs in its own "supd" process (this file with --supd) that spawns the writer,
// feeds its stdout chunks to createProcessOutput exactly as the daemon does, and reports its own
// CPU time (process.cpuUsage), so the writer's CPU is not counted. Container mode is measured
// twice: supd's stdout redirected to a file (not /dev/null, so the bytes really move), and
// supd's stdout a pipe read by `cat > file`, as under a container runtime; JSON lines into a file once.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
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
  const { enlargeStdPipe } = await import('../dist/os/std-pipes.js');
  enlargeStdPipe(1); // as src/daemon/logs-wiring.ts does
  const sinks = createStdSinks({ onNotice: (n) => process.stderr.write(`notice: ${n.message}\n`) });
  const file = (logfile, maxBytes, backups) => ({ logfile, logfileMaxBytes: maxBytes, logfileBackups: backups, captureMaxBytes: 0, eventsEnabled: false, syslog: false });
  const stdout = {
    file: file(join(dir, 'out.log'), 0, 0),
    rotate: file(join(dir, 'out.log'), 50 * MiB, 3),
    prefixed: file(null, 0, 0),
    json: file(null, 0, 0),
  }[mode];
  const output = createProcessOutput({
    process: { name: 'web', redirectStderr: true, stdout, stderr: file(null, 0, 0) },
    supervisord: { childlogdir: dir, identifier: 'supervisor', stripAnsi: false },
    container: { enabled: mode === 'prefixed' || mode === 'json', format: mode === 'json' ? 'json' : 'prefixed', lineMaxBytes: 16 * 1024 },
    sinks,
    onNotice: (n) => process.stderr.write(`notice: ${n.message}\n`),
  });
  const { openPipe, setPipeSize } = await import('../dist/os/libc.js');
  const { readPipe } = await import('../dist/logs/pipe-reader.js');
  openPipe().forEach((fd) => closeSync(fd)); // loads koffi before the clock starts
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const writerArgs = [SELF, '--writer', String(bytes), String(lineBytes)];
  if (transport === 'socketpair') {
    const source = spawn(process.execPath, writerArgs, { stdio: ['ignore', 'pipe', 'inherit'] }).stdout;
    sinks.stdout.onThrottle((isThrottled) => (isThrottled ? source.pause() : source.resume()));
    source.on('data', (chunk) => output.write('stdout', chunk));
    await new Promise((resolve) => source.on('end', resolve));
  } else {
    const [readFd, writeFd] = openPipe();
    if (transport === 'pipe') setPipeSize(readFd, MiB);
    spawn(process.execPath, writerArgs, { stdio: ['ignore', writeFd, 'inherit'] });
    closeSync(writeFd);
    await new Promise((resolve) => {
      const reader = readPipe(readFd, { onData: (chunk) => output.writeBorrowed('stdout', chunk), onEnd: resolve });
      // As src/daemon/logs-wiring.ts does: the writer is held back while supd's stdout is slow.
      sinks.stdout.onThrottle((isThrottled) => (isThrottled ? reader.pause() : reader.resume()));
    });
  }
  output.end('stdout');
  await sinks.stdout.flush();
  output.close();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const stats = sinks.stdout.stats();
  process.stderr.write(`RESULT ${JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, dropped: stats.droppedLines, throttledMs: stats.throttledMs })}\n`);
}

/** Runs one supd process (which spawns the writer); `stdout` is a shell redirection of supd's stdout. */
function runSupdProcess(mode, transport, dir, bytes, lineBytes, stdout) {
  const supd = `"${process.execPath}" "${SELF}" --supd ${mode} ${transport} "${dir}" ${bytes} ${lineBytes}`;
  const result = spawnSync('sh', ['-c', `${supd} ${stdout}`], { encoding: 'utf8', maxBuffer: 64 * MiB });
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

/** Bytes of JSON lines: one object per line or cut piece, "partial":true on all pieces but the last. */
function jsonSize(bytes, lineBytes) {
  const lines = bytes / lineBytes;
  const pieces = Math.max(1, Math.ceil((lineBytes - 1) / (16 * 1024)));
  const time = new Date().toISOString();
  const record = (line, partial) => JSON.stringify(partial ? { time, program: 'web', stream: 'stdout', line, partial } : { time, program: 'web', stream: 'stdout', line }).length + 1;
  return lines * ((pieces - 1) * record('', true) + record('', false) + (lineBytes - 1));
}

function supdCase(mode, dir, bytes, lineBytes, transport) {
  if (mode === 'prefixed' || mode === 'prefixed-pipe' || mode === 'json') {
    const target = join(dir, 'supd-stdout');
    // prefixed-pipe: supd's stdout is a pipe, as under a container runtime; cat plays its reader.
    const redirect = mode === 'prefixed-pipe' ? `| cat > "${target}"` : `> "${target}"`;
    const result = runSupdProcess(mode === 'json' ? 'json' : 'prefixed', transport, dir, bytes, lineBytes, redirect);
    if (!result.dropped) check(target, mode === 'json' ? jsonSize(bytes, lineBytes) : prefixedSize(bytes, lineBytes));
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

/**
 * A whole supervisor running `writers` programs that write `bytes` in all: wall time from spawning
 * the supervisor to the output reaching full size, and the supervisor's CPU from /proc.
 * which: 'supd' (dist/cli/supd.js, the daemon) or 'supervisord' (Debian's 4.2.5).
 * target: 'file', each program's own stdout_logfile; or 'stdout', the supervisor's stdout (a file
 * here), as in a container: supd's container_logs (prefixed lines), supervisord's
 * stdout_logfile=/dev/stdout idiom (chunks as read, no prefix). Both run silent, so their own
 * log stays out of stdout.
 */
async function endToEndCase(which, dir, bytes, lineBytes, { writers = 1, target = 'file' } = {}) {
  const conf = join(dir, 'e2e.conf');
  const names = Array.from({ length: writers }, (_, i) => `w${i}`);
  const share = Math.floor(bytes / writers / lineBytes) * lineBytes;
  const stdoutFile = join(dir, 'e2e-stdout');
  const outputs = target === 'stdout' ? [stdoutFile] : names.map((name) => join(dir, `e2e-${name}.log`));
  // supd's prefixed lines are longer by "w0 | " each; supervisord copies bytes as they are.
  const expected =
    target === 'stdout' && which === 'supd' ? writers * (share + (share / lineBytes) * 'w0 | '.length) : writers * share;
  const container = which === 'supd' && target === 'stdout' ? 'container_logs=true\ncontainer_logs_format=prefixed\n' : '';
  writeFileSync(
    conf,
    `[supervisord]\nnodaemon=true\nsilent=true\nlogfile=${dir}/e2e-supervisor.log\npidfile=${dir}/e2e.pid\nchildlogdir=${dir}\n${container}` +
      names
        .map(
          (name, i) =>
            `[program:${name}]\ncommand=${process.execPath} ${SELF} --writer ${share} ${lineBytes}\nautorestart=false\nstartsecs=0\n` +
            (target === 'stdout'
              ? which === 'supd'
                ? 'stdout_logfile=NONE\n'
                : 'stdout_logfile=/dev/stdout\nstdout_logfile_maxbytes=0\n'
              : `stdout_logfile=${outputs[i]}\nstdout_logfile_maxbytes=0\n`),
        )
        .join(''),
  );
  const stdoutFd = openSync(stdoutFile, 'w');
  const t0 = performance.now();
  const sv =
    which === 'supd'
      ? spawn(process.execPath, ['--max-semi-space-size=1', '--no-memory-reducer', join(SELF, '../../dist/cli/supd.js'), '-c', conf], { stdio: ['ignore', stdoutFd, 'ignore'] })
      : spawn('/usr/bin/supervisord', ['-c', conf], { stdio: ['ignore', stdoutFd, 'ignore'] });
  closeSync(stdoutFd);
  const ticks = () => {
    const f = readFileSync(`/proc/${sv.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime in USER_HZ
  };
  const size = () =>
    outputs.reduce((sum, path) => {
      try {
        return sum + statSync(path).size;
      } catch {
        return sum;
      }
    }, 0);
  try {
    const deadline = Date.now() + 120_000;
    let first = null;
    while (size() < expected) {
      if (first === null && size() > 0) first = { t: performance.now(), cpu: ticks() };
      if (sv.exitCode !== null || Date.now() > deadline) throw new Error(`${which}: output stopped at ${size()} of ${expected} bytes`);
      await new Promise((r) => setTimeout(r, 2));
    }
    const t1 = performance.now();
    const cpu = ticks();
    first ??= { t: t0, cpu: 0 };
    // Whole run from start, and the streaming part alone (first byte out to the last).
    return { seconds: (t1 - t0) / 1000, cpuSeconds: cpu, stream: { seconds: (t1 - first.t) / 1000, cpuSeconds: cpu - first.cpu } };
  } finally {
    sv.kill('SIGTERM');
    await new Promise((r) => (sv.exitCode === null ? sv.on('exit', r) : r()));
    for (const path of [...outputs, stdoutFile]) rmSync(path, { force: true });
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
  const held = r.throttledMs ? `  writer held back ${r.throttledMs.toFixed(0)} ms` : '';
  console.log(`  ${name.padEnd(36)} ${rate.toFixed(0).padStart(6)} MiB/s  ${cpuPerGiB.toFixed(2).padStart(5)} CPU-s/GiB${ratio}${r.dropped ? `  dropped ${r.dropped} lines` : ''}${held}`);
  return rate;
}

async function main() {
  const bytes = parseBytes(process.env.BENCH_BYTES ?? '1GiB');
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'supd-bench-'));
  console.log(`log throughput, ${bytes / MiB} MiB per case, median of ${runs}, node ${process.version}, ${dir}`);
  const lineSizes = process.env.BENCH_LINES ? process.env.BENCH_LINES.split(',').map(Number) : [64 * 1024, 100];
  const wanted = (name) => !process.env.BENCH_CASES || process.env.BENCH_CASES.split(',').some((word) => name.includes(word));
  try {
    for (const lineBytes of lineSizes) {
      const total = Math.floor(bytes / lineBytes) * lineBytes;
      console.log(`lines of ${lineBytes} bytes:`);
      const rawRate = row('raw: writer | cat > file (cat CPU)', total, await median(runs, () => raw(dir, total, lineBytes)));
      const supd = async (name, mode, transport) => {
        if (wanted(name)) row(name, total, await median(runs, () => supdCase(mode, dir, total, lineBytes, transport)), rawRate);
      };
      await supd('supd: file, socketpair stream', 'file', 'socketpair');
      await supd('supd: file, pipe 64K + pipe-reader', 'file', 'pipe64k');
      await supd('supd: file, pipe 1M + pipe-reader', 'file', 'pipe');
      await supd('supd: file, rotation 50MB x3', 'rotate', 'pipe');
      await supd('supd: prefixed -> file, socketpair', 'prefixed', 'socketpair');
      await supd('supd: prefixed -> file, pipe 1M', 'prefixed', 'pipe');
      await supd('supd: prefixed -> pipe, pipe 1M', 'prefixed-pipe', 'pipe');
      await supd('supd: json -> file, pipe 1M', 'json', 'pipe');
      if (process.env.BENCH_SUPERVISORD) {
        for (const which of ['supd', 'supervisord']) {
          const r = await median(runs, () => endToEndCase(which, dir, total, lineBytes));
          row(`e2e ${which}: from start`, total, r, rawRate);
          row(`e2e ${which}: first byte to last`, total, r.stream, rawRate);
        }
        // Four programs at once into their own files, and one and four into the supervisor's
        // stdout (supd: prefixed container lines; supervisord: its /dev/stdout idiom).
        for (const [label, options] of [
          ['4 writers, files', { writers: 4, target: 'file' }],
          ['1 writer, stdout', { writers: 1, target: 'stdout' }],
          ['4 writers, stdout', { writers: 4, target: 'stdout' }],
        ]) {
          if (!wanted(`e2e ${label}`)) continue;
          const share = Math.floor(total / options.writers / lineBytes) * lineBytes * options.writers;
          for (const which of ['supd', 'supervisord']) {
            const r = await median(runs, () => endToEndCase(which, dir, total, lineBytes, options));
            row(`e2e ${which}: ${label}`, share, r.stream, rawRate);
          }
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const [flag, ...args] = process.argv.slice(2);
if (flag === '--writer') runWriter(Number(args[0]), Number(args[1]));
else if (flag === '--supd') await runSupd(args[0], args[1], args[2], Number(args[3]), Number(args[4]));
else await main();

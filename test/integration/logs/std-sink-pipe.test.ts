import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import type { LogNotice } from '../../../src/logs/log-settings.js';
import { LineAssembler } from '../../../src/logs/line-assembler.js';
import { StdSink } from '../../../src/logs/std-sink.js';

let dir: string;
let reader: ChildProcess | undefined;
let sink: StdSink | undefined;
afterEach(() => {
  sink?.close();
  if (reader?.exitCode === null) reader.kill('SIGKILL'); // by pid
  rmSync(dir, { recursive: true, force: true });
});

it("never blocks on a stalled stdout pipe: memory stays bounded, whole lines are dropped and counted", async () => {
  dir = mkdtempSync(join(tmpdir(), 'supd-pipe-'));
  const fifo = join(dir, 'stdout.fifo');
  spawnSync('mkfifo', [fifo]);
  // A container runtime that stops reading supd's stdout until the test says "go".
  reader = spawn('sh', ['-c', `exec 3<"${fifo}"; echo ready; while [ ! -e "${dir}/go" ]; do sleep 0.02; done; cat <&3 > "${dir}/out"`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const fd = openSync(fifo, 'w'); // returns once the reader has the fifo open
  const notices: LogNotice[] = [];
  sink = new StdSink({ fd, name: 'stdout', maxQueuedBytes: 256 * 1024, dropNoticeIntervalMs: 20, onNotice: (n) => notices.push(n) });
  const lines = new LineAssembler({ program: 'web', stream: 'stdout', format: 'prefixed', lineMaxBytes: 1024, sink });
  const line = (i: number): string => `line ${i} ${'x'.repeat(90)}\n`;
  let maxQueued = 0;
  const total = 40_000; // ~4 MiB: far more than the pipe (64 KiB) and the queue (256 KiB) hold
  for (let i = 0; i < total; i += 100) {
    let chunk = '';
    for (let j = i; j < i + 100; j++) chunk += line(j);
    lines.feed(Buffer.from(chunk)); // returns at once: a stalled reader never blocks supd
    maxQueued = Math.max(maxQueued, sink.stats().queuedBytes);
  }
  const { droppedLines } = sink.stats();
  expect(maxQueued).toBeLessThanOrEqual(256 * 1024);
  expect(droppedLines).toBeGreaterThan(0);
  await vi.waitFor(() => expect(notices.map((n) => n.message)).toContainEqual(expect.stringMatching(/dropped \d+ lines from web/)));

  writeFileSync(join(dir, 'go'), '');
  await sink.flush();
  sink.close(); // closes its own non-blocking handle on the pipe too, so cat sees EOF
  closeSync(fd);
  await new Promise((resolve) => reader!.on('exit', resolve));
  const written = readFileSync(join(dir, 'out'), 'utf8').split('\n');
  expect(written.pop()).toBe('');
  expect(written.filter((l) => !/^web \| line \d+ x{90}$/.test(l))).toEqual([]);
  expect(written.length).toBe(total - droppedLines);
  // What arrives is in order: dropping removes lines, it never reorders them.
  const numbers = written.map((l) => Number(l.split(' ')[3]));
  expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
});

import { spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONTAINER_LOG_SETTINGS } from '../../../src/logs/log-settings.js';
import { readPipe } from '../../../src/logs/pipe-reader.js';
import { createProcessOutput, type ProcessOutput } from '../../../src/logs/process-output.js';
import { StdSink } from '../../../src/logs/std-sink.js';
import { isLibcError, openPipe, setPipeSize } from '../../../src/os/libc.js';
import { processConfig } from '../../support/process-config.js';

let dir: string;
const cleanups: (() => void)[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'supd-pipe-reader-'));
});
afterEach(() => {
  cleanups.splice(0).forEach((f) => f());
  rmSync(dir, { recursive: true, force: true });
});

/** A child writing `lines` numbered lines in odd-sized pieces to its stdout, a real pipe read by readPipe. */
function runWriter(lines: number, output: ProcessOutput, pipeBytes?: number): Promise<void> {
  const fds = openPipe();
  if (isLibcError(fds)) throw new Error(`pipe2: ${fds.code}`);
  const [readFd, writeFd] = fds;
  if (pipeBytes !== undefined) expect(setPipeSize(readFd, pipeBytes)).toBe(pipeBytes);
  const writer = `
    let out = '';
    for (let i = 0; i < ${lines}; i++) out += 'line-' + i + '-' + 'x'.repeat(i % 300) + '\\n';
    let at = 0;
    const next = () => { if (at >= out.length) return; const n = 1 + Math.floor(Math.random() * 5000);
      process.stdout.write(out.slice(at, at + n), next); at += n; };
    next();`;
  const child = spawn(process.execPath, ['-e', writer], { stdio: ['ignore', writeFd, 'inherit'] });
  closeSync(writeFd);
  cleanups.push(() => {
    if (child.exitCode === null) process.kill(child.pid!, 'SIGKILL');
  });
  return new Promise((resolve) =>
    readPipe(readFd, {
      onData: (chunk) => {
        output.writeBorrowed('stdout', chunk);
        chunk.fill('#'); // what the next read would do to it
      },
      onEnd: () => {
        output.end('stdout');
        resolve();
      },
    }),
  );
}

const expectedLines = (n: number): string[] => Array.from({ length: n }, (_, i) => `line-${i}-${'x'.repeat(i % 300)}`);

describe('reading a child pipe into a reused buffer', () => {
  it('opens a real pipe (not a socketpair) that can be enlarged to 1 MiB', () => {
    const fds = openPipe();
    if (isLibcError(fds)) throw new Error(`pipe2: ${fds.code}`);
    expect({ fd: fds[0], isFIFO: fstatSync(fds[0]).isFIFO() }).toEqual({ fd: fds[0], isFIFO: true });
    expect(setPipeSize(fds[0], 1024 * 1024)).toBe(1024 * 1024);
    fds.forEach((fd) => closeSync(fd));
  });

  it('delivers every byte in order to the log file and to prefixed container output, up to EOF', async () => {
    const supdOut = openSync(join(dir, 'supd-stdout'), 'a');
    const sink = new StdSink({ fd: supdOut, name: 'stdout', onNotice: () => {} });
    const output = createProcessOutput({
      process: processConfig({
        name: 'web',
        stdout: { logfile: join(dir, 'out.log'), logfileMaxBytes: 0, logfileBackups: 0, captureMaxBytes: 0, eventsEnabled: false, syslog: false },
      }),
      supervisord: { childlogdir: dir, identifier: 'supervisor', stripAnsi: false },
      container: { ...DEFAULT_CONTAINER_LOG_SETTINGS, enabled: true, format: 'prefixed' },
      sinks: { stdout: sink, stderr: sink },
      onNotice: () => {},
    });
    cleanups.push(() => {
      output.close();
      sink.close();
      closeSync(supdOut);
    });
    await runWriter(20_000, output, 1024 * 1024);
    await sink.flush();
    expect(readFileSync(join(dir, 'out.log'), 'utf8')).toBe(expectedLines(20_000).map((l) => `${l}\n`).join(''));
    const prefixed = readFileSync(join(dir, 'supd-stdout'), 'utf8').split('\n');
    expect(prefixed.pop()).toBe('');
    expect(prefixed).toEqual(expectedLines(20_000).map((l) => `web | ${l}`));
  });

  it('keeps four pipes read at once apart, though they share one read buffer', async () => {
    const devNull = openSync('/dev/null', 'a');
    const sink = new StdSink({ fd: devNull, name: 'stdout', onNotice: () => {} });
    cleanups.push(() => {
      sink.close();
      closeSync(devNull);
    });
    const outputs = ['a', 'b', 'c', 'd'].map((name) => {
      const output = createProcessOutput({
        process: processConfig({
          name,
          stdout: { logfile: join(dir, `${name}.log`), logfileMaxBytes: 0, logfileBackups: 0, captureMaxBytes: 0, eventsEnabled: false, syslog: false },
        }),
        supervisord: { childlogdir: dir, identifier: 'supervisor', stripAnsi: false },
        container: DEFAULT_CONTAINER_LOG_SETTINGS,
        sinks: { stdout: sink, stderr: sink },
        onNotice: () => {},
      });
      cleanups.push(() => output.close());
      return output;
    });
    await Promise.all(outputs.map((output) => runWriter(5_000, output, 1024 * 1024)));
    for (const name of ['a', 'b', 'c', 'd'])
      expect(readFileSync(join(dir, `${name}.log`), 'utf8')).toBe(expectedLines(5_000).map((l) => `${l}\n`).join(''));
  });
});

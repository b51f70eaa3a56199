import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProcessConfig, StreamLogSettings } from '../../../src/config/types.js';
import { clearAutoChildLogDir } from '../../../src/logs/auto-logfile.js';
import { DEFAULT_CONTAINER_LOG_SETTINGS, type ContainerLogSettings, type LogNotice, type OutputStream } from '../../../src/logs/log-settings.js';
import { createProcessOutput, type ProcessOutput, type ProcessOutputOptions } from '../../../src/logs/process-output.js';
import { StdSink, type StdSinks } from '../../../src/logs/std-sink.js';
import { processConfig } from '../../support/process-config.js';

let dir: string;
let outputs: ProcessOutput[] = [];
let fds: number[] = [];
let sinks: StdSinks;
let notices: LogNotice[];

/** supd's stdout and stderr, played by two files so the test can read what supd wrote there. */
function fileSinks(): StdSinks {
  const make = (name: OutputStream): StdSink => {
    const fd = openSync(join(dir, `supd-${name}`), 'a');
    fds.push(fd);
    return new StdSink({ fd, name, onNotice: (n) => notices.push(n) });
  };
  return { stdout: make('stdout'), stderr: make('stderr') };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'supd-output-'));
  notices = [];
  sinks = fileSinks();
});
afterEach(async () => {
  outputs.forEach((o) => o.close());
  outputs = [];
  await sinks.stdout.flush();
  await sinks.stderr.flush();
  sinks.stdout.close();
  sinks.stderr.close();
  fds.forEach((fd) => closeSync(fd));
  fds = [];
  rmSync(dir, { recursive: true, force: true });
});

function streamLog(overrides: Partial<StreamLogSettings> = {}): StreamLogSettings {
  return { logfile: null, logfileMaxBytes: 0, logfileBackups: 0, captureMaxBytes: 0, eventsEnabled: false, syslog: false, ...overrides };
}

function output(config: Partial<ProcessConfig>, extra: Partial<ProcessOutputOptions> = {}, container: Partial<ContainerLogSettings> = {}): ProcessOutput {
  const out = createProcessOutput({
    process: processConfig({ stdout: streamLog(), stderr: streamLog(), ...config }),
    supervisord: { childlogdir: dir, identifier: 'supervisor', stripAnsi: false },
    container: { ...DEFAULT_CONTAINER_LOG_SETTINGS, ...container },
    sinks,
    onNotice: (n) => notices.push(n),
    ...extra,
  });
  outputs.push(out);
  return out;
}

const feed = (out: ProcessOutput, stream: OutputStream, ...chunks: string[]): void => chunks.forEach((c) => out.write(stream, Buffer.from(c)));
const supdOut = async (name: OutputStream = 'stdout'): Promise<string> => {
  await sinks[name].flush();
  return readFileSync(join(dir, `supd-${name}`), 'utf8');
};

describe('logging a process to files', () => {
  it('writes each stream to its own file, byte for byte', () => {
    const out = output({ stdout: streamLog({ logfile: join(dir, 'out.log') }), stderr: streamLog({ logfile: join(dir, 'err.log') }) });
    feed(out, 'stdout', 'partial ', 'line\n');
    feed(out, 'stderr', 'oops\n');
    expect(readFileSync(join(dir, 'out.log'), 'utf8')).toBe('partial line\n');
    expect(readFileSync(join(dir, 'err.log'), 'utf8')).toBe('oops\n');
  });

  it('creates AUTO files named as supervisord names them, mode 0600, and reports their paths', () => {
    const out = output({ name: 'web_00', stdout: streamLog({ logfile: 'AUTO' }), stderr: streamLog({ logfile: 'AUTO' }) });
    expect(out.logfiles.stdout).toMatch(new RegExp(`^${dir}/web_00-stdout---supervisor-[a-z0-9_]{8}\\.log$`));
    expect(out.logfiles.stderr).toMatch(/web_00-stderr---supervisor-[a-z0-9_]{8}\.log$/);
    expect(statSync(out.logfiles.stdout!).mode & 0o777).toBe(0o600);
    feed(out, 'stdout', 'hello\n');
    expect(readFileSync(out.logfiles.stdout!, 'utf8')).toBe('hello\n');
  });

  it('keeps redirect_stderr output in arrival order in the stdout log, with no stderr log', () => {
    const logged: string[] = [];
    const out = output(
      { redirectStderr: true, stdout: streamLog({ logfile: join(dir, 'out.log'), eventsEnabled: true }), stderr: streamLog({ logfile: 'AUTO' }) },
      { onLog: (stream, data) => logged.push(`${stream}:${data.toString()}`) },
    );
    feed(out, 'stdout', 'o1\n');
    feed(out, 'stderr', 'e1\n');
    feed(out, 'stdout', 'o2\n');
    feed(out, 'stderr', 'e2\n');
    expect(readFileSync(join(dir, 'out.log'), 'utf8')).toBe('o1\ne1\no2\ne2\n');
    expect(out.logfiles.stderr).toBeNull();
    expect(readdirSync(dir).filter((f) => f.includes('stderr---'))).toEqual([]);
    expect(out.read('stderr', 0, 0)).toMatchObject({ ok: false, fault: 'NO_FILE' });
    expect(logged).toEqual(['stdout:o1\n', 'stdout:e1\n', 'stdout:o2\n', 'stdout:e2\n']);
  });

  it('turns a capture block split across two reads into one communication event, outside the log', () => {
    const communications: string[] = [];
    const logged: string[] = [];
    const out = output(
      { stdout: streamLog({ logfile: join(dir, 'out.log'), captureMaxBytes: 1024, eventsEnabled: true }) },
      { onCommunication: (s, d) => communications.push(`${s}:${d.toString()}`), onLog: (s, d) => logged.push(d.toString()) },
    );
    feed(out, 'stdout', 'before\n<!--XSUPERVISOR:BE', 'GIN-->{"a":1}<!--XSUPERVISOR:END-->after\n');
    expect(communications).toEqual(['stdout:{"a":1}']);
    expect(readFileSync(join(dir, 'out.log'), 'utf8')).toBe('before\nafter\n');
    // supervisord's _log raises PROCESS_LOG for captured bytes too.
    expect(logged.join('')).toBe('before\n{"a":1}after\n');
  });

  it('strips ANSI escapes before the file when strip_ansi is set', () => {
    const out = createProcessOutput({
      process: processConfig({ stdout: streamLog({ logfile: join(dir, 'out.log') }), stderr: streamLog() }),
      supervisord: { childlogdir: dir, identifier: 'supervisor', stripAnsi: true },
      container: DEFAULT_CONTAINER_LOG_SETTINGS,
      sinks,
      onNotice: (n) => notices.push(n),
    });
    outputs.push(out);
    feed(out, 'stdout', '\x1b[32mgreen\x1b', '[0m\n');
    expect(readFileSync(join(dir, 'out.log'), 'utf8')).toBe('green\n');
  });

  it('serves readProcessStdoutLog and tailProcessStdoutLog from the file', () => {
    const out = output({ stdout: streamLog({ logfile: join(dir, 'out.log') }) });
    feed(out, 'stdout', '0123456789');
    expect(out.read('stdout', -3, 0)).toEqual({ ok: true, data: Buffer.from('789') });
    expect(out.tail('stdout', 0, 5).map(String)).toEqual(['56789', '10', 'true']);
    expect(out.read('stdout', -3, 2)).toMatchObject({ ok: false, fault: 'BAD_ARGUMENTS' });
  });

  it('clears both logs and reopens them (clearProcessLogs)', () => {
    const out = output({ stdout: streamLog({ logfile: join(dir, 'out.log') }), stderr: streamLog({ logfile: join(dir, 'err.log') }) });
    feed(out, 'stdout', 'old\n');
    expect({ cleared: out.clear() }).toEqual({ cleared: true });
    feed(out, 'stdout', 'new\n');
    expect(readFileSync(join(dir, 'out.log'), 'utf8')).toBe('new\n');
    expect(readdirSync(dir)).toContain('err.log');
    expect(out.tail('stdout', 0, 100).map(String)).toEqual(['new\n', '4', 'false']);
  });

  it('reopens its files on SIGUSR2', () => {
    const out = output({ stdout: streamLog({ logfile: join(dir, 'out.log') }) });
    feed(out, 'stdout', 'a\n');
    rmSync(join(dir, 'out.log'));
    out.reopen();
    feed(out, 'stdout', 'b\n');
    expect(readFileSync(join(dir, 'out.log'), 'utf8')).toBe('b\n');
  });
});

describe('logging to /dev/stdout', () => {
  it("writes whole lines to supd's stdout, notes once that maxbytes is ignored, and keeps a tail in memory", async () => {
    const out = output({ stdout: streamLog({ logfile: '/dev/stdout', logfileMaxBytes: 50 * 1024 * 1024 }), stderr: streamLog({ logfile: '/dev/stderr' }) });
    feed(out, 'stdout', 'hel', 'lo\nwor');
    feed(out, 'stderr', 'warn\n');
    expect(await supdOut()).toBe('hello\n');
    expect(await supdOut('stderr')).toBe('warn\n');
    expect(notices.filter((n) => n.message.includes('maxbytes'))).toEqual([
      { level: 'info', message: "web: stdout_logfile=/dev/stdout is supd's own stdout: it is never rotated, so stdout_logfile_maxbytes=52428800 is ignored" },
    ]);
    expect(out.logfiles.stdout).toBeNull();
    expect(out.tail('stdout', 0, 1600).map(String)).toEqual(['hello\nwor', '9', 'false']);
    expect(out.read('stderr', 0, 0)).toEqual({ ok: true, data: Buffer.from('warn\n') });
    out.end('stdout');
    expect(await supdOut()).toBe('hello\nwor\n');
  });

  it('says nothing about the idiom done right: /dev/stdout with maxbytes=0 (backups left at their default)', () => {
    output({
      stdout: streamLog({ logfile: '/dev/stdout', logfileMaxBytes: 0, logfileBackups: 10 }),
      stderr: streamLog({ logfile: '/dev/stderr', logfileMaxBytes: 0, logfileBackups: 10 }),
    });
    expect(notices).toEqual([]);
  });

  it('writes a partial line by itself once it has waited partialLineFlushMs', async () => {
    const out = output({ stdout: streamLog({ logfile: '/dev/stdout' }) }, { partialLineFlushMs: 20 });
    feed(out, 'stdout', 'Password: ');
    await vi.waitFor(async () => expect(await supdOut()).toBe('Password: \n'));
  });
});

describe('container logging', () => {
  it('prefixes lines with the process name and still writes the log file', async () => {
    const out = output({ stdout: streamLog({ logfile: join(dir, 'out.log') }) }, {}, { enabled: true, format: 'prefixed' });
    feed(out, 'stdout', 'one\ntw', 'o\n');
    expect(await supdOut()).toBe('web | one\nweb | two\n');
    expect(readFileSync(join(dir, 'out.log'), 'utf8')).toBe('one\ntwo\n');
  });

  it('writes JSON lines and sends stderr to supd stderr', async () => {
    const out = output({ name: 'api' }, {}, { enabled: true, format: 'json' });
    feed(out, 'stdout', 'ready\n');
    feed(out, 'stderr', 'boom\n');
    expect(JSON.parse(await supdOut())).toMatchObject({ program: 'api', stream: 'stdout', line: 'ready' });
    expect(JSON.parse(await supdOut('stderr'))).toMatchObject({ program: 'api', stream: 'stderr', line: 'boom' });
    expect(Date.parse((JSON.parse(await supdOut()) as { time: string }).time)).not.toBeNaN();
    // logfile NONE: supd still answers tail from memory.
    expect(out.tail('stdout', 0, 100)[0].toString()).toBe('ready\n');
  });

  it('never glues a line from one program to a line of another, with real children writing at once', async () => {
    const writer = `
      const name = process.argv[1];
      let out = '';
      for (let i = 0; i < 3000; i++) out += name + '-' + i + '-' + 'x'.repeat(i % 200) + '\\n';
      // Write in odd-sized pieces so lines straddle the reads supd makes.
      let at = 0;
      const next = () => { if (at >= out.length) return; const n = 1 + Math.floor(Math.random() * 700);
        process.stdout.write(out.slice(at, at + n), next); at += n; };
      next();`;
    const children = ['a', 'b'].map((name) => {
      const out = output({ name }, {}, { enabled: true, format: 'prefixed' });
      const child = spawn(process.execPath, ['-e', writer, name], { stdio: ['ignore', 'pipe', 'inherit'] });
      child.stdout.on('data', (chunk: Buffer) => out.write('stdout', chunk));
      return new Promise<void>((resolve) => child.stdout.on('end', () => { out.end('stdout'); resolve(); }));
    });
    await Promise.all(children);
    const lines = (await supdOut()).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(6000);
    const bad = lines.filter((line) => !/^(a|b) \| \1-\d+-x*$/.test(line));
    expect(bad).toEqual([]);
    for (const name of ['a', 'b']) {
      const seen = lines.filter((l) => l.startsWith(`${name} |`)).map((l) => Number(l.split('-')[1]));
      expect(seen).toEqual([...Array(3000).keys()]);
    }
  });
});

describe('cleaning up AUTO logs at start-up', () => {
  it('removes old AUTO files and their backups for this identifier only', () => {
    for (const name of ['web-stdout---supervisor-abcdefgh.log', 'web-stdout---supervisor-abcdefgh.log.2', 'web-stdout---other-abcdefgh.log', 'keep.log']) {
      writeFileSync(join(dir, name), '');
    }
    const removed = clearAutoChildLogDir(dir, 'supervisor', (n) => notices.push(n));
    expect(removed).toHaveLength(2);
    expect(readdirSync(dir).filter((f) => !f.startsWith('supd-')).sort()).toEqual(['keep.log', 'web-stdout---other-abcdefgh.log']);
  });

  it('warns and carries on when childlogdir cannot be read', () => {
    expect(clearAutoChildLogDir(join(dir, 'missing'), 'supervisor', (n) => notices.push(n))).toEqual([]);
    expect(notices).toEqual([{ level: 'warn', message: `could not clear childlogdir ${join(dir, 'missing')}` }]);
  });
});

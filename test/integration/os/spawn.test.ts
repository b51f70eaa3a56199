// src/os/spawn.ts and signals.ts against real processes: command resolution and supervisord's
// spawnerr texts, the child's environment, directory, umask and user, process groups, and exits.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChildTable } from '../../../src/os/child-table.js';
import { Reaper } from '../../../src/os/reaper.js';
import { sendSignal } from '../../../src/os/signals.js';
import { describeSpawnFailure, type SpawnFailure } from '../../../src/os/spawn-failure.js';
import { spawnProcess, type SpawnRequest, type SpawnedChild, readableFromFd } from '../../../src/os/spawn.js';
import { collectLines, killChildren } from './child-output.js';
import { readStat, readStatusField } from './proc-view.js';

const PUPPET = fileURLToPath(new URL('../../fixtures/puppet.mjs', import.meta.url));
const NODE = process.execPath;
const isRoot = process.getuid?.() === 0;

let dir: string;
let children: SpawnedChild[] = [];
/** The pids of this file's children, and the reaper that delivers their exits (as the daemon has). */
const table = new ChildTable();
const reaper = new Reaper(table);
afterAll(() => reaper.stop());

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'supd-spawn-'));
  chmodSync(dir, 0o755); // the user= test runs a child as nobody in here
});

afterEach(async () => {
  await killChildren(children);
  children = [];
  rmSync(dir, { recursive: true, force: true });
});

function request(argv: string[], more: Partial<SpawnRequest> = {}): SpawnRequest {
  return { argv, env: { PATH: '/usr/bin:/bin' }, cwd: null, umask: null, user: null, ...more };
}

function start(argv: string[], more: Partial<SpawnRequest> = {}): SpawnedChild {
  const result = spawnProcess(table, request(argv, more));
  if (!result.ok) throw new Error(`spawn failed: ${describeSpawnFailure(result.failure)}`);
  children.push(result.child);
  return result.child;
}

function failureOf(argv: string[], more: Partial<SpawnRequest> = {}): SpawnFailure {
  const result = spawnProcess(table, request(argv, more));
  if (result.ok) {
    children.push(result.child);
    throw new Error(`expected a spawn failure, but pid ${result.child.pid} started`);
  }
  return result.failure;
}

/** supervisord's spawnerr text for the failure. */
function spawnerrOf(argv: string[], more: Partial<SpawnRequest> = {}): string {
  return describeSpawnFailure(failureOf(argv, more));
}

function writeScript(name: string, body: string, mode = 0o755): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode });
  return path;
}

describe('resolving the command as supervisord does', () => {
  it('finds a bare command name in the PATH of the child environment, not supd\'s', async () => {
    writeScript('hello-supd', 'echo "hello $1"');
    const child = start(['hello-supd', 'world'], { env: { PATH: `/nonexistent:${dir}:/usr/bin:/bin` } });
    const lines = collectLines(readableFromFd(child.stdoutFd));
    await expect(child.exit).resolves.toEqual({ code: 0, signal: null });
    await lines.waitFor(/^hello world$/);
  });

  it('passes argv[0] as written, not the resolved path', async () => {
    const child = start(['node', '-e', 'console.log(process.argv0)'], {
      env: { PATH: join(NODE, '..') },
    });
    const lines = collectLines(readableFromFd(child.stdoutFd));
    await child.exit;
    await lines.waitFor(/^node$/);
  });

  it("reports a command missing from PATH as can't find command", () => {
    expect(failureOf(['no-such-command-supd'], { env: { PATH: dir } })).toEqual({ kind: 'no-file', command: 'no-such-command-supd' });
    expect(spawnerrOf(['no-such-command-supd'], { env: { PATH: dir } })).toBe(
      "can't find command 'no-such-command-supd'",
    );
  });

  it("reports a missing absolute path as can't find command", () => {
    const missing = join(dir, 'missing');
    expect(spawnerrOf([missing])).toBe(`can't find command '${missing}'`);
  });

  it('reports a directory found in PATH as a directory, by its full path', () => {
    mkdirSync(join(dir, 'webx'));
    expect(failureOf(['webx'], { env: { PATH: dir } })).toEqual({ kind: 'is-directory', command: join(dir, 'webx') });
    expect(spawnerrOf(['webx'], { env: { PATH: dir } })).toBe(
      `command at '${join(dir, 'webx')}' is a directory`,
    );
  });

  it('reports a file without execute bits as not executable', () => {
    const path = writeScript('plain', 'exit 0', 0o644);
    expect(failureOf([path])).toEqual({ kind: 'not-executable', command: path });
    expect(spawnerrOf([path])).toBe(`command at '${path}' is not executable`);
  });

  it('reports an empty command', () => {
    expect(failureOf([])).toEqual({ kind: 'bad-command', reason: 'command is empty' });
    expect(spawnerrOf([])).toBe('command is empty');
  });
});

describe('the child environment', () => {
  it("reports a directory that does not exist with supervisord's chdir message", () => {
    const missing = join(dir, 'srv', 'app');
    expect(spawnerrOf([NODE, PUPPET], { cwd: missing })).toBe(`couldn't chdir to ${missing}: ENOENT`);
  });

  it('reports a directory that is a file as ENOTDIR', () => {
    const file = writeScript('file', '');
    expect(spawnerrOf([NODE, PUPPET], { cwd: file })).toBe(`couldn't chdir to ${file}: ENOTDIR`);
  });

  it('runs the child in the requested directory', async () => {
    const child = start([NODE, PUPPET, '--print-cwd'], { cwd: dir });
    await collectLines(readableFromFd(child.stdoutFd)).waitFor(new RegExp(`^cwd ${dir}$`));
  });

  it('gives the child exactly the environment it was given, nothing of supd\'s', async () => {
    const env = { PATH: '/usr/bin:/bin', SUPD_TEST: 'a b=c', EMPTY: '' };
    const child = start(['env'], { env });
    const lines = collectLines(readableFromFd(child.stdoutFd));
    await child.exit;
    await vi.waitFor(() => expect(lines.all.filter((l) => l !== '').sort()).toEqual(
      ['EMPTY=', 'PATH=/usr/bin:/bin', 'SUPD_TEST=a b=c'],
    ));
  });

  it("applies umask to the child only and leaves supd's own umask as it was", async () => {
    const before = process.umask();
    const wanted = before === 0o027 ? 0o077 : 0o027;
    const child = start([NODE, PUPPET, '--print-umask'], { umask: wanted });
    expect(process.umask()).toBe(before);
    await collectLines(readableFromFd(child.stdoutFd)).waitFor(new RegExp(`^umask ${wanted.toString(8).padStart(4, '0')}$`));
  });
});

describe('user=', () => {
  it("reports an unknown user name with supervisord's drop_privileges words", () => {
    expect(spawnerrOf([NODE, PUPPET], { user: 'no-such-user-supd' })).toBe(
      "couldn't setuid to no-such-user-supd: Can't find username 'no-such-user-supd'",
    );
  });

  it('runs the program as the user when the name is its own uid, without needing root', async () => {
    const child = start([NODE, PUPPET, '--print-ids'], { user: String(process.getuid?.()) });
    await collectLines(readableFromFd(child.stdoutFd)).waitFor(new RegExp(`^ids uid=${process.getuid?.()} `));
  });

  it.skipIf(!isRoot)('runs the program as nobody with its uid, gid, HOME, USER and LOGNAME (needs root)', async () => {
    const child = start([NODE, PUPPET, '--print-ids', '--print-env=HOME,USER,LOGNAME'], {
      user: 'nobody',
      cwd: dir,
      env: { PATH: '/usr/bin:/bin', HOME: '/root', USER: 'root', LOGNAME: 'root' },
    });
    const lines = collectLines(readableFromFd(child.stdoutFd));
    await lines.waitFor(/^ids uid=65534 gid=65534$/);
    expect(readStatusField(child.pid, 'Uid')?.split(/\s+/)).toEqual(['65534', '65534', '65534', '65534']);
    await lines.waitFor(/^env HOME=\/nonexistent$/);
    await lines.waitFor(/^env USER=nobody$/);
    await lines.waitFor(/^env LOGNAME=nobody$/);
  });
});

describe('failures only the fork would reveal', () => {
  it.skipIf(!isRoot)('reports a directory the user= account may not enter as chdir EACCES, as supervisord does (needs root)', () => {
    // libuv would chdir() as root before setuid() and run the program anyway.
    const locked = join(dir, 'locked');
    mkdirSync(locked, { mode: 0o700 });
    expect(spawnerrOf([NODE, PUPPET], { user: 'nobody', cwd: locked })).toBe(`couldn't chdir to ${locked}: EACCES`);
  });

  it.skipIf(!isRoot)('reports a command the user= account may not run as exec EACCES (needs root)', () => {
    const path = writeScript('root-only', 'exit 0', 0o700);
    expect(spawnerrOf([path], { user: 'nobody', cwd: dir })).toBe(`couldn't exec ${path}: EACCES`);
  });

  it('names a missing #! interpreter', () => {
    const path = join(dir, 'needs-python9');
    writeFileSync(path, '#!/usr/bin/python9 -u\nprint(1)\n', { mode: 0o755 });
    expect(spawnerrOf([path])).toBe(`couldn't exec ${path}: ENOENT (its #! interpreter /usr/bin/python9 does not exist)`);
  });

  it('runs an executable script without a #! line through /bin/sh, as execvp does', async () => {
    const path = join(dir, 'no-shebang');
    writeFileSync(path, 'echo "no shebang $1"\n', { mode: 0o755 });
    const child = start([path, 'ok']);
    const lines = collectLines(readableFromFd(child.stdoutFd));
    await expect(child.exit).resolves.toEqual({ code: 0, signal: null });
    await lines.waitFor(/^no shebang ok$/);
  });
});

describe('process groups and signals', () => {
  it('makes each program the leader of its own process group', async () => {
    const child = start([NODE, PUPPET]);
    await collectLines(readableFromFd(child.stdoutFd)).waitFor(/^ready \d+$/);
    expect(readStat(child.pid)?.pgrp).toBe(child.pid);
    expect(readStat(process.pid)?.pgrp).not.toBe(child.pid);
  });

  it('kills a grandchild when the whole group is signalled', async () => {
    const child = start([NODE, PUPPET, '--grandchild']);
    const [, grandchild] = await collectLines(readableFromFd(child.stdoutFd)).waitFor(/^grandchild (\d+)$/);
    const grandchildPid = Number(grandchild);
    expect(readStat(grandchildPid)?.pgrp).toBe(child.pid);
    expect(sendSignal(child.pid, 'KILL', true)).toBe('sent');
    await expect(child.exit).resolves.toEqual({ code: null, signal: 'SIGKILL' });
    // Gone, or a zombie waiting for its reaper: the state /proc shows, for the failure message.
    await vi.waitFor(() => expect(readStat(grandchildPid)?.state ?? 'gone').toMatch(/^(gone|Z)$/), { timeout: 5_000 });
  });

  it('signals only the program, not its group, when asGroup is false', async () => {
    const child = start([NODE, PUPPET, '--grandchild']);
    const [, grandchild] = await collectLines(readableFromFd(child.stdoutFd)).waitFor(/^grandchild (\d+)$/);
    expect(sendSignal(child.pid, 'SIGKILL', false)).toBe('sent');
    await child.exit;
    expect(readStat(Number(grandchild))?.state ?? 'gone').not.toMatch(/^(gone|Z)$/); // afterEach kills it: the group outlives its leader
  });

  it('delivers a stop signal the program handles, and reports its exit code', async () => {
    const child = start([NODE, PUPPET, '--on-signal-exit=7']);
    const lines = collectLines(readableFromFd(child.stdoutFd));
    await lines.waitFor(/^ready/);
    expect(sendSignal(child.pid, 'TERM', false)).toBe('sent');
    await expect(child.exit).resolves.toEqual({ code: 7, signal: null });
    await lines.waitFor(/^got SIGTERM$/);
  });

  it('tolerates a program that already exited (ESRCH), as supervisord does', async () => {
    const child = start([NODE, PUPPET, '--exit-after-ms=0']);
    await child.exit;
    expect(sendSignal(child.pid, 'TERM', false)).toBe('no-such-process');
  });

  it('refuses a signal name that does not exist', () => {
    expect(sendSignal(process.pid, 'NOPE', false)).toEqual({ error: 'unknown signal NOPE' });
  });
});

describe('the exit promise', () => {
  it('resolves with the exit code of a program that exits', async () => {
    const child = start([NODE, PUPPET, '--exit-after-ms=10', '--code=3']);
    await expect(child.exit).resolves.toEqual({ code: 3, signal: null });
  });

  it('resolves with the signal name of a program killed by a signal', async () => {
    const child = start([NODE, PUPPET, '--ignore=TERM']);
    await collectLines(readableFromFd(child.stdoutFd)).waitFor(/^ready/);
    sendSignal(child.pid, 'SIGKILL', false);
    await expect(child.exit).resolves.toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('resolves when the program exits even if a grandchild still holds its stdout open', async () => {
    const child = start([NODE, PUPPET, '--grandchild', '--exit-after-ms=100']);
    const [, grandchild] = await collectLines(readableFromFd(child.stdoutFd)).waitFor(/^grandchild (\d+)$/);
    await expect(child.exit).resolves.toEqual({ code: 0, signal: null });
    expect(readStat(Number(grandchild))?.state ?? 'gone').not.toMatch(/^(gone|Z)$/); // still alive, pipe still open
  });

  it('collects the exit of a program it started itself exactly once, leaving libuv nothing to own', async () => {
    const before = table.awaitedCount;
    const child = start([NODE, PUPPET, '--exit-after-ms=10']);
    expect(table.get(child.pid)).toMatchObject({ pid: child.pid, reapedBy: 'supd' });
    expect(table.awaitedCount).toBe(before + 1);
    await expect(child.exit).resolves.toEqual({ code: 0, signal: null });
    expect(table.awaitedCount).toBe(before);
    expect(table.get(child.pid)).toBeUndefined();
    expect(readStat(child.pid)).toBeUndefined(); // reaped: no zombie left behind
  });

  it.skipIf(!isRoot)('counts a user= program as owned by libuv until its exit is delivered (needs root)', async () => {
    const child = start([NODE, PUPPET, '--exit-after-ms=10'], { user: 'nobody', cwd: dir });
    expect(table.get(child.pid)).toEqual({ pid: child.pid, reapedBy: 'libuv' });
    await child.exit;
    expect(table.get(child.pid)).toBeUndefined();
  });
});

describe('what a program inherits from supd', () => {
  it('starts with every signal at its default and none blocked, though Node ignores SIGPIPE', async () => {
    const child = start([NODE, PUPPET]);
    await collectLines(readableFromFd(child.stdoutFd)).waitFor(/^ready \d+$/);
    // Node (the puppet itself) may have changed its own dispositions by now; grep has not. exec:
    // a shell waiting for a child (dash) blocks every signal meanwhile, so its own mask is not
    // what it inherited.
    const shell = start(['/bin/sh', '-c', 'exec grep -E "^Sig(Ign|Blk)" /proc/self/status']);
    const lines = collectLines(readableFromFd(shell.stdoutFd));
    await shell.exit;
    await lines.waitFor(/^SigIgn:\s+0+$/);
    await lines.waitFor(/^SigBlk:\s+0+$/);
  });

  it('gets its stdin from supd, which can write to it', async () => {
    const child = start(['/bin/sh', '-c', 'read line; echo "got $line"']);
    const lines = collectLines(readableFromFd(child.stdoutFd));
    child.openStdin().write('hello\n');
    await lines.waitFor(/^got hello$/);
    await expect(child.exit).resolves.toEqual({ code: 0, signal: null });
  });

  it('inherits no descriptor of supd\'s beyond its stdin, stdout and stderr', async () => {
    const child = start(['/bin/sh', '-c', 'ls /proc/$$/fd']);
    const lines = collectLines(readableFromFd(child.stdoutFd));
    await child.exit;
    // ls itself opens one descriptor for the directory it lists.
    await lines.waitFor(/^2$/);
    const fds = lines.all.map(Number).sort((a, b) => a - b);
    expect(fds.slice(0, 3)).toEqual([0, 1, 2]);
    expect(fds.length).toBeLessThanOrEqual(4);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { liveness, NODE, REPO, startSupd, type RunningSupd } from '../support/supd-harness.js';

const SUPCTL = join(REPO, 'dist/cli/supctl.js');

let supd: RunningSupd | undefined;
const clients: ChildProcess[] = [];
const jobPids: number[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) if (client.exitCode === null && client.signalCode === null) client.kill('SIGKILL');
  await supd?.stop();
  for (const pid of jobPids.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone with supd, as it should be
    }
  }
  supd = undefined;
});

async function startWithServer(): Promise<RunningSupd> {
  supd = await startSupd((dir) => `[unix_http_server]\nfile=${join(dir, 'supd.sock')}\n[supervisorctl]\nserverurl=unix://${join(dir, 'supd.sock')}\n`);
  await vi.waitFor(() => expect(readdirSync(supd!.dir)).toContain('supd.sock'), { timeout: 10_000 });
  return supd;
}

interface Client {
  readonly process: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number>;
}

/** Runs the built supctl against the test's supd, with its own link positions in the temp dir. */
function supctl(s: RunningSupd, ...args: string[]): Client {
  const child = spawn(NODE, [SUPCTL, '-c', s.configPath, ...args], {
    cwd: s.dir,
    env: { ...process.env, SUPCTL_STATE_DIR: join(s.dir, 'supctl-state') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  clients.push(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal === 'SIGKILL' ? 137 : 128))));
  return { process: child, stdout: () => out, stderr: () => err, exited };
}

async function result(client: Client): Promise<{ code: number; stdout: string; stderr: string }> {
  const code = await client.exited;
  return { code, stdout: client.stdout(), stderr: client.stderr() };
}

/** A job that prints one, waits until `gate` exists, then two on stderr and three, and exits 3. */
function gatedJob(dir: string): string[] {
  const gate = join(dir, 'gate');
  return ['--', 'sh', '-c', `echo one; while [ ! -e ${gate} ]; do sleep 0.02; done; echo two >&2; echo three; exit 3`];
}

async function jobInfo(s: RunningSupd, id: string): Promise<Record<string, unknown>> {
  return (await s.rpc('supd.getJobInfo', id)) as Record<string, unknown>;
}

describe('supctl run and link', () => {
  it('runs a detached job, links to its output and exits with its code; --from-start prints it again', async () => {
    const s = await startWithServer();
    const started = await result(supctl(s, 'run', '--detach', '--', 'sh', '-c', 'echo one; sleep 0.3; echo two >&2; exit 3'));
    expect(started).toMatchObject({ code: 0, stderr: '' });
    const id = started.stdout.trim();
    expect(id).toMatch(/^\d+$/);
    jobPids.push(Number((await jobInfo(s, id)).pid));

    expect(await result(supctl(s, 'link', id))).toEqual({ code: 3, stdout: 'one\n', stderr: 'two\n' });
    // This client has seen everything: a second link prints nothing and reports the code at once.
    expect(await result(supctl(s, 'link', id))).toEqual({ code: 3, stdout: '', stderr: '' });
    expect(await result(supctl(s, 'link', id, '--from-start'))).toEqual({ code: 3, stdout: 'one\n', stderr: 'two\n' });
  });

  it('resumes an interrupted link where it stopped: each byte exactly once', async () => {
    const s = await startWithServer();
    const id = (await result(supctl(s, 'run', '-d', ...gatedJob(s.dir)))).stdout.trim();
    jobPids.push(Number((await jobInfo(s, id)).pid));

    const first = supctl(s, 'link', id);
    await vi.waitFor(() => expect(first.stdout()).toEqual('one\n'), { timeout: 10_000 });
    first.process.kill('SIGINT'); // between the two lines: the job waits for the gate
    const interrupted = await result(first);
    expect(interrupted.code).toEqual(130);
    expect(interrupted.stderr).toContain(`supctl link ${id}`);
    expect(await jobInfo(s, id)).toMatchObject({ state: 'running' });

    writeFileSync(join(s.dir, 'gate'), '');
    const resumed = await result(supctl(s, 'link', id));
    expect(resumed).toEqual({ code: 3, stdout: 'three\n', stderr: 'two\n' });
    expect(interrupted.stdout + resumed.stdout).toEqual('one\nthree\n');
  });

  it('keeps a job running when its attached client is killed; its exit status is there afterwards and jobs lists it', async () => {
    const s = await startWithServer();
    const attached = supctl(s, 'run', '--name', 'repair', ...gatedJob(s.dir));
    await vi.waitFor(() => expect(attached.stdout()).toEqual('one\n'), { timeout: 10_000 });
    const info = await jobInfo(s, 'repair');
    jobPids.push(Number(info.pid));
    attached.process.kill('SIGKILL');
    await attached.exited;
    expect(liveness(Number(info.pid))).toMatchObject({ alive: true });

    writeFileSync(join(s.dir, 'gate'), '');
    await vi.waitFor(async () => expect(await jobInfo(s, 'repair')).toMatchObject({ state: 'exited', exitstatus: 3, exitcode: 3 }), { timeout: 10_000 });
    const listed = await result(supctl(s, 'jobs'));
    expect(listed.code).toEqual(0);
    expect(listed.stdout).toMatch(new RegExp(`^${String(info.id)} +repair +exited +- +3 `, 'm'));
    // The killed client had printed "one" and saved that it had: link carries on after it.
    expect(await result(supctl(s, 'link', 'repair'))).toEqual({ code: 3, stdout: 'three\n', stderr: 'two\n' });
  });

  it('holds a fast writer back for its attached client rather than lose a byte', async () => {
    const s = await startWithServer();
    const bytes = 8 * 1024 * 1024; // eight times job_output_maxbytes
    const ran = await result(supctl(s, 'run', '--', 'head', '-c', String(bytes), '/dev/zero'));
    expect({ code: ran.code, length: ran.stdout.length, stderr: ran.stderr }).toEqual({ code: 0, length: bytes, stderr: '' });
  });

  it('says how many bytes are gone when the job wrote more than the ring keeps since this client stopped', async () => {
    const s = await startWithServer();
    const id = (await result(supctl(s, 'run', '-d', '--', 'sh', '-c', 'head -c 3145728 /dev/zero; echo tail'))).stdout.trim();
    await vi.waitFor(async () => expect(await jobInfo(s, id)).toMatchObject({ complete: true }), { timeout: 10_000 });
    const linked = await result(supctl(s, 'link', id));
    expect(linked.code).toEqual(0);
    expect(linked.stdout.length).toEqual(1024 * 1024);
    expect(linked.stdout.slice(-100)).toMatch(/tail\n$/);
    expect(linked.stderr).toEqual(`supctl: job ${id}: ${3145728 + 5 - 1024 * 1024} bytes of stdout are gone (more than job_output_maxbytes since this client stopped)\n`);
  });

  it('exits 128+N for a job killed by signal N', async () => {
    const s = await startWithServer();
    expect(await result(supctl(s, 'run', '--', 'sh', '-c', 'kill -TERM $$'))).toMatchObject({ code: 143 });
  });

  it('forwards stdin with -i', async () => {
    const s = await startWithServer();
    const child = spawn(NODE, [SUPCTL, '-c', s.configPath, 'run', '-i', '--', 'sh', '-c', 'read a; echo "got $a"'], {
      cwd: s.dir,
      env: { ...process.env, SUPCTL_STATE_DIR: join(s.dir, 'state') },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    clients.push(child);
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stdin!.end('hello\n');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect({ code, out }).toEqual({ code: 0, out: 'got hello\n' });
  });
});

describe('jobs and the rest of supd', () => {
  it('refuses bad requests with a clear error and changes nothing', async () => {
    const s = await startWithServer();
    const running = (await result(supctl(s, 'run', '-d', '--name', 'long', '--', 'sleep', '30'))).stdout.trim();
    jobPids.push(Number((await jobInfo(s, running)).pid));
    const done = (await result(supctl(s, 'run', '-d', '--', 'true'))).stdout.trim();
    await vi.waitFor(async () => expect(await jobInfo(s, done)).toMatchObject({ state: 'exited' }), { timeout: 10_000 });

    expect(await result(supctl(s, 'link', '99'))).toEqual({ code: 125, stdout: '', stderr: 'error: BAD_NAME: no such job: 99\n' });
    expect(await result(supctl(s, 'run', '--', 'no-such-command-here'))).toEqual({
      code: 127, stdout: '', stderr: "error: NO_FILE: can't find command 'no-such-command-here'\n",
    });
    expect(await result(supctl(s, 'run', '--', s.configPath))).toMatchObject({ code: 126, stderr: expect.stringContaining('NOT_EXECUTABLE') });
    expect(await result(supctl(s, 'kill', done))).toEqual({ code: 7, stdout: '', stderr: `error: NOT_RUNNING: job ${done} has already exited with code 0\n` });
    expect(await result(supctl(s, 'rm', 'long'))).toMatchObject({ code: 1, stderr: expect.stringContaining('STILL_RUNNING') });
    expect(await result(supctl(s, 'run', '-d', '--name', 'long', '--', 'true'))).toMatchObject({ code: 125, stderr: expect.stringContaining('ALREADY_ADDED') });

    const list = (await s.rpc('supd.listJobs')) as { id: string; state: string }[];
    expect(list.map((j) => [j.id, j.state])).toEqual([[running, 'running'], [done, 'exited']]);
  });

  it('is invisible to supervisord clients and survives a reload', async () => {
    const s = await startWithServer();
    const id = (await result(supctl(s, 'run', '-d', '--', 'sleep', '30'))).stdout.trim();
    const pid = Number((await jobInfo(s, id)).pid);
    jobPids.push(pid);
    expect(await s.rpc('supervisor.getAllProcessInfo')).toEqual([]);
    const tree = await result(supctl(s, 'tree'));
    expect(tree.stdout).toMatch(new RegExp(`^job:${id} +${pid} +RUNNING`, 'm'));

    const after = s.records.length;
    s.signal('SIGHUP');
    await s.waitForLog(/^reloaded /, { after });
    expect(await jobInfo(s, id)).toMatchObject({ state: 'running', pid });
    expect(liveness(pid)).toMatchObject({ alive: true });
  });

  it('stops running jobs at shutdown, and exits once they are gone', async () => {
    const s = await startWithServer();
    const id = (await result(supctl(s, 'run', '-d', '--', 'sleep', '30'))).stdout.trim();
    const pid = Number((await jobInfo(s, id)).pid);
    jobPids.push(pid);
    s.signal('SIGTERM');
    expect(await s.exited).toEqual(0);
    await s.waitForLog(new RegExp(`^job ${id} killed by SIGTERM$`));
    expect(liveness(pid)).toMatchObject({ alive: false });
  });
});

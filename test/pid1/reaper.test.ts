// supd's reaper as PID 1 of a pid namespace (unshare --pid --fork --mount-proc): 2000 orphans
// reparented to PID 1 all get reaped, and a program's exit still reaches supd, not the orphan count.
// Runs test/fixtures/reaper-host.mjs, which imports dist/ (npm test builds it first).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';

const HOST = fileURLToPath(new URL('../fixtures/reaper-host.mjs', import.meta.url));
const DIST_REAPER = fileURLToPath(new URL('../../dist/os/reaper.js', import.meta.url));

/** Why these tests cannot run here, or null when they can. */
function whyNotUnshare(): string | null {
  if (process.getuid?.() !== 0) return 'needs root for unshare(1) --pid';
  const probe = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', '--kill-child', 'true'], {
    timeout: 10_000,
  });
  if (probe.error) return `needs unshare(1): ${probe.error.message}`;
  if (probe.status !== 0) return `unshare --pid fails here: ${probe.stderr.toString().trim()}`;
  return null;
}
const skipReason = whyNotUnshare();

interface Host {
  readonly unshare: ChildProcess;
  readonly lines: string[];
  waitFor(match: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  census(): Promise<{ total: number; zombies: number; reaped: number }>;
}

let host: Host | undefined;

afterEach(async () => {
  const pid = host?.unshare.pid;
  if (pid !== undefined && host?.unshare.exitCode === null && host.unshare.signalCode === null) {
    const exited = new Promise((settle) => host?.unshare.once('exit', settle));
    // Its own process group; --kill-child takes PID 1, and the namespace with it.
    process.kill(-pid, 'SIGKILL');
    await exited;
  }
  host = undefined;
});

function startHost(args: string[]): Host {
  if (!existsSync(DIST_REAPER)) throw new Error(`${DIST_REAPER} is missing: run npm run build first`);
  const unshare = spawn(
    'unshare',
    ['--pid', '--fork', '--mount-proc', '--kill-child', process.execPath, HOST, ...args],
    { detached: true, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines: string[] = [];
  const censusWaiters: ((line: string) => void)[] = [];
  createInterface({ input: unshare.stdout! }).on('line', (line) => {
    if (line.startsWith('census ')) censusWaiters.shift()?.(line);
    else lines.push(line);
  });
  return {
    unshare,
    lines,
    waitFor: (match, timeoutMs) =>
      vi.waitFor(
        () => {
          const found = lines.map((l) => l.match(match)).find((m) => m !== null);
          if (!found) throw new Error(`no line matching ${match} from the host; saw: ${JSON.stringify(lines)}`);
          return found;
        },
        { timeout: timeoutMs, interval: 20 },
      ),
    census: () =>
      new Promise((settle) => {
        censusWaiters.push((line) => {
          const n = (key: string) => Number(line.match(new RegExp(`${key}=(\\d+)`))?.[1]);
          settle({ total: n('total'), zombies: n('zombies'), reaped: n('reaped') });
        });
        unshare.stdin!.write('census\n');
      }),
  };
}

describe('the reaper as PID 1 of a container', () => {
  it.skipIf(skipReason !== null)(
    `leaves no zombie in the namespace after 2000 orphans exit${skipReason ? ` (skipped: ${skipReason})` : ''}`,
    async () => {
      // Checked: with --no-reaper this fails with zombies=2000 in the last census.
      host = startHost(['--orphans=2000']);
      await host.waitFor(/^host ready pid=1$/, 10_000);
      await host.waitFor(/^puppet: orphans spawned 2000$/, 20_000);
      let last = { total: 0, zombies: -1, reaped: 0 };
      await vi.waitFor(
        async () => {
          last = await host!.census();
          if (last.zombies !== 0 || last.reaped < 2000)
            throw new Error(`still ${last.zombies} zombies, ${last.reaped} reaped: ${JSON.stringify(last)}`);
        },
        { timeout: 5_000, interval: 50 },
      );
      expect(last).toMatchObject({ zombies: 0, reaped: 2000 });
    },
  );

  it.skipIf(skipReason !== null)(
    `still delivers a program's exit code to supd, not to the orphan count${skipReason ? ` (skipped: ${skipReason})` : ''}`,
    async () => {
      host = startHost(['--orphans=500']);
      await host.waitFor(/^program exit code=5 signal=null$/, 10_000);
    },
  );
});

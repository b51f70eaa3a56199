import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startDemo } from '../../support/demo.js';
import { NODE, REPO, type RunningSupd } from '../../support/supd-harness.js';

const run = promisify(execFile);
const SUPCTL = join(REPO, 'dist/cli/supctl.js');

let supd: RunningSupd | undefined;
afterEach(async () => {
  await supd?.stop();
  supd = undefined;
});

async function supctl(...args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(NODE, [SUPCTL, '-c', supd!.configPath, ...args]);
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

describe('supctl status NAME -v on the demo layout', () => {
  it('shows px-storage, which a program started, with its tree and the lines that name it', async () => {
    supd = await startDemo();
    await supd.waitForState('start_pxcontroller_pxstorage', 'RUNNING');
    let seen = '';
    await vi.waitFor(
      async () => {
        seen = (await supctl('status', 'px-storage', '-v')).stdout;
        expect(seen).toContain('px-storage: storage up');
        // Between two naps px-storage's sleep can be a zombie ([sleep] Z) or not yet started: look again.
        expect(seen).toMatch(/Tree: \d+ \w +[\d.]+[KMG]?\s+\/bin\/sh .*\/bin\/px-storage\n\s+└─ \d+ \w +[\d.]+[KMG]?\s+sleep 2/);
      },
      { timeout: 15_000, interval: 200 },
    );
    expect(seen).toMatch(/^● px-storage - pid \d+ \(\w\), a process of program start_pxcontroller_pxstorage$/m);
    expect(seen).toMatch(/Program: start_pxcontroller_pxstorage RUNNING since .*, pid \d+, 0 restarts/);
  });

  it('shows a restart by kill -9 as a crash with its exit, the tree, and the last lines, in one --json report', async () => {
    supd = await startDemo();
    const first = await supd.waitForState('px-ns', 'RUNNING');
    process.kill(first.pid, 'SIGKILL');
    await supd.waitForState('px-ns', 'RUNNING', { otherThanPid: first.pid });
    const text = (await supctl('status', 'px-ns', '-v')).stdout;
    expect(text).toMatch(/^● px-ns - RUNNING since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/m);
    expect(text).toMatch(/Restarts: 1 \(crash 1\)\n.*: crash, terminated by SIGKILL/);
    expect(text).toMatch(/Memory: [\d.]+M \(1 process\)/);
    const { code, stdout } = await supctl('status', 'px-ns', '-v', '--lines', '2', '--json');
    expect(code).toBe(0);
    const [report] = JSON.parse(stdout) as Record<string, unknown>[];
    expect(report).toMatchObject({
      kind: 'program',
      name: 'px-ns',
      statename: 'RUNNING',
      restarts: { crash: 1, exit: 0, oom: 0, healthcheck: 0, operator: 0 },
      recent: [{ reason: 'crash', exitstatus: -1, description: 'terminated by SIGKILL' }],
      exitstatus: -1,
    });
    expect((report!.stdout as string[]).length).toBeLessThanOrEqual(2);
    expect(report!.stdout).toContainEqual(expect.stringContaining('px-ns: export service listening'));
  });

  it('answers a name nothing has with no such process and exit 4', async () => {
    supd = await startDemo();
    await supd.waitForState('px-ns', 'RUNNING');
    expect(await supctl('status', 'nosuch', '-v')).toEqual({ code: 4, stdout: 'nosuch: ERROR (no such process)\n' });
  });
});

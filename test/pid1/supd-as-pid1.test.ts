import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { canUnshare, descendants, makeTempDir, puppetProgram, startSupd, type RunningSupd } from '../support/supd-harness.js';

const unshareAvailable = canUnshare();
const reason = 'needs unshare(1) and root to make a PID namespace';

let supd: RunningSupd | undefined;
afterEach(async () => {
  await supd?.stop();
  supd = undefined;
});

describe.skipIf(!unshareAvailable)(`supd as PID 1 (${unshareAvailable ? 'unshare available' : reason})`, () => {
  it('reaps 2,000 orphans that a program leaves behind: no zombie remains', async () => {
    supd = await startSupd(puppetProgram('orphaner', '--orphans=2000', 'startsecs=0\nautorestart=false'), { pid1: true });
    await supd.waitForLog(/^success: orphaner/);
    await vi.waitFor(
      () => {
        const zombies = descendants(supd!.pid).filter((p) => p.state === 'Z');
        expect(zombies, `zombies left: ${zombies.length}`).toEqual([]);
        // All orphans have come and gone: only the puppet itself is left under supd.
        expect(descendants(supd!.pid).length).toBeLessThanOrEqual(2);
      },
      { timeout: 10_000, interval: 100 },
    );
  });

  it('stops every program on SIGTERM from outside and exits 0', async () => {
    supd = await startSupd(
      puppetProgram('a', '', 'startsecs=0\npriority=1') + puppetProgram('b', '', 'startsecs=0\npriority=2'),
      { pid1: true },
    );
    await supd.waitForLog(/^success: a/);
    await supd.waitForLog(/^success: b/);
    supd.signal('SIGTERM');
    expect(await supd.exited).toBe(0);
    const stopped = supd.records.flatMap((r) => /^stopped: (\w+)/.exec(r.msg)?.[1] ?? []);
    expect(stopped).toEqual(['b', 'a']); // reverse priority
  });

  it('applies a changed config on SIGHUP: adds, removes and restarts only what changed', async () => {
    const dir = makeTempDir();
    supd = await startSupd(
      puppetProgram('keep', '', 'startsecs=0') + puppetProgram('change', '--code=1', 'startsecs=0') + puppetProgram('drop', '', 'startsecs=0'),
      { pid1: true, dir },
    );
    for (const name of ['keep', 'change', 'drop']) await supd.waitForLog(new RegExp(`^success: ${name}`));
    const before = supd.records.length;
    writeFileSync(
      supd.configPath,
      `[supervisord]\nlogfile=${dir}/supd.log\n` +
        puppetProgram('keep', '', 'startsecs=0') +
        puppetProgram('change', '--code=2', 'startsecs=0') +
        puppetProgram('add', '', 'startsecs=0'),
    );
    supd.signal('SIGHUP');
    await supd.waitForLog(/^reloaded .*: added add; changed change; removed drop$/, { after: before });
    await supd.waitForLog(/^stopped: drop/, { after: before });
    await supd.waitForLog(/^success: add/, { after: before });
    await supd.waitForLog(/^success: change/, { after: before });
    const touched = supd.records.slice(before).flatMap((r) => /^(?:spawned|stopped): '?(\w+)/.exec(r.msg)?.[1] ?? []);
    expect(touched).not.toContain('keep');
  });

  it('keeps the running set when the reloaded config is bad', async () => {
    const dir = makeTempDir();
    supd = await startSupd(puppetProgram('steady', '', 'startsecs=0'), { pid1: true, dir });
    await supd.waitForLog(/^success: steady/);
    writeFileSync(supd.configPath, `[supervisord]\nlogfile=${dir}/supd.log\n[program:steady]\nstartsecs=zero\n`);
    supd.signal('SIGHUP');
    await supd.waitForLog(/^reload rejected: .*startsecs=zero/);
    await supd.waitForLog(/^reload rejected: the running configuration is kept$/);
    expect(supd.records.filter((r) => r.msg.startsWith('stopped:'))).toEqual([]);
  });
});

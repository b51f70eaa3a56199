/**
 * The test harness's rpc(): calls made at once each get their answer, including while another call
 * is still waiting on supd (startProcess with wait=true).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSupd, type RunningSupd } from '../../support/supd-harness.js';

let supd: RunningSupd | undefined;
afterEach(async () => {
  await supd?.stop();
  supd = undefined;
});

describe('harness rpc()', () => {
  it('answers concurrent calls, and answers others while one call waits', async () => {
    supd = await startSupd((dir) =>
      `[unix_http_server]\nfile=${dir}/supd.sock\n` +
        `[program:slow]\ncommand=sleep 1000\nautostart=false\nstartsecs=2\n`,
    );
    await supd.waitForState('slow', 'STOPPED');
    const pids = await Promise.all(Array.from({ length: 20 }, () => supd!.rpc('supervisor.getPID')));
    expect(new Set(pids)).toEqual(new Set([supd.pid]));

    const waiting = supd.rpc('supervisor.startProcess', 'slow', true);
    const during = await supd.rpc('supervisor.getProcessInfo', 'slow');
    expect(during).toMatchObject({ statename: 'STARTING' });
    expect(await waiting).toBe(true);
  }, 20_000);
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeTempDir, puppetProgram, startSupd, type RunningSupd } from '../support/supd-harness.js';

let supd: RunningSupd | undefined;
afterEach(async () => {
  await supd?.stop();
  supd = undefined;
});

describe('reading a program that logs only to the container', () => {
  it('readProcessStdoutLog and tailProcessStdoutLog answer from the in-memory tail where supervisord has no file', async () => {
    const dir = makeTempDir();
    supd = await startSupd(
      puppetProgram('stream', '--stdout-lines=3', 'stdout_logfile=/dev/stdout\nstdout_logfile_maxbytes=0\nstartsecs=0') +
        `[unix_http_server]\nfile=${dir}/supd.sock\n`,
      { dir },
    );
    await supd.waitForState('stream', 'RUNNING');
    await vi.waitFor(
      async () => expect(await supd!.rpc('supervisor.readProcessStdoutLog', 'stream', 0, 0)).toContain('stdout line 3'),
      { timeout: 10_000, interval: 50 },
    );
    const [tail, offset, overflow] = (await supd.rpc('supervisor.tailProcessStdoutLog', 'stream', 0, 1000)) as [string, number, boolean];
    expect(tail).toMatch(/ready \d+\nstdout line 1\nstdout line 2\nstdout line 3\n$/);
    expect(offset).toBe(Buffer.byteLength(tail));
    expect(overflow).toBe(false);
  });
});

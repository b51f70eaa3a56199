/**
 * `supctl health` and `supctl wait` against a real supd: exit 0 when ready, 1 (saying why) when
 * not, 2 for an unknown name, 4 when supd cannot be reached; a deliberate stop and a one-shot that
 * exited as expected do not count.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/supctl/main.js';
import { makeTempDir, NODE, PUPPET, startSupd, type RunningSupd } from '../../support/supd-harness.js';

let supd: RunningSupd | undefined;
afterEach(async () => {
  await supd?.stop();
  supd = undefined;
});

async function supctl(dir: string, ...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['-c', join(dir, 'supd.conf'), ...argv], {
    env: {},
    cwd: dir,
    isTTY: false,
    io: { out: (l) => out.push(l), write: (t) => out.push(t), err: (l) => err.push(l) },
  });
  return { code, out, err };
}

describe('supctl health and wait', () => {
  it('wait blocks until every program is ready; health then exits 0, and 1 naming what is not ready', async () => {
    supd = await startSupd(
      (dir) => `
[unix_http_server]
file=${dir}/supd.sock
[program:web]
command=${NODE} ${PUPPET}
startsecs=1
[program:setup]
command=${NODE} ${PUPPET} --exit-after-ms=10
startsecs=0
autorestart=false
[program:broken]
command=${NODE} ${PUPPET} --exit-after-ms=1500 --code=3
startsecs=0
autorestart=false
autostart=false
`,
    );
    const dir = supd.dir;
    expect(await supctl(dir, 'wait', '--timeout', '15')).toEqual({ code: 0, out: ['ready'], err: [] });
    // An operator's stop and a one-shot that completed as expected do not make it unready.
    expect((await supctl(dir, 'stop', 'web')).code).toBe(0);
    expect(await supctl(dir, 'health')).toEqual({ code: 0, out: ['ready'], err: [] });
    await supctl(dir, 'start', 'broken');
    await supd.waitForState('broken', 'EXITED', { timeout: 10_000 });
    expect(await supctl(dir, 'health')).toEqual({ code: 1, out: ['broken: EXITED unexpectedly (exit status 3)'], err: [] });
    expect(await supctl(dir, 'health', 'web', 'setup')).toEqual({ code: 0, out: ['ready'], err: [] });
    expect(await supctl(dir, 'health', 'nosuch')).toEqual({ code: 2, out: [], err: ['no such process: nosuch'] });
    expect(await supctl(dir, 'wait', '--timeout', '0.3', 'broken')).toMatchObject({ code: 1, out: ['broken: EXITED unexpectedly (exit status 3)'] });
  });

  it('exits 4 when supd cannot be reached', async () => {
    const dir = makeTempDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'supd.conf'), `[unix_http_server]\nfile=${dir}/none.sock\n`);
    const health = await supctl(dir, 'health');
    expect(health).toMatchObject({ code: 4, out: [] });
    expect(health.err).toEqual([expect.stringMatching(/^cannot reach supd at unix:\/\/.*none\.sock: ENOENT$/)]);
    expect((await supctl(dir, 'wait', '--timeout', '0.3')).code).toBe(4);
  });
});

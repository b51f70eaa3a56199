/**
 * Real-time signals reach programs: as stopsignal (RTMIN as supervisord has it, RTMIN+N as supd's
 * extension), through signalProcess and through supctl signal; getAllConfigInfo reports their
 * numbers. `sleep` dies of any of them, so how fast a stop ends shows whether the signal was sent
 * (stopwaitsecs=60 would otherwise end in SIGKILL a minute later).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/supctl/main.js';
import { startSupd, type RunningSupd } from '../../support/supd-harness.js';

let supd: RunningSupd;

const CONFIG = (dir: string): string => `[supervisord]
logfile=${dir}/supd.log

[unix_http_server]
file=${dir}/supd.sock

[supervisorctl]
serverurl=unix://${dir}/supd.sock

[program:rtmin]
command=sleep 1000
startsecs=0
stopsignal=RTMIN
stopwaitsecs=60

[program:rtplus]
command=sleep 1000
startsecs=0
stopsignal=SIGRTMIN+2
stopwaitsecs=60

[program:rtnum]
command=sleep 1000
startsecs=0
stopsignal=64
stopwaitsecs=60

[program:target]
command=sleep 1000
startsecs=0
autorestart=false
`;

async function supctl(...argv: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const code = await main(['-c', supd.configPath, ...argv], {
    env: {}, cwd: supd.dir, isTTY: false,
    io: { out: (l) => out.push(l), write: (t) => out.push(t), err: (l) => out.push(l) },
  });
  return { code, out };
}

describe('real-time signals', () => {
  beforeAll(async () => {
    supd = await startSupd(CONFIG);
    for (const name of ['rtmin', 'rtplus', 'rtnum', 'target']) await supd.waitForState(name, 'RUNNING');
  }, 30_000);

  afterAll(async () => {
    await supd?.stop();
  });

  it('reports the stopsignal numbers in getAllConfigInfo', async () => {
    const infos = (await supd.rpc('supervisor.getAllConfigInfo')) as { name: string; stopsignal: number }[];
    expect(Object.fromEntries(infos.map((i) => [i.name, i.stopsignal]))).toEqual({ rtmin: 34, rtplus: 36, rtnum: 64, target: 15 });
  });

  it('stops programs with their real-time stopsignal at once', async () => {
    const started = Date.now();
    for (const name of ['rtmin', 'rtplus', 'rtnum']) await supd.rpc('supervisor.stopProcess', name);
    expect(Date.now() - started).toBeLessThan(20_000);
    await supd.waitForLog(/stopped: rtmin \(terminated by SIGRTMIN\)/);
    await supd.waitForLog(/stopped: rtplus \(terminated by signal 36\)/);
    await supd.waitForLog(/stopped: rtnum \(terminated by SIGRTMAX\)/);
  }, 30_000);

  it('sends SIGRTMAX through supctl signal (signalProcess)', async () => {
    expect(await supctl('signal', 'SIGRTMAX', 'target')).toEqual({ code: 0, out: ['target: signalled'] });
    await supd.waitForLog(/exited: target \(terminated by SIGRTMAX; not expected\)/);
  });
});

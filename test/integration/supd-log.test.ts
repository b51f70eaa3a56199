import { afterEach, describe, expect, it } from 'vitest';
import { puppetProgram, startSupd, type RunningSupd } from '../support/supd-harness.js';

let supd: RunningSupd | undefined;
afterEach(async () => {
  await supd?.stop();
  supd = undefined;
});

const TEXT = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO|WARN|ERRO|CRIT|DEBG|TRAC) /;

describe("supd's own log on its stdout (a pipe here, as in a container)", () => {
  it("is supervisord's text format, not JSON", async () => {
    supd = await startSupd(puppetProgram('web', '', 'startsecs=0'));
    const [spawned] = await supd.waitForLog(/^spawned: 'web' with pid \d+$/);
    const record = supd.records.find((r) => r.msg === spawned);
    expect(record?.raw).toMatch(new RegExp(`${TEXT.source}spawned: 'web' with pid \\d+$`));
  });

  it('is JSON lines with level names and ISO times with logformat=json', async () => {
    supd = await startSupd(`[supervisord]\nlogformat=json\n${puppetProgram('web', '', 'startsecs=0')}`);
    const [spawned] = await supd.waitForLog(/^spawned: 'web' with pid \d+$/);
    const raw = supd.records.find((r) => r.msg === spawned)?.raw as string;
    expect(JSON.parse(raw)).toEqual({ time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), level: 'info', msg: spawned });
  });

  it('names the program in a spawn error', async () => {
    supd = await startSupd('[program:web]\ncommand=/no/such/command\nstartretries=0\n');
    await supd.waitForLog(/^spawnerr: can't find command '\/no\/such\/command' \(process 'web'\)$/);
  });
});

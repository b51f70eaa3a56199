import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { NODE, startSupd, type RunningSupd } from '../../support/supd-harness.js';

let supd: RunningSupd | undefined;
afterEach(async () => {
  await supd?.stop();
  supd = undefined;
});

const LINES = 200_000; // ~21 MiB of prefixed lines: more than supd's stdout queue (8 MiB) and pipes hold

it('holds a flooding program back, losing no line, while supd stdout is not read for a moment', async () => {
  supd = await startSupd(
    (dir) => {
      // Writes as fast as the pipe takes it, in 64 KiB writes.
      writeFileSync(
        join(dir, 'flood.mjs'),
        `import { writeSync } from 'node:fs';
const pad = 'x'.repeat(90);
let text = '';
const out = (s) => { const b = Buffer.from(s); for (let at = 0; at < b.length; ) { try { at += writeSync(1, b, at); } catch (e) { if (e.code !== 'EAGAIN') throw e; } } };
for (let i = 0; i < ${LINES}; i++) { text += 'flood ' + i + ' ' + pad + '\\n'; if (text.length > 65536) { out(text); text = ''; } }
out(text);
`,
      );
      return `[supervisord]\nlogfile=${join(dir, 'supd.log')}\ncontainer_logs=true\n\n[program:flood]\ncommand=${NODE} ${join(dir, 'flood.mjs')}\nstartsecs=0\nautorestart=false\n`;
    },
    // A log reader that stops for 300 ms after every 4 MiB: while it does, the program writes
    // far more than supd queues; the stalls are shorter than the 1 s a program is held back at most.
    { stdoutStalls: { everyBytes: 4 * 1024 * 1024, forMs: 300 } },
  );
  const running = supd;
  const floodLines = (): string[] => running.records.filter((r) => r.msg.startsWith('flood | ')).map((r) => r.msg);
  await vi.waitFor(() => expect(floodLines().length).toBe(LINES), { timeout: 45_000, interval: 200 });
  const numbers = floodLines().map((line) => Number(line.split(' ')[3]));
  const outOfOrder = numbers.findIndex((n, i) => n !== i);
  expect(outOfOrder, `line ${outOfOrder}: ${floodLines()[outOfOrder]}`).toBe(-1);
  expect(running.records.filter((r) => /dropped/.test(r.msg)).map((r) => r.msg)).toEqual([]);
  await running.stop();
  // Reported every 5 s, and at exit: how long programs were held back.
  expect(running.records.map((r) => r.msg)).toContainEqual(expect.stringMatching(/supd stdout is slow to be read: programs were held back for \d+ ms/));
}, 60_000);

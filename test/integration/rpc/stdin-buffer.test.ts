/**
 * sendProcessStdin to a program that does not read its stdin: each call answers once its data is
 * accepted into the program's bounded stdin buffer (the pipe, then supd's queue); past the bound
 * a FAILED fault. It never waits for the program to read.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Fault } from '../../../src/rpc/faults.js';
import { startSupd, type RunningSupd } from '../../support/supd-harness.js';

let supd: RunningSupd | undefined;
afterEach(async () => {
  await supd?.stop();
  supd = undefined;
});

function within<T>(ms: number, promise: Promise<T>): Promise<T | 'no answer'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'no answer'>((resolve) => (timer = setTimeout(() => resolve('no answer'), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe('sendProcessStdin to a program that does not read', () => {
  it('answers every call at once until the buffer is full, then faults FAILED', async () => {
    supd = await startSupd((dir) => `[unix_http_server]\nfile=${dir}/supd.sock\n[program:deaf]\ncommand=sleep 1000\nstartsecs=0\n`);
    await supd.waitForState('deaf', 'RUNNING');
    const chunk = 'x'.repeat(100 * 1024);
    const outcomes: string[] = [];
    for (let i = 0; i < 60; i++) {
      const outcome = await within(5_000, supd.rpc('supervisor.sendProcessStdin', 'deaf', chunk).then(
        (value) => String(value),
        (error: unknown) => (error instanceof Fault ? `fault ${error.faultCode} ${error.faultString}` : String(error)),
      ));
      outcomes.push(outcome);
      if (outcome !== 'true') break;
    }
    // 4 MiB of queue and the 64 KiB pipe hold 41 chunks of 100 KiB; the next one is refused.
    expect(outcomes.slice(0, 40)).toEqual(Array.from({ length: 40 }, () => 'true'));
    expect(outcomes.at(-1)).toMatch(/^fault 30 FAILED: deaf's stdin buffer is full/);
    // The program is still running and supd still answers.
    expect(((await supd.rpc('supervisor.getProcessInfo', 'deaf')) as { statename: string }).statename).toBe('RUNNING');
  }, 60_000);
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus } from '../../../src/events/bus.js';
import { EventListenerPool } from '../../../src/events/pool.js';
import { recordingLogger, runListener, type RunningListener } from './listener-harness.js';

// Node 24 runs src/listener.ts as it is (type stripping), so no build is needed for this test.
const LISTENER_TS = pathToFileURL(resolve(import.meta.dirname, '../../../src/listener.ts')).href;

let listener: RunningListener | undefined;
let dir: string | undefined;
afterEach(async () => {
  await listener?.stop();
  listener = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('a Node listener written with src/listener.ts', () => {
  it('reads events from its real stdin, FAILs one, and gets that one again from the pool', async () => {
    dir = mkdtempSync(join(tmpdir(), 'supd-listener-ts-'));
    const script = join(dir, 'listener.mjs');
    const received = join(dir, 'received.log');
    writeFileSync(
      script,
      `import { appendFileSync } from 'node:fs';
import { listen } from ${JSON.stringify(LISTENER_TS)};
let failedOnce = false;
for await (const event of listen()) {
  appendFileSync(${JSON.stringify(received)}, event.serial + ' ' + event.payloadHeaders.processname + '\\n');
  if (event.eventname === 'PROCESS_STATE_FATAL' && !failedOnce) {
    failedOnce = true;
    await event.fail();
  }
}
`,
    );
    const pool = new EventListenerPool({ name: 'ts', bufferSize: 10, logger: recordingLogger() });
    const bus = new EventBus();
    bus.addPool(pool, ['PROCESS_STATE']);
    listener = runListener(pool, 'ts-listener', process.execPath, ['--disable-warning=ExperimentalWarning', script]);
    await listener.waitForState('READY');
    bus.publishTransition({ processName: 'ünï😀', groupName: 'g', from: 'BACKOFF', to: 'FATAL', tries: 3, pid: 0 });
    bus.publishTransition({ processName: 'next', groupName: 'g', from: 'STOPPED', to: 'STARTING', tries: 0, pid: 0 });
    await vi.waitFor(
      () => {
        if (pool.bufferedEvents().length > 0 || pool.listenerState('ts-listener') !== 'READY') throw new Error(listener!.stderr());
        expect(readFileSync(received, 'utf8')).toBe('0 ünï😀\n0 ünï😀\n1 next\n');
      },
      { timeout: 10_000, interval: 20 },
    );
  });
});

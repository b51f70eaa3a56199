import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSupdLog, type SupdLogHandle } from '../../../src/daemon/supd-log.js';

let log: SupdLogHandle | undefined;
afterEach(async () => {
  await log?.close();
  log = undefined;
});

/** supd's log with its stdout lines collected. */
function collect(format: 'text' | 'json'): { lines: string[]; handle: SupdLogHandle } {
  const lines: string[] = [];
  const handle = createSupdLog({ level: 'info', logfile: null, format });
  handle.routeStdout((line) => lines.push(line));
  log = handle;
  return { lines, handle };
}

describe("supd's own log on stdout", () => {
  it("is supervisord's text format by default, whatever stdout is", async () => {
    const { lines, handle } = collect('text');
    handle.logger.info("spawned: 'web' with pid 12");
    handle.logger.warn('exited: web (exit status 1; not expected)');
    await vi.waitFor(() => expect(lines).toHaveLength(2));
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO spawned: 'web' with pid 12\n$/);
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARN exited: web \(exit status 1; not expected\)\n$/);
  });

  it('is JSON with level names and ISO times when asked', async () => {
    const { lines, handle } = collect('json');
    handle.logger.error("spawnerr: can't find command 'x' (web)");
    await vi.waitFor(() => expect(lines).toHaveLength(1));
    const record = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(record).toEqual({ time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), level: 'error', msg: "spawnerr: can't find command 'x' (web)" });
    expect(lines[0]).toMatch(/\n$/);
  });
});

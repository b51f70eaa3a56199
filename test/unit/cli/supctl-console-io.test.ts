import { describe, expect, it } from 'vitest';
import { createConsoleIo } from '../../../src/cli/supctl/console-io.js';

/** A console whose flushes run when the test says, recording each write as [fd, text]. */
function recordingConsole() {
  const writes: [number, string][] = [];
  const scheduled: (() => void)[] = [];
  const io = createConsoleIo((fd, text) => void writes.push([fd, String(text)]), (flush) => void scheduled.push(flush));
  const runScheduled = (): void => {
    for (const flush of scheduled.splice(0)) flush();
  };
  return { io, writes, runScheduled };
}

describe('supctl console output', () => {
  it('sends the lines of one burst to stdout in a single write once the burst ends', () => {
    const { io, writes, runScheduled } = recordingConsole();
    io.out('web  RUNNING');
    io.out('db   STOPPED');
    expect(writes).toEqual([]);
    runScheduled();
    expect(writes).toEqual([[1, 'web  RUNNING\ndb   STOPPED\n']]);
  });

  it('prints stdout lines before a stderr line that follows them', () => {
    const { io, writes } = recordingConsole();
    io.out('web: started');
    io.err('db: ERROR (no such process)');
    expect(writes).toEqual([[1, 'web: started\n'], [2, 'db: ERROR (no such process)\n']]);
  });

  it('prints pending lines before raw text such as tail -f output', () => {
    const { io, writes, runScheduled } = recordingConsole();
    io.out('==> web <==');
    io.write('log text');
    runScheduled();
    expect(writes).toEqual([[1, '==> web <==\n'], [1, 'log text']]);
  });

  it('flushes by itself at the end of the current task by default', async () => {
    const writes: string[] = [];
    const io = createConsoleIo((_fd, text) => void writes.push(String(text)));
    io.out('a');
    io.out('b');
    await Promise.resolve();
    expect(writes).toEqual(['a\nb\n']);
  });
});

/**
 * Connects each child's stdout/stderr pipes to the child-output layer (src/logs): log files,
 * container logging, in-memory tails, capture mode and PROCESS_LOG events. One ProcessOutput per
 * process, kept across restarts (AUTO names stay stable) and replaced when a reload changes it.
 */
import type { ProcessConfig } from '../config/types.js';
import type { ProcessEntry, ProcessKey } from '../core/supervisor.js';
import { clearAutoChildLogDir } from '../logs/auto-logfile.js';
import type { OutputStream, LogNotice } from '../logs/log-settings.js';
import type { ReadResult, TailResult } from '../logs/log-reading.js';
import type { MemoryTail } from '../logs/memory-tail.js';
import { createProcessOutput, type ProcessOutput } from '../logs/process-output.js';
import { readPipe, type PipeReader } from '../logs/pipe-reader.js';
import { createStdSinks } from '../logs/std-sink.js';
import { enlargeStdPipe } from '../os/std-pipes.js';
import type { Daemon } from './daemon.js';
import type { EventsHandle } from './events-wiring.js';

export interface LogsHandle {
  logfiles(entry: ProcessEntry): { stdout: string | null; stderr: string | null };
  read(entry: ProcessEntry, stream: OutputStream, offset: number, length: number): ReadResult;
  tail(entry: ProcessEntry, stream: OutputStream, offset: number, length: number): TailResult;
  /** What /logtail follows where a stream has no log file: its in-memory tail, else null. */
  memoryTail(entry: ProcessEntry, stream: OutputStream): MemoryTail | null;
  /** An error text, or null when cleared. */
  clear(entry: ProcessEntry): string | null;
  /** Bytes read from a process's pipes and how long they were held back, since supd started (/metrics). */
  counts(key: ProcessKey): OutputCounts;
  /** Sees every chunk a program writes (the dashboard's live tail); returns unsubscribe. The chunk is borrowed. */
  tap(listener: (entry: ProcessEntry, stream: OutputStream, chunk: Buffer) => void): () => void;
}

export interface OutputCounts {
  readonly stdoutBytes: number;
  readonly stderrBytes: number;
  /** Held back so far, the hold in progress included. */
  readonly heldBackMs: number;
}

interface MutableCounts {
  stdoutBytes: number;
  stderrBytes: number;
  heldBackMs: number;
  /** Readers of this process held back now, and since when (performance.now()). */
  held: Map<PipeReader, number>;
}

/** How long supd waits at exit for program lines queued for its stdout/stderr. */
const FLUSH_AT_EXIT_MS = 2_000;

export function attachLogs(daemon: Daemon, events: EventsHandle): LogsHandle {
  const { supervisord } = daemon.currentConfig;
  const logger = daemon.logger;
  const onNotice = (notice: LogNotice): void => logger[notice.level](notice.message);
  if (!supervisord.nocleanup) clearAutoChildLogDir(supervisord.childlogdir, supervisord.identifier, onNotice);
  enlargeStdPipe(1);
  enlargeStdPipe(2);
  const sinks = createStdSinks({ onNotice });
  // supd's own log lines on stdout take their turn with the programs' lines.
  daemon.log.routeStdout((line) => sinks.stdout.writeOwnLine(Buffer.from(line)));
  // So do the lines a supervisor-stdout listener relays (events/result-handlers.ts).
  events.routeRelay((text) => sinks.stdout.writeOwnLine(Buffer.from(text)));
  const outputs = new Map<ProcessKey, { config: ProcessConfig; output: ProcessOutput }>();
  const counts = new Map<ProcessKey, MutableCounts>();
  const countsOf = (key: ProcessKey): MutableCounts => {
    let known = counts.get(key);
    if (known === undefined) counts.set(key, (known = { stdoutBytes: 0, stderrBytes: 0, heldBackMs: 0, held: new Map() }));
    return known;
  };
  const taps = new Set<(entry: ProcessEntry, stream: OutputStream, chunk: Buffer) => void>();

  // The pipes of programs whose lines go to supd's stdout/stderr are not read while that stream
  // is slow to be read (std-sink.ts): the program then waits in its write(2), as with a pipe.
  const throttled: Record<OutputStream, boolean> = { stdout: false, stderr: false };
  type StdReader = { readonly reader: PipeReader; readonly targets: ReadonlySet<OutputStream>; readonly counts: MutableCounts };
  const stdReaders = new Set<StdReader>();
  const pause = ({ reader, counts }: StdReader): void => {
    reader.pause();
    if (!counts.held.has(reader)) counts.held.set(reader, performance.now());
  };
  const resume = ({ reader, counts }: StdReader): void => {
    reader.resume();
    const since = counts.held.get(reader);
    if (since === undefined) return;
    counts.held.delete(reader);
    counts.heldBackMs += performance.now() - since;
  };
  const isHeldBack = (targets: ReadonlySet<OutputStream>): boolean => [...targets].some((target) => throttled[target]);
  for (const name of ['stdout', 'stderr'] as const) {
    sinks[name].onThrottle((isThrottled) => {
      throttled[name] = isThrottled;
      for (const held of stdReaders) {
        if (!held.targets.has(name)) continue;
        if (isHeldBack(held.targets)) pause(held);
        else resume(held);
      }
    });
  }

  const isListener = (entry: ProcessEntry): boolean =>
    daemon.supervisor.getGroup(entry.config.groupName)?.kind === 'eventlistener';

  const outputOf = (entry: ProcessEntry): ProcessOutput => {
    const known = outputs.get(entry.key);
    if (known !== undefined && known.config === entry.config) return known.output;
    known?.output.close(); // a reload changed this process: its logs follow the new settings
    const config = entry.config;
    const settings = daemon.currentConfig.supervisord;
    const pidOf = (): number => daemon.supervisor.get(entry.key)?.machine.pid ?? 0;
    // PROCESS_LOG_* for *_events_enabled, PROCESS_COMMUNICATION_* for capture mode.
    const publishOutput = (kind: 'LOG' | 'COMMUNICATION', stream: OutputStream, data: Buffer): void =>
      events.publish({
        type: `PROCESS_${kind}_${stream === 'stdout' ? 'STDOUT' : 'STDERR'}`,
        processname: config.name,
        groupname: config.groupName,
        pid: pidOf(),
        data,
      });
    const output = createProcessOutput({
      process: config,
      supervisord: { childlogdir: settings.childlogdir, identifier: settings.identifier, stripAnsi: settings.stripAnsi },
      container: config.containerLogs,
      sinks,
      onNotice,
      onLog: (stream, data) => publishOutput('LOG', stream, data),
      onCommunication: (stream, data) => publishOutput('COMMUNICATION', stream, data),
    });
    outputs.set(entry.key, { config, output });
    return output;
  };

  daemon.runtime.onChild((entry, child) => {
    const output = outputOf(entry);
    // A listener's stdout is the event protocol channel (events-wiring.ts); only stderr is logged.
    const streams: [OutputStream, number | null][] = isListener(entry)
      ? [['stderr', child.stderrFd]]
      : [
          ['stdout', child.stdoutFd],
          ['stderr', child.stderrFd],
        ];
    output.spawned(streams.filter(([, fd]) => fd !== null).length);
    for (const [stream, fd] of streams) {
      if (fd === null) continue; // redirect_stderr: stderr comes in on the stdout pipe
      // Chunks are borrowed from one reused buffer: no allocation per read (src/logs/pipe-reader.ts).
      let held: StdReader | null = null;
      const processCounts = countsOf(entry.key);
      const reader = readPipe(fd, {
        onData: (chunk) => {
          if (stream === 'stdout') processCounts.stdoutBytes += chunk.length;
          else processCounts.stderrBytes += chunk.length;
          for (const tap of taps) tap(entry, stream, chunk);
          output.writeBorrowed(stream, chunk);
        },
        onEnd: () => {
          if (held !== null) {
            resume(held);
            stdReaders.delete(held);
          }
          output.end(stream);
        },
      });
      if (output.stdTargets.size === 0) continue;
      held = { reader, targets: output.stdTargets, counts: processCounts };
      stdReaders.add(held);
      if (isHeldBack(held.targets)) pause(held);
    }
  });

  daemon.addReopener(() => {
    for (const { output } of outputs.values()) output.reopen();
  });
  daemon.addCloser(async () => {
    for (const { output } of outputs.values()) output.close();
    // A reader of supd's stdout that stopped reading must not keep supd from exiting.
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, FLUSH_AT_EXIT_MS).unref());
    await Promise.race([Promise.all([sinks.stdout.flush(), sinks.stderr.flush()]), deadline]);
    daemon.log.routeStdout(null);
    sinks.stdout.close();
    sinks.stderr.close();
  });

  return {
    logfiles: (entry) => outputOf(entry).logfiles,
    read: (entry, stream, offset, length) => outputOf(entry).read(stream, offset, length),
    tail: (entry, stream, offset, length) => outputOf(entry).tail(stream, offset, length),
    memoryTail: (entry, stream) => outputOf(entry).memoryTail(stream),
    clear: (entry) => (outputOf(entry).clear() ? null : `could not clear the logs of ${entry.config.name}`),
    counts: (key) => {
      const known = counts.get(key);
      if (known === undefined) return { stdoutBytes: 0, stderrBytes: 0, heldBackMs: 0 };
      let heldBackMs = known.heldBackMs;
      const now = performance.now();
      for (const since of known.held.values()) heldBackMs += now - since;
      return { stdoutBytes: known.stdoutBytes, stderrBytes: known.stderrBytes, heldBackMs };
    },
    tap: (listener) => {
      taps.add(listener);
      return () => taps.delete(listener);
    },
  };
}

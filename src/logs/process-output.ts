/**
 * Everything one process's stdout/stderr goes through, from the pipe chunk to where the user
 * asked: capture mode, strip_ansi, the rotating log file (or AUTO file), container mode and the
 * /dev/stdout idiom (whole lines through supd's std sinks), PROCESS_LOG / PROCESS_COMMUNICATION
 * callbacks, and a bounded in-memory tail where there is no file to read back. Also the reading
 * side (read/tail/clear) with supervisord 4.2.5's semantics. It is created once per process and
 * lives across restarts, as supervisord's AUTO names do; the daemon calls end() at each pipe EOF.
 */
import type { ProcessConfig, StreamLogSettings } from '../config/types.js';
import { createAutoLogfile } from './auto-logfile.js';
import { createAnsiStripper, type AnsiStripper } from './ansi-stripper.js';
import { BoundCapture, CaptureSplitter } from './capture-mode.js';
import { LineAssembler } from './line-assembler.js';
import {
  readLogFile,
  readLogSource,
  tailLogFile,
  tailLogSource,
  type ReadResult,
  type TailResult,
} from './log-reading.js';
import {
  DEFAULT_MEMORY_TAIL_BYTES,
  type Clock,
  type ContainerLogSettings,
  type NoticeHandler,
  type OutputStream,
  type SupervisordLogSettings,
} from './log-settings.js';
import { MemoryTail } from './memory-tail.js';
import { RotatingFile } from './rotating-file.js';
import type { StdSinks } from './std-sink.js';
import { stdTargetOf } from './std-targets.js';

export interface ProcessOutputOptions {
  readonly process: ProcessConfig;
  readonly supervisord: SupervisordLogSettings;
  /** This program's container-mode settings ([supervisord] defaults merged with its overrides). */
  readonly container: ContainerLogSettings;
  /** supd's shared stdout/stderr sinks (createStdSinks, once per daemon). */
  readonly sinks: StdSinks;
  readonly onNotice: NoticeHandler;
  /** PROCESS_LOG_STDOUT/STDERR, called only when *_events_enabled; data after strip_ansi. */
  readonly onLog?: (stream: OutputStream, data: Buffer) => void;
  /** PROCESS_COMMUNICATION_STDOUT/STDERR: the bytes between the capture markers. */
  readonly onCommunication?: (stream: OutputStream, data: Buffer) => void;
  readonly memoryTailBytes?: number;
  /** A partial line waits this long for its newline before it is written as a line of its own. */
  readonly partialLineFlushMs?: number;
  readonly now?: Clock;
}

export interface ProcessOutputStats {
  /** Bytes that could not be written to the log file (disk full, unwritable path). */
  readonly fileDroppedBytes: number;
}

export interface ProcessOutput {
  /** The resolved log paths (AUTO turned into a file name); null for NONE and for /dev/stdout. */
  readonly logfiles: Readonly<Record<OutputStream, string | null>>;
  /** supd's own streams this program's lines go to (container mode, /dev/stdout): they may hold it back. */
  readonly stdTargets: ReadonlySet<OutputStream>;
  /** A chunk read from the child's pipe. Takes ownership of chunk: do not reuse it. */
  write(stream: OutputStream, chunk: Buffer): void;
  /**
   * The same for a chunk that is only valid during this call (a reused read buffer, see
   * pipe-reader.ts): it is written to the log file straight from the caller's memory, and copied
   * only where something keeps it (line assembly, capture mode, PROCESS_LOG events).
   */
  writeBorrowed(stream: OutputStream, chunk: Buffer): void;
  /**
   * A child was spawned, with `pipes` output pipes to be read: the log files are opened anew, so
   * one deleted meanwhile comes back, as supervisord opens them at each spawn.
   */
  spawned(pipes: number): void;
  /**
   * EOF on that pipe: partial lines and held bytes go out, capture mode is reset for the next
   * spawn; after the last pipe of the last spawn, the log files are closed until the next.
   */
  end(stream: OutputStream): void;
  /** readProcessStdoutLog / readProcessStderrLog. */
  read(stream: OutputStream, offset: number, length: number): ReadResult;
  /** tailProcessStdoutLog / tailProcessStderrLog: [bytes, offset, overflow]. */
  tail(stream: OutputStream, offset: number, length: number): TailResult;
  /** The in-memory tail kept where the stream has no log file (for /logtail), else null. */
  memoryTail(stream: OutputStream): MemoryTail | null;
  /** clearProcessLogs: remove both log files and reopen them, empty the memory tails. false = FAILED. */
  clear(): boolean;
  /** SIGUSR2: reopen the log files. */
  reopen(): void;
  /** Flushes partial lines and closes the files; the object is unusable afterwards. */
  close(): void;
  stats(): Readonly<Record<OutputStream, ProcessOutputStats>>;
}

/** One stream's pipeline. */
interface StreamState {
  readonly stream: OutputStream;
  readonly logfile: string | null;
  readonly file: RotatingFile | null;
  readonly lines: LineAssembler | null;
  /** Which of supd's streams lines goes to. */
  readonly stdTarget: OutputStream | null;
  readonly memoryTail: MemoryTail | null;
  splitter: CaptureSplitter | null;
  readonly capture: BoundCapture | null;
  readonly stripper: AnsiStripper | null;
  readonly isEventsEnabled: boolean;
  /** Neither capture mode nor events keep chunks: a borrowed chunk goes through uncopied. */
  readonly canBorrow: boolean;
  lastFeedAt: number;
  partialTimer: NodeJS.Timeout | null;
}

export function createProcessOutput(options: ProcessOutputOptions): ProcessOutput {
  const { process: config, supervisord, container, sinks, onNotice } = options;
  const now = options.now ?? Date.now;
  const partialLineFlushMs = options.partialLineFlushMs ?? 1000;
  const note = (level: 'info' | 'warn' | 'error', message: string): void => onNotice({ level, message: `${config.name}: ${message}` });

  function resolveLogfile(stream: OutputStream, settings: StreamLogSettings): string | null {
    if (settings.logfile !== 'AUTO') return settings.logfile;
    try {
      return createAutoLogfile(supervisord.childlogdir, config.name, stream, supervisord.identifier);
    } catch (error) {
      note('error', `cannot create ${stream}_logfile=AUTO in childlogdir ${supervisord.childlogdir}: ${(error as Error).message}`);
      return null;
    }
  }

  function createStream(stream: OutputStream, settings: StreamLogSettings): StreamState {
    const path = resolveLogfile(stream, settings);
    const target = path === null ? null : stdTargetOf(path);
    let lines: LineAssembler | null = null;
    let stdTarget: OutputStream | null = null;
    if (container.enabled) {
      stdTarget = stream;
      lines = new LineAssembler({ program: config.name, stream, format: container.format, lineMaxBytes: container.lineMaxBytes, sink: sinks[stream] });
      if (target !== null) note('info', `${stream}_logfile=${path} ignored: container logging already copies ${stream} to supd's ${stream}`);
    } else if (target !== null) {
      stdTarget = target;
      lines = new LineAssembler({ program: config.name, stream, format: 'plain', lineMaxBytes: container.lineMaxBytes, sink: sinks[target] });
      // Only maxbytes asks for rotation (backups keep their default in the usual idiom).
      if (settings.logfileMaxBytes > 0) {
        note('info', `${stream}_logfile=${path} is supd's own ${target}: it is never rotated, so ${stream}_logfile_maxbytes=${settings.logfileMaxBytes} is ignored`);
      }
    }
    if (settings.syslog) note('warn', `${stream}_syslog=true is not supported by supd and is ignored`);
    const file =
      path === null || target !== null
        ? null
        : new RotatingFile({
            path,
            maxBytes: settings.logfileMaxBytes,
            backups: settings.logfileBackups,
            label: `${config.name} ${stream} log`,
            onNotice,
            now,
            // Opened at each spawn (spawned()), closed while the program does not run.
            opensAtOnce: false,
          });
    const state: StreamState = {
      stream,
      logfile: file === null ? null : path,
      file,
      lines,
      stdTarget,
      // supervisord cannot tail a program that logs only to stdout; supd keeps the last bytes.
      memoryTail: file === null && lines !== null ? new MemoryTail(options.memoryTailBytes ?? DEFAULT_MEMORY_TAIL_BYTES) : null,
      splitter: null,
      capture: settings.captureMaxBytes > 0 ? new BoundCapture(settings.captureMaxBytes) : null,
      stripper: supervisord.stripAnsi ? createAnsiStripper() : null,
      isEventsEnabled: settings.eventsEnabled,
      // The file writes at once, the memory tail copies, the line assembler copies what it keeps.
      canBorrow: settings.captureMaxBytes <= 0 && !settings.eventsEnabled,
      lastFeedAt: 0,
      partialTimer: null,
    };
    if (state.capture !== null) {
      const capture = state.capture;
      state.splitter = new CaptureSplitter(
        (segment, isCapturing) => record(state, segment, isCapturing),
        (isCapturing) => {
          if (isCapturing) return;
          // toggle_capturemode: the captured bytes become one PROCESS_COMMUNICATION event.
          options.onCommunication?.(stream, capture.value());
          capture.clear();
        },
      );
    }
    return state;
  }

  /** dispatchers.py _log: strip_ansi, then the current log (normal or capture), then PROCESS_LOG. */
  function record(state: StreamState, raw: Buffer, isCapturing: boolean, isStripped = false, isBorrowed = false): void {
    const data = state.stripper === null || isStripped ? raw : state.stripper.strip(raw);
    if (data.length === 0) return;
    if (isCapturing) {
      state.capture!.write(data);
    } else {
      state.file?.write(data);
      state.memoryTail?.write(data);
      if (state.lines !== null) {
        state.lines.feed(data, isBorrowed);
        if (state.lines.hasPartial) watchPartial(state);
      }
    }
    if (state.isEventsEnabled) options.onLog?.(state.stream, data);
  }

  function watchPartial(state: StreamState): void {
    state.lastFeedAt = now();
    if (state.partialTimer !== null) return;
    const check = (): void => {
      state.partialTimer = null;
      if (state.lines === null || !state.lines.hasPartial) return;
      const waited = now() - state.lastFeedAt;
      if (waited >= partialLineFlushMs) {
        state.lines.flushPartial();
      } else {
        state.partialTimer = setTimeout(check, partialLineFlushMs - waited);
        state.partialTimer.unref();
      }
    };
    state.partialTimer = setTimeout(check, partialLineFlushMs);
    state.partialTimer.unref();
  }

  const stdout = createStream('stdout', config.stdout);
  // redirect_stderr: the child's stderr shares the stdout pipe, log and events (options.py never
  // creates a stderr log then), so stderr chunks fed here are stdout's.
  const stderr = config.redirectStderr ? null : createStream('stderr', config.stderr);
  const states = stderr === null ? [stdout] : [stdout, stderr];
  const stateFor = (stream: OutputStream): StreamState => (stream === 'stderr' && stderr !== null ? stderr : stdout);
  const readableFor = (stream: OutputStream): StreamState | null => (stream === 'stdout' ? stdout : stderr);
  /** Output pipes of this process's children not at EOF yet (a grandchild can hold one past its spawn's exit). */
  let openPipes = 0;
  const closeFiles = (): void => {
    for (const state of states) state.file?.close();
  };

  return {
    logfiles: { stdout: stdout.logfile, stderr: stderr?.logfile ?? null },
    stdTargets: new Set(states.flatMap((state) => (state.stdTarget === null ? [] : [state.stdTarget]))),

    write(stream, chunk) {
      const state = stateFor(stream);
      if (chunk.length === 0) return;
      if (state.splitter === null) record(state, chunk, false);
      else state.splitter.feed(chunk);
    },

    writeBorrowed(stream, chunk) {
      const state = stateFor(stream);
      if (chunk.length === 0) return;
      if (state.canBorrow) record(state, chunk, false, false, true);
      else this.write(stream, Buffer.from(chunk));
    },

    spawned(pipes) {
      openPipes += pipes;
      for (const state of states) state.file?.reopen();
    },

    end(stream) {
      if (stream !== 'stderr' || stderr !== null) {
        const state = stateFor(stream);
        state.splitter?.end();
        state.capture?.clear();
        const held = state.stripper?.flush();
        if (held !== undefined && held.length > 0) record(state, held, false, true);
        state.lines?.flushPartial();
      }
      if (openPipes > 0 && --openPipes === 0) closeFiles();
    },

    read(stream, offset, length) {
      const state = readableFor(stream);
      if (state?.file) return readLogFile(state.logfile, offset, length);
      if (state?.memoryTail) return readLogSource(state.memoryTail, offset, length);
      return { ok: false, fault: 'NO_FILE', detail: `${config.name} has no ${stream} log` };
    },

    tail(stream, offset, length) {
      const state = readableFor(stream);
      if (state?.file) return tailLogFile(state.logfile, offset, length);
      if (state?.memoryTail) return tailLogSource(state.memoryTail, offset, length);
      return [Buffer.alloc(0), 0, false];
    },

    memoryTail(stream) {
      return readableFor(stream)?.memoryTail ?? null;
    },

    clear() {
      let isOk = true;
      for (const state of states) {
        state.memoryTail?.clear();
        state.capture?.clear();
        try {
          state.file?.remove();
        } catch (error) {
          note('error', `cannot clear ${state.stream} log ${state.logfile}: ${(error as Error).message}`);
          isOk = false;
        }
      }
      if (openPipes === 0) closeFiles();
      return isOk;
    },

    reopen() {
      if (openPipes === 0) closeFiles();
      else for (const state of states) state.file?.reopen();
    },

    close() {
      for (const state of states) {
        if (state.partialTimer !== null) clearTimeout(state.partialTimer);
        state.partialTimer = null;
        state.lines?.flushPartial();
        state.file?.close();
      }
    },

    stats() {
      return {
        stdout: { fileDroppedBytes: stdout.file?.stats().droppedBytes ?? 0 },
        stderr: { fileDroppedBytes: stderr?.file?.stats().droppedBytes ?? 0 },
      };
    },
  };
}

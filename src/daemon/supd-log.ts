/**
 * supd's own log, through pino: supervisord's text format (`2026-11-23 13:00:00,123 INFO spawned:
 * 'web' with pid 12`) on stdout and in `logfile=`, or on stdout JSON lines with level names and
 * ISO times (`[supervisord] logformat=json`) for log collectors. Child output is not here; that is
 * src/logs.
 */
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import type { SupervisordSettings } from '../config/types.js';
import { RotatingFile } from '../logs/rotating-file.js';

export type SupdLogger = Logger;

/** supervisord's loglevel names, onto pino's. blather is supervisord's noisiest level. */
const PINO_LEVEL: Record<SupervisordSettings['loglevel'], pino.Level> = {
  critical: 'fatal',
  error: 'error',
  warn: 'warn',
  info: 'info',
  debug: 'debug',
  trace: 'trace',
  blather: 'trace',
};

/** supervisord's four-letter level names (loggers.py LOG_LEVELS_BY_NUM). */
const TEXT_LEVEL: Record<number, string> = { 60: 'CRIT', 50: 'ERRO', 40: 'WARN', 30: 'INFO', 20: 'DEBG', 10: 'TRAC' };
/** The same levels by supervisord's loglevel names, for JSON lines. */
const JSON_LEVEL: Record<number, string> = { 60: 'critical', 50: 'error', 40: 'warn', 30: 'info', 20: 'debug', 10: 'trace' };

/** How supd's own lines look on stdout ([supervisord] logformat). */
export type SupdLogFormat = 'text' | 'json';

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `2026-11-23 13:00:00,123`, local time, as Python's logging asctime. */
export function formatAsctime(epochMs: number): string {
  const d = new Date(epochMs);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`
  );
}

/** One pino JSON record as a supervisord log line; extra fields follow as key=value. */
export function formatTextLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const { time, level, msg, pid: _pid, hostname: _host, ...rest } = record;
  const extras = Object.entries(rest)
    .map(([k, v]) => (k === 'err' && v !== null && typeof v === 'object' && 'stack' in v ? `\n${String(v.stack)}` : ` ${k}=${JSON.stringify(v)}`))
    .join('');
  return `${formatAsctime(Number(time))} ${TEXT_LEVEL[Number(level)] ?? 'INFO'} ${String(msg ?? '')}${extras}\n`;
}

/** One pino JSON record as a JSON line with an ISO time and supervisord's level name first. */
export function formatJsonLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return `${JSON.stringify({ time: new Date().toISOString(), level: 'info', msg: json })}\n`;
  }
  const { time, level, msg, pid: _pid, hostname: _host, ...rest } = record;
  const line = { time: new Date(Number(time)).toISOString(), level: JSON_LEVEL[Number(level)] ?? 'info', msg: String(msg ?? ''), ...rest };
  return `${JSON.stringify(line)}\n`;
}

/** A stream that turns pino's JSON lines into lines of `format` for `sink`. */
function formattedStream(sink: (line: string) => void, format: (json: string) => string): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') sink(format(line));
      callback();
    },
  });
}

export interface SupdLogHandle {
  readonly logger: SupdLogger;
  /**
   * Where the lines meant for stdout go instead of process.stdout (null: back to it): the sink
   * that writes programs' container lines, so a line of supd's own is never written into the
   * middle of one of theirs that a full pipe split.
   */
  routeStdout(write: ((line: string) => void) | null): void;
  /** SIGUSR2: reopen logfile= after an external rotation. */
  reopen(): void;
  close(): Promise<void>;
}

export function createSupdLog(options: {
  level: SupervisordSettings['loglevel'];
  logfile: string | null;
  /** logfile_maxbytes / logfile_backups: supd's own log rotates as supervisord's does. */
  maxBytes?: number;
  backups?: number;
  /** stdout's lines; logfile= is always in the text format, as supervisord's. */
  format: SupdLogFormat;
  silent?: boolean;
}): SupdLogHandle {
  const level = PINO_LEVEL[options.level];
  const streams: pino.StreamEntry[] = [];
  let routed: ((line: string) => void) | null = null;
  const writeStdout = (line: string): void => {
    if (routed !== null) routed(line);
    else process.stdout.write(line);
  };
  if (options.silent !== true) {
    streams.push({ level, stream: formattedStream(writeStdout, options.format === 'json' ? formatJsonLine : formatTextLine) });
  }
  const file =
    options.logfile === null
      ? null
      : new RotatingFile({
          path: options.logfile,
          maxBytes: options.maxBytes ?? 50 * 1024 * 1024,
          backups: options.backups ?? 10,
          label: 'supd log',
          // The logger cannot log its own file's trouble; stderr is where the container runtime looks.
          onNotice: (notice) => process.stderr.write(`supd: ${notice.message}\n`),
        });
  if (file !== null) streams.push({ level, stream: formattedStream((line) => file.write(line), formatTextLine) });
  const logger = pino({ level, base: undefined }, pino.multistream(streams));
  return {
    logger,
    routeStdout: (write) => {
      routed = write;
    },
    reopen: () => file?.reopen(),
    close: async () => file?.close(),
  };
}

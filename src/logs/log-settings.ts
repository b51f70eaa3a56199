/**
 * The settings and small shared types of supd's child-output layer (src/logs). Container logging
 * is a supd extension the config layer does not parse yet, so its settings type lives here; the
 * supervisord-compatible keys come from src/config/types.ts. No behaviour in this file.
 */
import { DEFAULT_CONTAINER_LOGS } from '../config/supervisord-keys.js';

/** One of a child's two output pipes, named as supervisord names its channels. */
export type OutputStream = 'stdout' | 'stderr';

/** How container mode renders each line: as written, prefixed with the process name, or JSON. */
export type ContainerLogFormat = 'plain' | 'prefixed' | 'json';

/**
 * supd extension: copy each program's output, whole lines only, to supd's own stdout/stderr.
 * Proposed keys: [supervisord] container_logs, container_logs_format, container_logs_line_maxbytes
 * (defaults for every program) and the same three keys per [program:x] as overrides.
 */
export interface ContainerLogSettings {
  readonly enabled: boolean;
  readonly format: ContainerLogFormat;
  /** A line longer than this (newline excluded) is cut into pieces of this many bytes. */
  readonly lineMaxBytes: number;
}

export const DEFAULT_CONTAINER_LOG_SETTINGS: ContainerLogSettings = DEFAULT_CONTAINER_LOGS;

/** The [supervisord] settings this layer reads (a subset of SupervisordSettings). */
export interface SupervisordLogSettings {
  readonly childlogdir: string;
  readonly identifier: string;
  readonly stripAnsi: boolean;
}

/**
 * Something worth one line in supd's own log: a setting ignored, a log file that cannot be
 * written (and later recovered), lines dropped under back-pressure. supd's logger prints it.
 */
export interface LogNotice {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
}

export type NoticeHandler = (notice: LogNotice) => void;

/** Milliseconds from some fixed point; injected so back-off is testable without waiting. */
export type Clock = () => number;

/** Bytes of in-memory tail kept per stream when the stream has no file to read back. */
export const DEFAULT_MEMORY_TAIL_BYTES = 1024 * 1024;

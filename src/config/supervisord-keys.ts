/**
 * Every key of supervisord 4.2.5's own sections ([supervisord], [include], [unix_http_server],
 * [inet_http_server], [supervisorctl]) with supervisord's default, plus supd's `forward_signals`
 * extension. Data only: supervisord-section.ts and server-sections.ts apply it; the docs test checks docs/configuration.md.
 */
import { key, REQUIRED } from './key-spec.js';
import { LIFECYCLE_SUPERVISORD_KEYS } from './lifecycle-keys.js';
import {
  bool,
  byteSize,
  containerLogFormat,
  inetAddress,
  integer,
  keyValuePairs,
  loglevel,
  logFormat,
  nonNegativeInteger,
  octal,
  optionalText,
  signalList,
  text,
  type LogLevel,
} from './values.js';

/** A path that NONE/OFF (any case) turns off; supd's reading of [supervisord] logfile. */
const optionalPath = (raw: string) => {
  const s = raw.toLowerCase();
  return { ok: true as const, value: s === 'none' || s === 'off' || raw === '' ? null : raw };
};

export const SUPERVISORD_KEYS = {
  // supervisord's default is "supervisord.log" relative to its working directory ($CWD); kept
  // relative here, resolved against supd's cwd by whoever opens it.
  logfile: key<string | null>(optionalPath, 'supervisord.log'),
  logfile_maxbytes: key(byteSize, 50 * 1024 * 1024, 'section', '50MB'),
  logfile_backups: key(integer, 10),
  loglevel: key<LogLevel>(loglevel, 'info'),
  pidfile: key<string | null>(optionalPath, 'supervisord.pid'),
  nodaemon: key(bool, false),
  minfds: key(integer, 1024),
  minprocs: key(integer, 200),
  umask: key(octal, 0o22, 'section', '022'),
  user: key(optionalText, null),
  directory: key(optionalText, null),
  identifier: key(text, 'supervisor'),
  environment: key<Readonly<Record<string, string>>>(keyValuePairs, {}),
  // supervisord's default is Python's tempfile.gettempdir(); supervisord-section.ts computes it from the env.
  childlogdir: key(text, '/tmp', 'section', '$TMPDIR, $TEMP, $TMP or /tmp'),
  strip_ansi: key(bool, false),
  nocleanup: key(bool, false),
  silent: key(bool, false),
  /** supd extension: signals supd passes on to every running program ("USR1 WINCH"). */
  forward_signals: key(signalList, []),
  /** supd extension: copy every program's output to supd's stdout/stderr, whole lines only. */
  container_logs: key(bool, false),
  container_logs_format: key(containerLogFormat, 'prefixed'),
  container_logs_line_maxbytes: key(byteSize, 16 * 1024, 'section', '16KB'),
  /** supd extension: supd's own lines on stdout, text (supervisord's format) or json; unset follows container_logs_format=json. */
  logformat: key<'text' | 'json' | null>(logFormat, null, 'section', 'text (json when container_logs_format=json)'),
  ...LIFECYCLE_SUPERVISORD_KEYS,
  /** supd extension: bytes of each stream of a job (`supctl run`) kept for `supctl link`. */
  job_output_maxbytes: key(byteSize, 1024 * 1024, 'section', '1MB'),
  /** supd extension: how many finished jobs are kept (running jobs are never dropped). */
  job_history: key(nonNegativeInteger, 100),
} as const;

/** [include]: only the main file's counts (supervisord reads it once, before any included file). */
export const INCLUDE_KEYS = {
  files: key(text, REQUIRED),
} as const;

export const UNIX_HTTP_SERVER_KEYS = {
  file: key(text, REQUIRED),
  chmod: key(octal, 0o700, 'section', '0700'),
  chown: key(optionalText, null),
  username: key(optionalText, null),
  password: key(optionalText, null),
} as const;

export const INET_HTTP_SERVER_KEYS = {
  port: key(inetAddress, REQUIRED),
  username: key(optionalText, null),
  password: key(optionalText, null),
} as const;

export const SUPERVISORCTL_KEYS = {
  serverurl: key(text, 'http://localhost:9001'),
  username: key(optionalText, null),
  password: key(optionalText, null),
  prompt: key(text, 'supervisor'),
  history_file: key(optionalText, null),
} as const;

/** Every program's container logging when [supervisord] sets none: the rows above, as a record. */
export const DEFAULT_CONTAINER_LOGS = {
  enabled: SUPERVISORD_KEYS.container_logs.default,
  format: SUPERVISORD_KEYS.container_logs_format.default,
  lineMaxBytes: SUPERVISORD_KEYS.container_logs_line_maxbytes.default,
} as const;

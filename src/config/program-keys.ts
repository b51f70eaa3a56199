/**
 * Every key of supervisord 4.2.5's [program:x], [eventlistener:x] and [group:x] sections, one row
 * each, with supervisord's default (options.py _processes_from_section). Data only: program-section.ts
 * applies it; the docs test checks docs/configuration.md against it.
 */
import { HEALTH_PROGRAM_KEYS } from './health-keys.js';
import { key, REQUIRED } from './key-spec.js';
import { LIFECYCLE_PROGRAM_KEYS, startRetries } from './lifecycle-keys.js';
import {
  autorestart,
  bool,
  byteSize,
  containerLogFormat,
  inheriting,
  exitcodes,
  integer,
  keyValuePairs,
  listOfStrings,
  logfile,
  octal,
  optionalText,
  signalName,
  text,
  type LogfileValue,
} from './values.js';

const MB = 1024 * 1024;

/** Every [program:x] key supd reads, with supervisord 4.2.5's default. One row per key. */
export const PROGRAM_KEYS = {
  command: key(text, REQUIRED, 'process'),
  process_name: key(text, '%(program_name)s', 'process'),
  numprocs: key(integer, 1),
  numprocs_start: key(integer, 0),
  priority: key(integer, 999),
  autostart: key(bool, true),
  // supervisord takes any integer for these three; below 0 they act as 0 (see the machine).
  startsecs: key(integer, 1),
  // supd: also `infinite` (lifecycle-keys.ts).
  startretries: key(startRetries, 3),
  autorestart: key(autorestart, 'unexpected'),
  exitcodes: key(exitcodes, [0]),
  stopsignal: key(signalName, 'TERM'),
  stopwaitsecs: key(integer, 10),
  stopasgroup: key(bool, false),
  // supervisord: killasgroup defaults to the value of stopasgroup.
  killasgroup: key(bool, false, 'section', 'same as stopasgroup'),
  user: key(optionalText, null),
  redirect_stderr: key(bool, false),
  stdout_logfile: key<LogfileValue>(logfile, 'AUTO', 'process'),
  stdout_logfile_maxbytes: key(byteSize, 50 * MB, 'process', '50MB'),
  stdout_logfile_backups: key(integer, 10, 'process'),
  stdout_capture_maxbytes: key(byteSize, 0),
  stdout_events_enabled: key(bool, false),
  stdout_syslog: key(bool, false, 'process'),
  stderr_logfile: key<LogfileValue>(logfile, 'AUTO', 'process'),
  stderr_logfile_maxbytes: key(byteSize, 50 * MB, 'process', '50MB'),
  stderr_logfile_backups: key(integer, 10, 'process'),
  stderr_capture_maxbytes: key(byteSize, 0),
  stderr_events_enabled: key(bool, false),
  stderr_syslog: key(bool, false, 'process'),
  environment: key<Readonly<Record<string, string>>>(keyValuePairs, {}, 'process'),
  directory: key(optionalText, null, 'process'),
  umask: key<number | null>(octal, null, 'section', '(inherit supd\'s)'),
  serverurl: key(optionalText, null, 'section', 'AUTO'),
  // supd extensions: container logging per program, over [supervisord]'s defaults.
  container_logs: key<boolean | null>(inheriting(bool), null, 'section', "[supervisord]'s"),
  container_logs_format: key<'plain' | 'prefixed' | 'json' | null>(inheriting(containerLogFormat), null, 'section', "[supervisord]'s"),
  container_logs_line_maxbytes: key<number | null>(inheriting(byteSize), null, 'section', "[supervisord]'s"),
  // supd extensions: restart backoff, startretries=infinite, shutdown_on, stopastree.
  ...LIFECYCLE_PROGRAM_KEYS,
  // supd extensions: health checks and start order (health-keys.ts).
  ...HEALTH_PROGRAM_KEYS,
} as const;

export type ProgramKey = keyof typeof PROGRAM_KEYS;

/**
 * [eventlistener:x]: the program keys plus the pool's own. The pool's priority defaults to -1 so
 * listeners start first and stop last (options.py process_groups_from_parser).
 */
export const EVENTLISTENER_KEYS = {
  ...PROGRAM_KEYS,
  priority: key(integer, -1),
  events: key(listOfStrings, REQUIRED),
  buffer_size: key(integer, 10),
  result_handler: key(text, 'supervisor.dispatchers:default_handler'),
} as const;

/** [group:x] */
export const GROUP_KEYS = {
  programs: key(listOfStrings, []),
  priority: key(integer, 999),
} as const;

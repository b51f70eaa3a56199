import { describe, expect, it } from 'vitest';
import { HEALTH_PROGRAM_KEYS } from '../../../src/config/health-keys.js';
import { REQUIRED } from '../../../src/config/key-spec.js';
import { EVENTLISTENER_KEYS, GROUP_KEYS, PROGRAM_KEYS } from '../../../src/config/program-keys.js';
import { SUPERVISORD_KEYS, SUPERVISORCTL_KEYS } from '../../../src/config/supervisord-keys.js';
import { EVENT_TYPES as CONFIG_EVENT_TYPES } from '../../../src/config/event-types.js';
import { EVENT_TYPES } from '../../../src/events/payloads.js';
import { DEFAULT_CONTAINER_LOG_SETTINGS } from '../../../src/logs/log-settings.js';
import { DEFAULT_SERVER_URL } from '../../../src/cli/supctl/server-settings.js';

/** The keys supervisord 4.2.5's options.py _processes_from_section reads. */
const SUPERVISORD_PROGRAM_KEYS = [
  'autorestart', 'autostart', 'command', 'directory', 'environment', 'exitcodes', 'killasgroup', 'numprocs',
  'numprocs_start', 'priority', 'process_name', 'redirect_stderr', 'serverurl', 'startretries', 'startsecs',
  'stderr_events_enabled', 'stdout_events_enabled', 'stopasgroup', 'stopsignal', 'stopwaitsecs', 'umask', 'user',
  'stderr_capture_maxbytes', 'stdout_capture_maxbytes',
  ...['stdout', 'stderr'].flatMap((c) => [`${c}_logfile`, `${c}_logfile_backups`, `${c}_logfile_maxbytes`, `${c}_syslog`]),
];

/** supd's own [program:x] keys, documented in docs/differences.md. */
const SUPD_PROGRAM_EXTENSIONS = [
  'container_logs', 'container_logs_format', 'container_logs_line_maxbytes',
  'backoff_delay', 'backoff_factor', 'backoff_limit', 'shutdown_on', 'stopastree',
  ...Object.keys(HEALTH_PROGRAM_KEYS),
];

describe('key tables', () => {
  it('PROGRAM_KEYS has exactly the [program:x] keys supervisord 4.2.5 reads, plus supd extensions', () => {
    expect(Object.keys(PROGRAM_KEYS).sort()).toEqual([...SUPERVISORD_PROGRAM_KEYS, ...SUPD_PROGRAM_EXTENSIONS].sort());
  });

  it('EVENTLISTENER_KEYS adds events, buffer_size and result_handler to the program keys', () => {
    expect(Object.keys(EVENTLISTENER_KEYS).filter((k) => !(k in PROGRAM_KEYS)).sort()).toEqual([
      'buffer_size', 'events', 'result_handler',
    ]);
    expect(EVENTLISTENER_KEYS.priority.default).toBe(-1);
  });

  it('shows defaults as supervisord documents them', () => {
    expect(PROGRAM_KEYS.process_name.defaultText).toBe('%(program_name)s');
    expect(PROGRAM_KEYS.stdout_logfile_maxbytes.defaultText).toBe('50MB');
    expect(PROGRAM_KEYS.command.default).toBe(REQUIRED);
    expect(PROGRAM_KEYS.exitcodes.defaultText).toBe('0');
    expect(SUPERVISORD_KEYS.umask.defaultText).toBe('022');
    expect(GROUP_KEYS.priority.defaultText).toBe('999');
  });

  it('marks the keys supervisord expands per process', () => {
    const perProcess = Object.entries(PROGRAM_KEYS).filter(([, s]) => s.expands === 'process').map(([k]) => k).sort();
    expect(perProcess).toEqual([
      'command', 'directory', 'environment', 'healthcheck_command', 'healthcheck_http', 'healthcheck_tcp', 'process_name',
      'stderr_logfile', 'stderr_logfile_backups', 'stderr_logfile_maxbytes', 'stderr_syslog',
      'stdout_logfile', 'stdout_logfile_backups', 'stdout_logfile_maxbytes', 'stdout_syslog',
    ]);
  });

  it('are the only source of defaults and event type names the other layers use', () => {
    expect(EVENT_TYPES).toBe(CONFIG_EVENT_TYPES);
    expect(DEFAULT_CONTAINER_LOG_SETTINGS).toEqual({
      enabled: SUPERVISORD_KEYS.container_logs.default,
      format: SUPERVISORD_KEYS.container_logs_format.default,
      lineMaxBytes: SUPERVISORD_KEYS.container_logs_line_maxbytes.default,
    });
    expect(DEFAULT_SERVER_URL).toBe(SUPERVISORCTL_KEYS.serverurl.default);
  });
});

/**
 * [supervisord] into SupervisordSettings, as options.py read_config reads it: ~ expanded in paths,
 * childlogdir defaulting to Python's tempfile.gettempdir(), and its environment= offered to every
 * later section as %(ENV_X)s. Pure.
 */
import type { IniSection } from './dialect.js';
import { checkDirectory, checkFileDirectory, checkUser } from './host-checks.js';
import type { SectionReader } from './section-reader.js';
import { SUPERVISORD_KEYS } from './supervisord-keys.js';
import type { SupervisordSettings } from './types.js';

export function readSupervisordSection(reader: SectionReader, section: IniSection): SupervisordSettings {
  reader.warnUnknownKeys(section, SUPERVISORD_KEYS);
  // supervisord expands environment= with host_node_name too; supd offers it to every key here.
  const { values: v, present } = reader.readKeys(
    section,
    SUPERVISORD_KEYS,
    reader.sectionNames(section, { host_node_name: reader.ctx.hostNodeName }),
  );
  reader.extendGlobalNames(v.environment);
  const env = reader.ctx.env;
  const childlogdir =
    present.childlogdir !== undefined
      ? v.childlogdir
      : (env['TMPDIR'] || env['TEMP'] || env['TMP'] || SUPERVISORD_KEYS.childlogdir.default).replace(/(.)\/+$/, '$1');
  const path = (p: string | null) => (p === null ? null : reader.expandUser(p));
  const host = reader.ctx.host;
  if (host !== undefined) {
    const at = (name: keyof typeof SUPERVISORD_KEYS) => ({ name, raw: present[name], section: section.origin });
    if (present.logfile !== undefined) checkFileDirectory(host, reader, at('logfile'), path(v.logfile));
    if (present.pidfile !== undefined) checkFileDirectory(host, reader, at('pidfile'), path(v.pidfile));
    if (present.childlogdir !== undefined) checkDirectory(host, reader, at('childlogdir'), reader.expandUser(childlogdir));
    checkDirectory(host, reader, at('directory'), path(v.directory));
    checkUser(host, reader, at('user'), v.user, true);
  }
  return {
    logfile: path(v.logfile),
    logfileMaxBytes: v.logfile_maxbytes,
    logfileBackups: v.logfile_backups,
    loglevel: v.loglevel,
    pidfile: path(v.pidfile),
    nodaemon: v.nodaemon,
    minfds: v.minfds,
    minprocs: v.minprocs,
    umask: v.umask,
    user: v.user,
    directory: path(v.directory),
    identifier: v.identifier,
    environment: v.environment,
    childlogdir: reader.expandUser(childlogdir),
    stripAnsi: v.strip_ansi,
    nocleanup: v.nocleanup,
    silent: v.silent,
    forwardSignals: v.forward_signals,
    containerLogs: {
      enabled: v.container_logs,
      format: v.container_logs_format,
      lineMaxBytes: v.container_logs_line_maxbytes,
    },
    // Unset: supd's lines look like the programs' lines beside them where those are JSON.
    logFormat: v.logformat ?? (v.container_logs_format === 'json' ? 'json' : 'text'),
    shutdownStuckTimeoutMs: Math.round(v.shutdown_stuck_timeout * 1000),
    jobOutputMaxBytes: v.job_output_maxbytes,
    jobHistory: v.job_history,
  };
}


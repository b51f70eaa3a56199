/**
 * The processes of one [program:x] or [eventlistener:x], as options.py _processes_from_section
 * makes them: section-wide keys read once, then numprocs processes, each with its own
 * %(process_num)d expansion and environment. A new [program:x] key is a row in program-keys.ts and
 * one line in toProcessConfig(). Pure.
 */
import { splitCommand, CommandSyntaxError } from './command-line.js';
import { ConfigError, ConfigWarning } from './config-error.js';
import type { IniSection, RawValue } from './dialect.js';
import { checkCommandRuns, checkFileDirectory, checkUser } from './host-checks.js';
import { dirname, envExpansions, expand, layer } from './expand.js';
import type { Settings } from './key-spec.js';
import { lifecycleSettings } from './lifecycle-keys.js';
import { readHealthAndOrder } from './health-sections.js';
import { PROGRAM_KEYS, type ProgramKey } from './program-keys.js';
import type { Present, SectionReader } from './section-reader.js';
import type { ContainerLogs, ProcessConfig, StreamLogSettings } from './types.js';
import { checkName, type LogfileValue } from './values.js';

type ProgramSettings = Settings<typeof PROGRAM_KEYS>;

const isPerSection = (k: ProgramKey) => PROGRAM_KEYS[k].expands === 'section';
const isPerProcess = (k: ProgramKey) => k !== 'environment' && PROGRAM_KEYS[k].expands === 'process';

export interface ProgramOwner {
  readonly programName: string;
  readonly groupName: string;
  readonly kind: 'program' | 'eventlistener';
  /** [supervisord]'s container_logs*, which the program inherits unless it sets its own. */
  readonly containerLogDefaults: ContainerLogs;
}

/**
 * The processes of one [program:x] or [eventlistener:x] (options.py _processes_from_section),
 * or null if any of its values is wrong.
 */
export function readProcesses(reader: SectionReader, section: IniSection, owner: ProgramOwner): ProcessConfig[] | null {
  const { programName, groupName } = owner;
  const sectionNames = reader.sectionNames(section, {
    program_name: programName,
    group_name: groupName,
    host_node_name: reader.ctx.hostNodeName,
  });
  // An event listener's pool keys (its priority -1...) are the pool's; its processes read PROGRAM_KEYS.
  const perSection = reader.readKeys(section, PROGRAM_KEYS, sectionNames, isPerSection);
  const s = perSection.values;
  let failed = perSection.failed;

  // killasgroup defaults to stopasgroup; stopasgroup without killasgroup is refused.
  const killRaw = perSection.present.killasgroup;
  const killasgroup = killRaw === undefined ? s.stopasgroup : s.killasgroup;
  if (s.stopasgroup && !killasgroup && killRaw !== undefined) {
    reader.error(new ConfigError(killRaw.origin, 'cannot be false when stopasgroup=true', 'killasgroup', killRaw.value));
    failed = true;
  }

  const host = reader.ctx.host;
  const at = (name: ProgramKey, present: Present<typeof PROGRAM_KEYS>) => ({ name, raw: present[name], section: section.origin });
  if (host !== undefined) checkUser(host, reader, at('user', perSection.present), s.user);

  if (s.numprocs <= 0) {
    // options.py loops over range(numprocs_start, numprocs_start + numprocs): an empty group.
    const raw = perSection.present.numprocs;
    const reason = 'this program has no processes (supervisord accepts it the same way)';
    reader.warn(new ConfigWarning(raw?.origin ?? section.origin, reason, 'numprocs', raw?.value ?? String(s.numprocs)));
  }

  const processNameRaw = reader.raw(section, PROGRAM_KEYS, 'process_name');
  const template = processNameRaw?.value ?? PROGRAM_KEYS.process_name.default;
  if (s.numprocs > 1 && !template.includes('%(process_num)')) {
    const reason = `numprocs=${s.numprocs} needs %(process_num) in process_name, e.g. process_name=%(program_name)s_%(process_num)02d`;
    reader.error(
      processNameRaw === undefined
        ? new ConfigError(perSection.present.numprocs?.origin ?? section.origin, reason, 'numprocs', String(s.numprocs))
        : new ConfigError(processNameRaw.origin, reason, 'process_name', processNameRaw.value),
    );
    failed = true;
  }

  const processes: ProcessConfig[] = [];
  for (let processNum = s.numprocs_start; processNum < s.numprocs_start + s.numprocs; processNum++) {
    const base = layer(sectionNames, { process_num: processNum, numprocs: s.numprocs });
    const envRead = reader.readKeys(section, PROGRAM_KEYS, base, (k) => k === 'environment');
    const environment = envRead.values.environment;
    // "extend expansions for process from [program:x] environment definition" (options.py)
    const full = layer(base, Object.fromEntries(envExpansions(environment)));
    const p = reader.readKeys(section, PROGRAM_KEYS, full, isPerProcess);
    if (envRead.failed || p.failed) {
      failed = true;
      continue;
    }
    const v = p.values;

    const nameExpanded =
      processNameRaw === undefined
        ? expand(template, layer(full, { here: dirname(section.origin.file) }))
        : { ok: true as const, value: v.process_name };
    const name = nameExpanded.ok ? checkName(nameExpanded.value) : nameExpanded;
    if (!name.ok) {
      reader.error(new ConfigError(processNameRaw?.origin ?? section.origin, name.reason, 'process_name', template));
      failed = true;
      continue;
    }

    const commandRaw = p.present.command;
    if (commandRaw === undefined) continue; // missing command= already reported
    const argv = splitCheckedCommand(reader, v.command, commandRaw);
    if (argv === null) {
      failed = true;
      continue;
    }
    const directory = v.directory === null ? null : reader.expandUser(v.directory);
    if (host?.strict === true) {
      const env = { ...definedOnly(reader.ctx.env), ...reader.supervisordEnvironment, ...environment };
      checkCommandRuns(host, reader, at('command', p.present), argv, env, directory);
    }

    const stdout = readStream(reader, section, 'stdout', { ...s, ...v }, p.present);
    let stderr = readStream(reader, section, 'stderr', { ...s, ...v }, p.present);
    if (host !== undefined) {
      for (const [key, stream] of [['stdout_logfile', stdout], ['stderr_logfile', stderr]] as const) {
        if (stream.logfile !== null && stream.logfile !== 'AUTO') checkFileDirectory(host, reader, at(key, p.present), stream.logfile);
      }
    }
    if (s.redirect_stderr) {
      const stderrRaw = p.present.stderr_logfile;
      if (stderr.logfile !== null && stderr.logfile !== 'AUTO' && stderrRaw !== undefined) {
        reader.warn(new ConfigWarning(stderrRaw.origin, 'ignored because redirect_stderr=true', 'stderr_logfile', stderrRaw.value));
      }
      // never create an stderr logfile when redirected (options.py)
      stderr = { ...stderr, logfile: null };
    }

    // supd extensions (health-sections.ts): set on the process only when written.
    const extensions = readHealthAndOrder(reader, section, { ...s, ...v }, { ...perSection.present, ...p.present });
    if (extensions === null) {
      failed = true;
      continue;
    }
    processes.push({
      ...toProcessConfig({ ...s, ...v, environment, killasgroup }, {
        name: name.value,
        owner,
        processNum,
        stdout,
        stderr,
        section,
        directory,
      }),
      ...extensions,
    });
  }
  return failed ? null : processes;
}

interface ProcessFacts {
  readonly name: string;
  readonly owner: ProgramOwner;
  readonly processNum: number;
  readonly stdout: StreamLogSettings;
  readonly stderr: StreamLogSettings;
  readonly section: IniSection;
  readonly directory: string | null;
}

/** One process's settings, all keys read and checked, into the ProcessConfig other layers use. */
function toProcessConfig(v: ProgramSettings, f: ProcessFacts): ProcessConfig {
  const inherited = f.owner.containerLogDefaults;
  return {
    name: f.name,
    programName: f.owner.programName,
    groupName: f.owner.groupName,
    processNum: f.processNum,
    numprocs: v.numprocs,
    command: v.command,
    priority: v.priority,
    autostart: v.autostart,
    startSecs: v.startsecs,
    startRetries: v.startretries,
    autorestart: v.autorestart,
    exitCodes: v.exitcodes,
    stopSignal: v.stopsignal,
    stopWaitMs: v.stopwaitsecs * 1000,
    stopAsGroup: v.stopasgroup,
    killAsGroup: v.killasgroup,
    user: v.user,
    redirectStderr: v.redirect_stderr,
    stdout: f.stdout,
    stderr: f.stderr,
    environment: v.environment,
    directory: f.directory,
    umask: v.umask,
    serverUrl: v.serverurl !== null && v.serverurl.trim().toUpperCase() === 'AUTO' ? null : v.serverurl,
    containerLogs: {
      enabled: v.container_logs ?? inherited.enabled,
      format: v.container_logs_format ?? inherited.format,
      lineMaxBytes: v.container_logs_line_maxbytes ?? inherited.lineMaxBytes,
    },
    ...lifecycleSettings(v),
    origin: f.section.origin,
  };
}

/** The argv, or null with an error: at load time what supervisord reports at spawn time (process.py get_execv_args). */
function splitCheckedCommand(reader: SectionReader, command: string, raw: RawValue): string[] | null {
  try {
    const argv = splitCommand(command);
    if (argv.length > 0) return argv;
    reader.error(new ConfigError(raw.origin, 'command is empty', 'command', raw.value));
  } catch (e) {
    if (!(e instanceof CommandSyntaxError)) throw e;
    reader.error(new ConfigError(raw.origin, `can't parse command: ${e.reason}`, 'command', raw.value));
  }
  return null;
}

function definedOnly(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** One channel's log settings, with supervisord's warnings about syslog and AUTO without rollover. */
function readStream(
  reader: SectionReader,
  section: IniSection,
  channel: 'stdout' | 'stderr',
  v: ProgramSettings,
  present: Present<typeof PROGRAM_KEYS>,
): StreamLogSettings {
  const lfKey = `${channel}_logfile` as const;
  const maxBytes = v[`${channel}_logfile_maxbytes`];
  let syslog = v[`${channel}_syslog`];
  const value: LogfileValue = v[lfKey];
  let logfile: string | null | 'AUTO';
  const raw = present[lfKey];
  if (value !== null && typeof value === 'object') {
    // the deprecated "syslog" magic logfile becomes <channel>_syslog=true (options.py)
    reader.warn(
      new ConfigWarning(raw?.origin ?? section.origin, `deprecated; use ${channel}_syslog=true instead`, lfKey, raw?.value ?? 'syslog'),
    );
    logfile = null;
    syslog = true;
  } else {
    logfile = value === null || value === 'AUTO' ? value : reader.expandUser(value);
  }
  if (logfile === 'AUTO' && maxBytes === 0 && !(channel === 'stderr' && v.redirect_stderr)) {
    reader.warn(
      new ConfigWarning(
        raw?.origin ?? section.origin,
        `AUTO logging used for ${lfKey} without rollover; set ${channel}_logfile_maxbytes > 0 to avoid filling up the file system`,
      ),
    );
  }
  return {
    logfile,
    logfileMaxBytes: maxBytes,
    logfileBackups: v[`${channel}_logfile_backups`],
    captureMaxBytes: v[`${channel}_capture_maxbytes`],
    eventsEnabled: v[`${channel}_events_enabled`],
    syslog,
  };
}

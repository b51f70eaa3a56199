/**
 * Turns the sections read by dialect.ts into a typed SupdConfig, as supervisord 4.2.5's
 * options.py (read_config, process_groups_from_parser, _processes_from_section) does, but
 * collecting every error instead of stopping at the first. Unknown keys and sections are
 * warnings. Pure: the environment and host name arrive as arguments; nothing checks the disk.
 */
import { splitCommand, CommandSyntaxError } from './command-line.js';
import { ConfigError, ConfigWarning } from './config-error.js';
import { lookup, type IniDocument, type IniSection, type RawValue } from './dialect.js';
import { dirname, envExpansions, expand, layer, type Expansions } from './expand.js';
import { REQUIRED, type KeyTable, type Settings } from './key-spec.js';
import { EVENTLISTENER_KEYS, GROUP_KEYS, PROGRAM_KEYS } from './program-keys.js';
import {
  INET_HTTP_SERVER_KEYS,
  SUPERVISORCTL_KEYS,
  SUPERVISORD_KEYS,
  UNIX_HTTP_SERVER_KEYS,
} from './supervisord-keys.js';
import type {
  ContainerLogs,
  GroupConfig,
  InetHttpServerSettings,
  ProcessConfig,
  StreamLogSettings,
  SupdConfig,
  SupervisorctlSettings,
  SupervisordSettings,
  UnixHttpServerSettings,
} from './types.js';
import { checkName, type LogfileValue } from './values.js';

export interface ValidateContext {
  /** Absolute path of the main config file. */
  readonly mainFile: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly hostNodeName: string;
}

export type ValidateResult =
  | { readonly ok: true; readonly config: SupdConfig; readonly warnings: ConfigWarning[] }
  | { readonly ok: false; readonly errors: ConfigError[]; readonly warnings: ConfigWarning[] };

/** supervisord's EventTypes (events.py), the names an [eventlistener:x] events= may use. */
export const EVENT_TYPES = [
  'EVENT',
  'PROCESS_STATE',
  'PROCESS_STATE_STOPPED',
  'PROCESS_STATE_EXITED',
  'PROCESS_STATE_STARTING',
  'PROCESS_STATE_STOPPING',
  'PROCESS_STATE_BACKOFF',
  'PROCESS_STATE_FATAL',
  'PROCESS_STATE_RUNNING',
  'PROCESS_STATE_UNKNOWN',
  'PROCESS_COMMUNICATION',
  'PROCESS_COMMUNICATION_STDOUT',
  'PROCESS_COMMUNICATION_STDERR',
  'PROCESS_LOG',
  'PROCESS_LOG_STDOUT',
  'PROCESS_LOG_STDERR',
  'REMOTE_COMMUNICATION',
  'SUPERVISOR_STATE_CHANGE',
  'SUPERVISOR_STATE_CHANGE_RUNNING',
  'SUPERVISOR_STATE_CHANGE_STOPPING',
  'TICK',
  'TICK_5',
  'TICK_60',
  'TICK_3600',
  'PROCESS_GROUP',
  'PROCESS_GROUP_ADDED',
  'PROCESS_GROUP_REMOVED',
] as const;

const DEFAULT_RESULT_HANDLER = 'supervisor.dispatchers:default_handler';

/** Sections supd reads by name; prefixed ones are matched in sectionKind(). */
type SectionKind =
  | 'supervisord'
  | 'include'
  | 'unix_http_server'
  | 'inet_http_server'
  | 'supervisorctl'
  | 'program'
  | 'eventlistener'
  | 'group'
  | 'fcgi-program'
  | 'ignored'
  | 'unknown';

function sectionKind(name: string): SectionKind {
  switch (name) {
    case 'supervisord':
    case 'include':
    case 'unix_http_server':
    case 'inet_http_server':
    case 'supervisorctl':
      return name;
  }
  const prefix = name.includes(':') ? name.slice(0, name.indexOf(':')) : '';
  switch (prefix) {
    case 'program':
    case 'eventlistener':
    case 'group':
    case 'fcgi-program':
      return prefix;
    // rpcinterface factories and supervisorctl plugins are Python imports: accepted, not used.
    case 'rpcinterface':
    case 'ctlplugin':
      return 'ignored';
  }
  return 'unknown';
}


/** os.path.expanduser for "~" and "~/...", which supervisord applies to log and pid paths. */
function expandUser(path: string, env: ValidateContext['env']): string {
  const home = env['HOME'];
  if (home === undefined || home === '') return path;
  if (path === '~') return home;
  if (path.startsWith('~/')) return home.replace(/\/$/, '') + path.slice(1);
  return path;
}

/** Errors and warnings of one validation, deduplicated (per-process keys are read once per process). */
class Findings {
  readonly errors: ConfigError[] = [];
  readonly warnings: ConfigWarning[] = [];
  private readonly seen = new Set<string>();

  error(e: ConfigError): void {
    if (this.seen.has(e.message)) return;
    this.seen.add(e.message);
    this.errors.push(e);
  }

  warn(w: ConfigWarning): void {
    if (this.seen.has(`w:${w.message}`)) return;
    this.seen.add(`w:${w.message}`);
    this.warnings.push(w);
  }
}

interface ReadKeys<T> {
  readonly values: Settings<T>;
  /** The keys written in the section (or [DEFAULT]), with where. */
  readonly present: Map<string, RawValue>;
  readonly failed: boolean;
}

class Validator {
  private readonly found = new Findings();
  /** [supervisord]'s container_logs*, which each program inherits unless it sets its own. */
  private containerLogDefaults: ContainerLogs = { enabled: false, format: 'prefixed', lineMaxBytes: 16 * 1024 };
  /** ENV_X for supd's environment, then for [supervisord] environment= (options.py read_config). */
  private globalNames: Expansions;

  constructor(
    private readonly doc: IniDocument,
    private readonly ctx: ValidateContext,
  ) {
    this.globalNames = envExpansions(ctx.env);
  }

  /**
   * Reads the rows of `table` that `only` selects: expands each value with the names supervisord
   * offers it, parses it, and falls back to the default when the key is absent or wrong.
   */
  private readKeys<T extends KeyTable>(
    section: IniSection,
    table: T,
    names: Expansions,
    only: (key: string) => boolean = () => true,
  ): ReadKeys<T> {
    const values: Record<string, unknown> = {};
    const present = new Map<string, RawValue>();
    let failed = false;
    for (const [name, spec] of Object.entries(table)) {
      if (!only(name)) continue;
      const raw = lookup(this.doc, section, name);
      if (raw === undefined) {
        if (spec.default === REQUIRED) {
          this.found.error(new ConfigError(section.origin, `missing ${name}= (it is required in this section)`));
          failed = true;
        }
        values[name] = spec.default === REQUIRED ? undefined : spec.default;
        continue;
      }
      present.set(name, raw);
      const here = layer(names, { here: dirname(raw.origin.file) });
      const expanded = expand(raw.value, here);
      if (!expanded.ok) {
        this.found.error(new ConfigError(raw.origin, expanded.reason, name, raw.value));
        failed = true;
        values[name] = spec.default === REQUIRED ? undefined : spec.default;
        continue;
      }
      const parsed = spec.parse(expanded.value);
      if (!parsed.ok) {
        const after = expanded.value === raw.value ? '' : ` (it expands to '${expanded.value}')`;
        this.found.error(new ConfigError(raw.origin, parsed.reason + after, name, raw.value));
        failed = true;
        values[name] = spec.default === REQUIRED ? undefined : spec.default;
        continue;
      }
      values[name] = parsed.value;
    }
    return { values: values as Settings<T>, present, failed };
  }

  private warnUnknownKeys(section: IniSection, table: KeyTable): void {
    for (const [name, raw] of section.values) {
      if (!Object.hasOwn(table, name)) {
        this.found.warn(new ConfigWarning(raw.origin, `unknown key '${name}' (ignored)`, name));
      }
    }
  }

  private sectionNames(section: IniSection, extra: Readonly<Record<string, string | number>> = {}): Expansions {
    return layer(this.globalNames, { here: dirname(section.origin.file), ...extra });
  }

  run(): ValidateResult {
    const sections = [...this.doc.sections.values()];
    const byKind = (kind: SectionKind) => sections.filter((s) => sectionKind(s.name) === kind);

    for (const s of sections) {
      const kind = sectionKind(s.name);
      if (kind === 'unknown') this.found.warn(new ConfigWarning(s.origin, 'unknown section (ignored)'));
      if (kind === 'fcgi-program') this.found.error(new ConfigError(s.origin, 'is not supported by supd'));
    }

    const supervisordSection = this.doc.sections.get('supervisord');
    let supervisord: SupervisordSettings | null = null;
    if (supervisordSection === undefined) {
      this.found.error(
        new ConfigError(
          { file: this.ctx.mainFile, line: 0, section: '' },
          'no [supervisord] section (supervisord requires one, in this file or an [include]d one)',
        ),
      );
    } else {
      supervisord = this.supervisord(supervisordSection);
    }
    if (supervisord !== null) this.containerLogDefaults = supervisord.containerLogs;

    const groups = this.groups(byKind('program'), byKind('group'), byKind('eventlistener'));
    const unixHttpServer = this.optional('unix_http_server', (s) => this.unixHttpServer(s));
    const inetHttpServer = this.optional('inet_http_server', (s) => this.inetHttpServer(s));
    const supervisorctl = this.supervisorctl(this.doc.sections.get('supervisorctl'));

    const { errors, warnings } = this.found;
    if (errors.length > 0 || supervisord === null || groups === null) {
      return { ok: false, errors, warnings };
    }
    return {
      ok: true,
      warnings,
      config: { file: this.ctx.mainFile, supervisord, groups, unixHttpServer, inetHttpServer, supervisorctl },
    };
  }

  private optional<T>(name: string, read: (s: IniSection) => T): T | null {
    const section = this.doc.sections.get(name);
    return section === undefined ? null : read(section);
  }

  private supervisord(section: IniSection): SupervisordSettings {
    this.warnUnknownKeys(section, SUPERVISORD_KEYS);
    // supervisord expands environment= with host_node_name too; supd offers it to every key here.
    const { values: v, present } = this.readKeys(
      section,
      SUPERVISORD_KEYS,
      this.sectionNames(section, { host_node_name: this.ctx.hostNodeName }),
    );
    // "extend expansions for global from [supervisord] environment definition" (options.py)
    this.globalNames = layer(this.globalNames, Object.fromEntries(envExpansions(v.environment)));
    const env = this.ctx.env;
    const childlogdir = present.has('childlogdir')
      ? v.childlogdir
      : (env['TMPDIR'] || env['TEMP'] || env['TMP'] || '/tmp').replace(/(.)\/+$/, '$1');
    return {
      logfile: v.logfile === null ? null : expandUser(v.logfile, env),
      logfileMaxBytes: v.logfile_maxbytes,
      logfileBackups: v.logfile_backups,
      loglevel: v.loglevel,
      pidfile: v.pidfile === null ? null : expandUser(v.pidfile, env),
      nodaemon: v.nodaemon,
      minfds: v.minfds,
      minprocs: v.minprocs,
      umask: v.umask,
      user: v.user,
      directory: v.directory === null ? null : expandUser(v.directory, env),
      identifier: v.identifier,
      environment: v.environment,
      childlogdir: expandUser(childlogdir, env),
      stripAnsi: v.strip_ansi,
      nocleanup: v.nocleanup,
      silent: v.silent,
      forwardSignals: v.forward_signals,
      containerLogs: {
        enabled: v.container_logs,
        format: v.container_logs_format,
        lineMaxBytes: v.container_logs_line_maxbytes,
      },
    };
  }

  /** username and password come together or not at all (options.py _parse_username_and_password). */
  private checkAuth(section: IniSection, username: string | null, password: string | null): void {
    if ((username === null) !== (password === null)) {
      this.found.error(
        new ConfigError(section.origin, 'incomplete authentication: give both username= and password=, or neither'),
      );
    }
  }

  private unixHttpServer(section: IniSection): UnixHttpServerSettings {
    this.warnUnknownKeys(section, UNIX_HTTP_SERVER_KEYS);
    const { values: v } = this.readKeys(section, UNIX_HTTP_SERVER_KEYS, this.sectionNames(section));
    this.checkAuth(section, v.username, v.password);
    return { file: (v.file ?? '').trim(), chmod: v.chmod, chown: v.chown, username: v.username, password: v.password };
  }

  private inetHttpServer(section: IniSection): InetHttpServerSettings {
    this.warnUnknownKeys(section, INET_HTTP_SERVER_KEYS);
    const { values: v } = this.readKeys(section, INET_HTTP_SERVER_KEYS, this.sectionNames(section));
    this.checkAuth(section, v.username, v.password);
    const address = v.port ?? { host: '', port: 0 };
    return { host: address.host, port: address.port, username: v.username, password: v.password };
  }

  private supervisorctl(section: IniSection | undefined): SupervisorctlSettings {
    if (section === undefined) {
      return { serverUrl: 'http://localhost:9001', username: null, password: null, prompt: 'supervisor', historyFile: null };
    }
    this.warnUnknownKeys(section, SUPERVISORCTL_KEYS);
    const { values: v } = this.readKeys(section, SUPERVISORCTL_KEYS, this.sectionNames(section));
    return {
      serverUrl: v.serverurl,
      username: v.username,
      password: v.password,
      prompt: v.prompt,
      historyFile: v.history_file === null ? null : expandUser(v.history_file, this.ctx.env),
    };
  }

  /** The x of [program:x], checked as supervisord's process_or_group_name. */
  private nameOf(section: IniSection): string | null {
    const checked = checkName(section.name.slice(section.name.indexOf(':') + 1));
    if (!checked.ok) {
      this.found.error(new ConfigError(section.origin, checked.reason));
      return null;
    }
    return checked.value;
  }

  /**
   * Groups as options.py process_groups_from_parser builds them: [group:g] sections first, then a
   * group per [program:x] no [group:] lists, then one pool per [eventlistener:x]; ordered here by
   * (priority, name). Returns null if any section failed.
   */
  private groups(programs: IniSection[], groupSections: IniSection[], listeners: IniSection[]): GroupConfig[] | null {
    let failed = false;
    const programByName = new Map<string, IniSection>();
    for (const s of programs) {
      this.warnUnknownKeys(s, PROGRAM_KEYS);
      const name = this.nameOf(s);
      if (name === null) failed = true;
      else programByName.set(name, s);
    }
    const fcgiNames = new Set(
      [...this.doc.sections.keys()].filter((n) => n.startsWith('fcgi-program:')).map((n) => n.slice(13).trim()),
    );
    const groups: GroupConfig[] = [];
    /** group name -> the section that made it, to report clashes. */
    const owners = new Map<string, IniSection>();
    const claim = (name: string, section: IniSection, detail: string): void => {
      const other = owners.get(name);
      if (other !== undefined) {
        this.found.error(
          new ConfigError(section.origin, `group name '${name}' is already used by [${other.name}]${detail}`),
        );
        failed = true;
        return;
      }
      owners.set(name, section);
    };
    /** program name -> the [group:g] that lists it. */
    const listedBy = new Map<string, IniSection>();

    for (const gs of groupSections) {
      this.warnUnknownKeys(gs, GROUP_KEYS);
      const name = this.nameOf(gs);
      const { values: v, failed: bad, present } = this.readKeys(gs, GROUP_KEYS, this.sectionNames(gs));
      if (name === null || bad) {
        failed = true;
        continue;
      }
      const programsRaw = present.get('programs');
      const processes: ProcessConfig[] = [];
      for (const program of v.programs) {
        const origin = programsRaw?.origin ?? gs.origin;
        const section = programByName.get(program);
        if (section === undefined) {
          const why = fcgiNames.has(program)
            ? `names fcgi-program ${program}, which supd does not support`
            : `names unknown program ${program}`;
          this.found.error(new ConfigError(origin, why, 'programs', programsRaw?.value));
          failed = true;
          continue;
        }
        const earlier = listedBy.get(program);
        if (earlier !== undefined) {
          const why =
            earlier === gs ? `lists program ${program} twice` : `program ${program} is already in [${earlier.name}]`;
          this.found.error(new ConfigError(origin, why, 'programs', programsRaw?.value));
          failed = true;
          continue;
        }
        listedBy.set(program, gs);
        const made = this.processes(section, program, name, 'program');
        if (made === null) failed = true;
        else processes.push(...made);
      }
      claim(name, gs, '');
      if (!this.checkUniqueProcessNames(name, processes)) failed = true;
      groups.push({ name, kind: 'program', priority: v.priority, processes: sortByPriority(processes), origin: gs.origin });
    }

    for (const [name, section] of programByName) {
      if (listedBy.has(name)) continue;
      const processes = this.processes(section, name, name, 'program');
      if (processes === null) {
        failed = true;
        continue;
      }
      const grouped = owners.get(name);
      claim(name, section, grouped !== undefined ? `, which does not list program ${name}` : '');
      if (!this.checkUniqueProcessNames(name, processes)) failed = true;
      const priority = this.readKeys(section, PROGRAM_KEYS, this.sectionNames(section), (k) => k === 'priority').values.priority;
      groups.push({ name, kind: 'program', priority, processes: sortByPriority(processes), origin: section.origin });
    }

    for (const section of listeners) {
      this.warnUnknownKeys(section, EVENTLISTENER_KEYS);
      const name = this.nameOf(section);
      if (name === null) {
        failed = true;
        continue;
      }
      const pool = this.eventListenerSettings(section, name);
      const processes = this.processes(section, name, name, 'eventlistener');
      if (processes === null || pool === null) {
        failed = true;
        continue;
      }
      claim(name, section, '');
      if (!this.checkUniqueProcessNames(name, processes)) failed = true;
      groups.push({
        name,
        kind: 'eventlistener',
        priority: pool.priority,
        processes,
        eventListener: { events: pool.events, bufferSize: pool.bufferSize, resultHandler: pool.resultHandler },
        origin: section.origin,
      });
    }

    if (failed) return null;
    return groups.sort((a, b) => a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private checkUniqueProcessNames(group: string, processes: readonly ProcessConfig[]): boolean {
    const seen = new Map<string, ProcessConfig>();
    let ok = true;
    for (const p of processes) {
      const other = seen.get(p.name);
      if (other !== undefined) {
        const from =
          other.programName === p.programName ? '' : ` (from [${other.origin.section}] and [${p.origin.section}])`;
        this.found.error(new ConfigError(p.origin, `two processes named '${p.name}' in group ${group}${from}`));
        ok = false;
      }
      seen.set(p.name, p);
    }
    return ok;
  }

  private eventListenerSettings(
    section: IniSection,
    name: string,
  ): { priority: number; events: string[]; bufferSize: number; resultHandler: string } | null {
    const names = this.sectionNames(section, {
      program_name: name,
      group_name: name,
      host_node_name: this.ctx.hostNodeName,
    });
    const keys = ['priority', 'events', 'buffer_size', 'result_handler', 'redirect_stderr'];
    const { values: v, present, failed } = this.readKeys(section, EVENTLISTENER_KEYS, names, (k) => keys.includes(k));
    let ok = !failed;
    const eventsRaw = present.get('events');
    const events: string[] = [];
    for (const e of v.events ?? []) {
      const upper = e.toUpperCase();
      if (upper === '') continue;
      if (!(EVENT_TYPES as readonly string[]).includes(upper)) {
        this.found.error(new ConfigError(eventsRaw?.origin ?? section.origin, `unknown event type ${upper}`, 'events', eventsRaw?.value));
        ok = false;
      } else if (!events.includes(upper)) {
        events.push(upper);
      }
    }
    if (eventsRaw !== undefined && events.length === 0 && ok) {
      this.found.error(new ConfigError(eventsRaw.origin, 'an event listener needs at least one event type', 'events', eventsRaw.value));
      ok = false;
    }
    const bufferRaw = present.get('buffer_size');
    if (bufferRaw !== undefined && v.buffer_size < 1) {
      this.found.error(new ConfigError(bufferRaw.origin, 'expected an integer >= 1', 'buffer_size', bufferRaw.value));
      ok = false;
    }
    const redirectRaw = present.get('redirect_stderr');
    if (redirectRaw !== undefined && v.redirect_stderr) {
      this.found.error(
        new ConfigError(
          redirectRaw.origin,
          'not allowed in an event listener: stderr would interfere with the event listener protocol',
          'redirect_stderr',
          redirectRaw.value,
        ),
      );
      ok = false;
    }
    const handlerRaw = present.get('result_handler');
    if (handlerRaw !== undefined && v.result_handler !== DEFAULT_RESULT_HANDLER) {
      this.found.warn(
        new ConfigWarning(
          handlerRaw.origin,
          `supd cannot import Python result handlers; it uses ${DEFAULT_RESULT_HANDLER}`,
          'result_handler',
          handlerRaw.value,
        ),
      );
    }
    return ok ? { priority: v.priority, events, bufferSize: v.buffer_size, resultHandler: v.result_handler } : null;
  }

  /**
   * The processes of one [program:x] or [eventlistener:x] (options.py _processes_from_section),
   * or null if any of its values is wrong.
   */
  private processes(
    section: IniSection,
    programName: string,
    groupName: string,
    kind: 'program' | 'eventlistener',
  ): ProcessConfig[] | null {
    const table = kind === 'program' ? PROGRAM_KEYS : EVENTLISTENER_KEYS;
    const sectionNames = this.sectionNames(section, {
      program_name: programName,
      group_name: groupName,
      host_node_name: this.ctx.hostNodeName,
    });
    const perSection = this.readKeys(section, PROGRAM_KEYS, sectionNames, (k) => table[k as keyof typeof table].expands === 'section');
    const s = perSection.values;
    let failed = perSection.failed;
    // Event listener pools default to priority -1, their processes keep supervisord's 999.
    const priority = s.priority;

    // killasgroup defaults to stopasgroup; stopasgroup without killasgroup is refused.
    const killRaw = perSection.present.get('killasgroup');
    const killasgroup = killRaw === undefined ? s.stopasgroup : s.killasgroup;
    if (s.stopasgroup && !killasgroup && killRaw !== undefined) {
      this.found.error(new ConfigError(killRaw.origin, 'cannot be false when stopasgroup=true', 'killasgroup', killRaw.value));
      failed = true;
    }

    const processNameRaw = lookup(this.doc, section, 'process_name');
    const template = processNameRaw?.value ?? PROGRAM_KEYS.process_name.defaultText;
    if (s.numprocs > 1 && !template.includes('%(process_num)')) {
      const reason = `numprocs=${s.numprocs} needs %(process_num) in process_name, e.g. process_name=%(program_name)s_%(process_num)02d`;
      this.found.error(
        processNameRaw === undefined
          ? new ConfigError(perSection.present.get('numprocs')?.origin ?? section.origin, reason, 'numprocs', String(s.numprocs))
          : new ConfigError(processNameRaw.origin, reason, 'process_name', processNameRaw.value),
      );
      failed = true;
    }

    const serverUrl = s.serverurl !== null && s.serverurl.trim().toUpperCase() === 'AUTO' ? null : s.serverurl;
    const processes: ProcessConfig[] = [];
    for (let processNum = s.numprocs_start; processNum < s.numprocs_start + s.numprocs; processNum++) {
      const base = layer(sectionNames, { process_num: processNum, numprocs: s.numprocs });
      const envRead = this.readKeys(section, PROGRAM_KEYS, base, (k) => k === 'environment');
      const environment = envRead.values.environment;
      // "extend expansions for process from [program:x] environment definition" (options.py)
      const full = layer(base, Object.fromEntries(envExpansions(environment)));
      const p = this.readKeys(section, PROGRAM_KEYS, full, (k) => k !== 'environment' && PROGRAM_KEYS[k as keyof typeof PROGRAM_KEYS].expands === 'process');
      if (envRead.failed || p.failed) {
        failed = true;
        continue;
      }
      const v = p.values;

      const nameExpanded = processNameRaw === undefined ? expand(template, layer(full, { here: dirname(section.origin.file) })) : { ok: true as const, value: v.process_name };
      const name = nameExpanded.ok ? checkName(nameExpanded.value) : nameExpanded;
      if (!name.ok) {
        this.found.error(new ConfigError(processNameRaw?.origin ?? section.origin, name.reason, 'process_name', template));
        failed = true;
        continue;
      }

      const commandRaw = p.present.get('command');
      if (commandRaw === undefined) continue; // missing command= already reported
      if (!this.checkCommand(v.command, commandRaw)) {
        failed = true;
        continue;
      }

      const stdout = this.stream(section, 'stdout', v, s, p.present);
      let stderr = this.stream(section, 'stderr', v, s, p.present);
      if (s.redirect_stderr) {
        const stderrRaw = p.present.get('stderr_logfile');
        if (stderr.logfile !== null && stderr.logfile !== 'AUTO' && stderrRaw !== undefined) {
          this.found.warn(
            new ConfigWarning(stderrRaw.origin, 'ignored because redirect_stderr=true', 'stderr_logfile', stderrRaw.value),
          );
        }
        // never create an stderr logfile when redirected (options.py)
        stderr = { ...stderr, logfile: null };
      }

      processes.push({
        name: name.value,
        programName,
        groupName,
        processNum,
        numprocs: s.numprocs,
        command: v.command,
        priority,
        autostart: s.autostart,
        startSecs: s.startsecs,
        startRetries: s.startretries,
        autorestart: s.autorestart,
        exitCodes: s.exitcodes,
        stopSignal: s.stopsignal,
        stopWaitMs: s.stopwaitsecs * 1000,
        stopAsGroup: s.stopasgroup,
        killAsGroup: killasgroup,
        user: s.user,
        redirectStderr: s.redirect_stderr,
        stdout,
        stderr,
        environment,
        directory: v.directory === null ? null : expandUser(v.directory, this.ctx.env),
        umask: s.umask,
        serverUrl,
        containerLogs: {
          enabled: s.container_logs ?? this.containerLogDefaults.enabled,
          format: s.container_logs_format ?? this.containerLogDefaults.format,
          lineMaxBytes: s.container_logs_line_maxbytes ?? this.containerLogDefaults.lineMaxBytes,
        },
        origin: section.origin,
      });
    }
    return failed ? null : processes;
  }

  /** Detects at load time what supervisord reports at spawn time (process.py get_execv_args). */
  private checkCommand(command: string, raw: RawValue): boolean {
    try {
      if (splitCommand(command).length === 0) {
        this.found.error(new ConfigError(raw.origin, 'command is empty', 'command', raw.value));
        return false;
      }
    } catch (e) {
      if (!(e instanceof CommandSyntaxError)) throw e;
      this.found.error(new ConfigError(raw.origin, `can't parse command: ${e.reason}`, 'command', raw.value));
      return false;
    }
    return true;
  }

  private stream(
    section: IniSection,
    channel: 'stdout' | 'stderr',
    v: Settings<typeof PROGRAM_KEYS>,
    s: Settings<typeof PROGRAM_KEYS>,
    present: Map<string, RawValue>,
  ): StreamLogSettings {
    const lfKey = `${channel}_logfile` as const;
    const maxBytes = v[`${channel}_logfile_maxbytes`];
    let syslog = v[`${channel}_syslog`];
    const value: LogfileValue = v[lfKey];
    let logfile: string | null | 'AUTO';
    const raw = present.get(lfKey);
    if (value !== null && typeof value === 'object') {
      // the deprecated "syslog" magic logfile becomes <channel>_syslog=true (options.py)
      this.found.warn(
        new ConfigWarning(raw?.origin ?? section.origin, `deprecated; use ${channel}_syslog=true instead`, lfKey, raw?.value ?? 'syslog'),
      );
      logfile = null;
      syslog = true;
    } else {
      logfile = value === null || value === 'AUTO' ? value : expandUser(value, this.ctx.env);
    }
    if (logfile === 'AUTO' && maxBytes === 0 && !(channel === 'stderr' && s.redirect_stderr)) {
      this.found.warn(
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
      captureMaxBytes: s[`${channel}_capture_maxbytes`],
      eventsEnabled: s[`${channel}_events_enabled`],
      syslog,
    };
  }
}

function sortByPriority(processes: ProcessConfig[]): ProcessConfig[] {
  // Array.prototype.sort is stable, as Python's list.sort() that supervisord uses.
  return [...processes].sort((a, b) => a.priority - b.priority);
}

/** Validates a document read by dialect.ts (and includes.ts) into a SupdConfig, collecting every error. */
export function validateConfig(doc: IniDocument, ctx: ValidateContext): ValidateResult {
  return new Validator(doc, ctx).run();
}


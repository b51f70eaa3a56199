/**
 * Turns the sections read by dialect.ts into a typed SupdConfig, as supervisord 4.2.5's
 * options.py (read_config, process_groups_from_parser, _processes_from_section) does, but
 * collecting every error instead of stopping at the first. This file sorts sections by kind and
 * hands each to its reader (supervisord-section.ts, server-sections.ts, groups.ts); unknown
 * sections are warnings. Pure: the environment and host name arrive as arguments.
 */
import { ConfigError, ConfigWarning } from './config-error.js';
import type { IniDocument, IniSection } from './dialect.js';
import { readGroups } from './groups.js';
import { checkDependencies, readStatusHttpServerSection } from './health-sections.js';
import { SectionReader, type ValidateContext } from './section-reader.js';
import { readInetHttpServerSection, readSupervisorctlSection, readUnixHttpServerSection } from './server-sections.js';
import { DEFAULT_CONTAINER_LOGS } from './supervisord-keys.js';
import { readSupervisordSection } from './supervisord-section.js';
import type { SupdConfig } from './types.js';

export type { ValidateContext } from './section-reader.js';

export type ValidateResult =
  | { readonly ok: true; readonly config: SupdConfig; readonly warnings: ConfigWarning[] }
  | { readonly ok: false; readonly errors: ConfigError[]; readonly warnings: ConfigWarning[] };

/** Sections supd reads by name; prefixed ones are matched in sectionKind(). */
type SectionKind =
  | 'supervisord'
  | 'include'
  | 'unix_http_server'
  | 'inet_http_server'
  | 'supervisorctl'
  | 'status_http_server'
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
    case 'status_http_server':
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

/** Validates a document read by dialect.ts (and includes.ts) into a SupdConfig, collecting every error. */
export function validateConfig(doc: IniDocument, ctx: ValidateContext): ValidateResult {
  const reader = new SectionReader(doc, ctx);
  const sections = [...doc.sections.values()];
  const byKind = (kind: SectionKind) => sections.filter((s) => sectionKind(s.name) === kind);
  const optional = <T>(name: string, read: (s: IniSection) => T): T | null => {
    const section = doc.sections.get(name);
    return section === undefined ? null : read(section);
  };

  for (const s of sections) {
    const kind = sectionKind(s.name);
    if (kind === 'unknown') reader.warn(new ConfigWarning(s.origin, 'unknown section (ignored)'));
    if (kind === 'fcgi-program') reader.error(new ConfigError(s.origin, 'is not supported by supd'));
  }

  const supervisordSection = doc.sections.get('supervisord');
  if (supervisordSection === undefined) {
    reader.error(
      new ConfigError(
        { file: ctx.mainFile, line: 0, section: '' },
        'no [supervisord] section (supervisord requires one, in this file or an [include]d one)',
      ),
    );
  }
  // Read first: its environment= is offered to every later section as %(ENV_X)s.
  const supervisord = supervisordSection === undefined ? null : readSupervisordSection(reader, supervisordSection);

  const groups = readGroups(
    reader,
    {
      programs: byKind('program'),
      groups: byKind('group'),
      listeners: byKind('eventlistener'),
      fcgiNames: new Set(byKind('fcgi-program').map((s) => s.name.slice(s.name.indexOf(':') + 1).trim())),
    },
    supervisord?.containerLogs ?? DEFAULT_CONTAINER_LOGS,
  );
  if (groups !== null) checkDependencies(reader, groups);
  const unixHttpServer = optional('unix_http_server', (s) => readUnixHttpServerSection(reader, s));
  const inetHttpServer = optional('inet_http_server', (s) => readInetHttpServerSection(reader, s));
  const supervisorctl = readSupervisorctlSection(reader, doc.sections.get('supervisorctl'));
  const statusHttpServer = optional('status_http_server', (s) => readStatusHttpServerSection(reader, s));

  const { errors, warnings } = reader.found;
  if (errors.length > 0 || supervisord === null || groups === null) {
    return { ok: false, errors, warnings };
  }
  return {
    ok: true,
    warnings,
    config: { file: ctx.mainFile, supervisord, groups, unixHttpServer, inetHttpServer, supervisorctl, statusHttpServer },
  };
}

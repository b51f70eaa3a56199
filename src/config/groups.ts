/**
 * Process groups as options.py process_groups_from_parser builds them: [group:g] sections first,
 * then a group per [program:x] no [group:] lists, then one pool per [eventlistener:x]; ordered by
 * (priority, name), with clashes of group and process names reported. Pure.
 */
import { ConfigError } from './config-error.js';
import type { IniSection } from './dialect.js';
import { readEventListenerPool } from './eventlistener-section.js';
import { EVENTLISTENER_KEYS, GROUP_KEYS, PROGRAM_KEYS } from './program-keys.js';
import { readProcesses } from './program-section.js';
import type { SectionReader } from './section-reader.js';
import type { ContainerLogs, GroupConfig, ProcessConfig } from './types.js';

export interface GroupSections {
  readonly programs: readonly IniSection[];
  readonly groups: readonly IniSection[];
  readonly listeners: readonly IniSection[];
  /** The x of every [fcgi-program:x], to say why a [group:] cannot list it. */
  readonly fcgiNames: ReadonlySet<string>;
}

/** Every group of the config, or null if any section failed (its errors are in the reader). */
export function readGroups(reader: SectionReader, sections: GroupSections, containerLogDefaults: ContainerLogs): GroupConfig[] | null {
  let failed = false;
  const programByName = new Map<string, IniSection>();
  for (const s of sections.programs) {
    reader.warnUnknownKeys(s, PROGRAM_KEYS);
    const name = reader.nameOf(s);
    if (name === null) failed = true;
    else programByName.set(name, s);
  }
  const groups: GroupConfig[] = [];
  /** group name -> the section that made it, to report clashes. */
  const owners = new Map<string, IniSection>();
  const claim = (name: string, section: IniSection, detail: string): void => {
    const other = owners.get(name);
    if (other !== undefined) {
      reader.error(new ConfigError(section.origin, `group name '${name}' is already used by [${other.name}]${detail}`));
      failed = true;
      return;
    }
    owners.set(name, section);
  };
  const processesOf = (section: IniSection, programName: string, groupName: string, kind: 'program' | 'eventlistener') =>
    readProcesses(reader, section, { programName, groupName, kind, containerLogDefaults });
  /** program name -> the [group:g] that lists it. */
  const listedBy = new Map<string, IniSection>();

  for (const gs of sections.groups) {
    reader.warnUnknownKeys(gs, GROUP_KEYS);
    const name = reader.nameOf(gs);
    const { values: v, failed: bad, present } = reader.readKeys(gs, GROUP_KEYS, reader.sectionNames(gs));
    if (name === null || bad) {
      failed = true;
      continue;
    }
    const programsRaw = present.programs;
    const processes: ProcessConfig[] = [];
    for (const program of v.programs) {
      const origin = programsRaw?.origin ?? gs.origin;
      const section = programByName.get(program);
      if (section === undefined) {
        const why = sections.fcgiNames.has(program)
          ? `names fcgi-program ${program}, which supd does not support`
          : `names unknown program ${program}`;
        reader.error(new ConfigError(origin, why, 'programs', programsRaw?.value));
        failed = true;
        continue;
      }
      const earlier = listedBy.get(program);
      if (earlier !== undefined) {
        const why = earlier === gs ? `lists program ${program} twice` : `program ${program} is already in [${earlier.name}]`;
        reader.error(new ConfigError(origin, why, 'programs', programsRaw?.value));
        failed = true;
        continue;
      }
      listedBy.set(program, gs);
      const made = processesOf(section, program, name, 'program');
      if (made === null) failed = true;
      else processes.push(...made);
    }
    claim(name, gs, '');
    if (!checkUniqueProcessNames(reader, name, processes)) failed = true;
    groups.push({ name, kind: 'program', priority: v.priority, processes: sortByPriority(processes), origin: gs.origin });
  }

  for (const [name, section] of programByName) {
    if (listedBy.has(name)) continue;
    const processes = processesOf(section, name, name, 'program');
    if (processes === null) {
      failed = true;
      continue;
    }
    const grouped = owners.get(name);
    claim(name, section, grouped !== undefined ? `, which does not list program ${name}` : '');
    if (!checkUniqueProcessNames(reader, name, processes)) failed = true;
    const { priority } = reader.readKeys(section, PROGRAM_KEYS, reader.sectionNames(section), (k) => k === 'priority').values;
    groups.push({ name, kind: 'program', priority, processes: sortByPriority(processes), origin: section.origin });
  }

  for (const section of sections.listeners) {
    reader.warnUnknownKeys(section, EVENTLISTENER_KEYS);
    const name = reader.nameOf(section);
    if (name === null) {
      failed = true;
      continue;
    }
    const pool = readEventListenerPool(reader, section, name);
    const processes = processesOf(section, name, name, 'eventlistener');
    if (processes === null || pool === null) {
      failed = true;
      continue;
    }
    claim(name, section, '');
    if (!checkUniqueProcessNames(reader, name, processes)) failed = true;
    const { priority, ...eventListener } = pool;
    groups.push({ name, kind: 'eventlistener', priority, processes, eventListener, origin: section.origin });
  }

  if (failed) return null;
  return groups.sort((a, b) => a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function checkUniqueProcessNames(reader: SectionReader, group: string, processes: readonly ProcessConfig[]): boolean {
  const seen = new Map<string, ProcessConfig>();
  let ok = true;
  for (const p of processes) {
    const other = seen.get(p.name);
    if (other !== undefined) {
      const from = other.programName === p.programName ? '' : ` (from [${other.origin.section}] and [${p.origin.section}])`;
      reader.error(new ConfigError(p.origin, `two processes named '${p.name}' in group ${group}${from}`));
      ok = false;
    }
    seen.set(p.name, p);
  }
  return ok;
}

function sortByPriority(processes: ProcessConfig[]): ProcessConfig[] {
  // Array.prototype.sort is stable, as Python's list.sort() that supervisord uses.
  return [...processes].sort((a, b) => a.priority - b.priority);
}

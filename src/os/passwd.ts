// Looks up a user= value (name or uid) in /etc/passwd text, as Python's pwd module does for
// supervisord's drop_privileges. The parser is pure; only readPasswdFile touches the disk.
// Not NSS: users from LDAP/sssd are not seen (containers have none).
import { readFileSync } from 'node:fs';

export interface PasswdEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly shell: string;
}

/** Parses /etc/passwd text; malformed lines and NIS `+`/`-` lines are skipped, as getpwent does. */
export function parsePasswd(text: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('+') || line.startsWith('-'))
      continue;
    const fields = line.split(':');
    if (fields.length < 7) continue;
    const [name = '', , uidText = '', gidText = '', , home = '', shell = ''] = fields;
    const uid = Number(uidText);
    const gid = Number(gidText);
    if (name === '' || !/^\d+$/.test(uidText) || !/^\d+$/.test(gidText)) continue;
    entries.push({ name, uid, gid, home, shell });
  }
  return entries;
}

/**
 * Resolves a user= value: digits are a uid, anything else a name (supervisord tries int() first).
 * The error is supervisord's drop_privileges wording.
 */
export function findUser(
  entries: readonly PasswdEntry[],
  user: string,
): { ok: true; entry: PasswdEntry } | { ok: false; reason: string } {
  if (/^\d+$/.test(user)) {
    const uid = Number(user);
    const entry = entries.find((e) => e.uid === uid);
    return entry ? { ok: true, entry } : { ok: false, reason: `Can't find uid ${uid}` };
  }
  const entry = entries.find((e) => e.name === user);
  return entry ? { ok: true, entry } : { ok: false, reason: `Can't find username '${user}'` };
}

export function readPasswdFile(path = '/etc/passwd'): PasswdEntry[] {
  try {
    return parsePasswd(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
}

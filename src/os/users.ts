/**
 * Users and groups for supd itself: dropping privileges for [supervisord] user= (options.py
 * drop_privileges) and resolving [unix_http_server] chown=user:group. Children's user= is spawn.ts's.
 */
import { readFileSync } from 'node:fs';
import { findUser, readPasswdFile } from './passwd.js';

/** A group name or gid from /etc/group text; null when unknown. */
export function findGroupId(groupText: string, group: string): number | null {
  if (/^\d+$/.test(group)) return Number(group);
  for (const line of groupText.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === group && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return null;
}

export function readGroupFile(): string {
  try {
    return readFileSync('/etc/group', 'utf8');
  } catch {
    return '';
  }
}

/**
 * `chown=user:group` (or `user`, whose own gid is used) as numbers for the socket file.
 * Throws with supervisord's words for an unknown user or group.
 */
export function resolveOwner(chown: string | null): { uid: number; gid: number } | null {
  if (chown === null) return null;
  const [user = '', group] = chown.split(':');
  const found = findUser(readPasswdFile(), user);
  if (!found.ok) throw new Error(`[unix_http_server] chown=${chown}: ${found.reason}`);
  if (group === undefined) return { uid: found.entry.uid, gid: found.entry.gid };
  const gid = findGroupId(readGroupFile(), group);
  if (gid === null) throw new Error(`[unix_http_server] chown=${chown}: Can't find group '${group}'`);
  return { uid: found.entry.uid, gid };
}

/** Switch supd itself to `user` (name or uid), with its groups, as supervisord does at start-up. */
export function dropPrivileges(user: string): { ok: true } | { ok: false; reason: string } {
  const found = findUser(readPasswdFile(), user);
  if (!found.ok) return { ok: false, reason: found.reason };
  const { uid, gid, name } = found.entry;
  if (process.getuid?.() === uid) return { ok: true };
  if (process.getuid?.() !== 0) return { ok: false, reason: "Can't drop privilege as nonroot user" };
  try {
    // process.initgroups exists on POSIX Node but is missing from @types/node.
    (process as unknown as { initgroups?: (user: string, extraGroup: number) => void }).initgroups?.(name, gid);
    process.setgid?.(gid);
    process.setuid?.(uid);
  } catch (error) {
    return { ok: false, reason: `could not switch to user ${name}: ${(error as Error).message}` };
  }
  process.env.HOME = found.entry.home;
  process.env.USER = name;
  process.env.LOGNAME = name;
  return { ok: true };
}

/**
 * stdout_logfile=AUTO as supervisord 4.2.5 does it: a unique file
 * childlogdir/<name>-<channel>---<identifier>-<8 random>.log created like mkstemp (options.py
 * get_autochildlog_name), and the start-up removal of old ones unless nocleanup (options.py
 * clear_autochildlogdir).
 */
import { randomInt } from 'node:crypto';
import { closeSync, openSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { NoticeHandler, OutputStream } from './log-settings.js';

/** Python tempfile's alphabet for mkstemp names. */
const TEMP_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789_';

function randomName(): string {
  let name = '';
  for (let i = 0; i < 8; i++) name += TEMP_CHARS[randomInt(TEMP_CHARS.length)];
  return name;
}

export function autoLogfileName(
  childlogdir: string,
  name: string,
  channel: OutputStream,
  identifier: string,
  random: string,
): string {
  return join(childlogdir, `${name}-${channel}---${identifier}-${random}.log`);
}

/**
 * Creates the AUTO log file (mode 0600, as mkstemp) and returns its path. Throws when childlogdir
 * is not writable; the caller reports it.
 */
export function createAutoLogfile(childlogdir: string, name: string, channel: OutputStream, identifier: string): string {
  for (let attempt = 0; ; attempt++) {
    const path = autoLogfileName(childlogdir, name, channel, identifier, randomName());
    try {
      closeSync(openSync(path, 'wx', 0o600));
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 100) throw error;
    }
  }
}

/** clear_autochildlogdir's pattern; the identifier is escaped here, which supervisord does not do. */
export function autoLogfilePattern(identifier: string): RegExp {
  const escaped = identifier.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^.+?---${escaped}-\\S+\\.log\\.?\\d{0,4}`);
}

/** Removes AUTO logs (and their backups) left by earlier runs; returns the paths removed. */
export function clearAutoChildLogDir(childlogdir: string, identifier: string, onNotice: NoticeHandler): string[] {
  let names: string[];
  try {
    names = readdirSync(childlogdir);
  } catch {
    onNotice({ level: 'warn', message: `could not clear childlogdir ${childlogdir}` });
    return [];
  }
  const pattern = autoLogfilePattern(identifier);
  const removed: string[] = [];
  for (const name of names) {
    if (!pattern.test(name)) continue;
    const path = join(childlogdir, name);
    try {
      unlinkSync(path);
      removed.push(path);
    } catch {
      onNotice({ level: 'warn', message: `failed to clean up ${path}` });
    }
  }
  return removed;
}

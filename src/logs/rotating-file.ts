/**
 * A log file that rotates as supervisord 4.2.5's RotatingFileHandler does (loggers.py
 * doRollover): after a write leaves it at maxBytes or more, name.1..N shift up and a new file
 * starts; backups=0 truncates instead; maxBytes=0 never rotates. Writes go straight to a kept-open
 * fd with writeSync. When the disk is full or the path unwritable, output is dropped and counted,
 * one error is reported, and the file is tried again: on a full disk at the first write after
 * the filesystem has more room (one statfs per dropped write), otherwise after a back-off. The
 * program never notices.
 */
import { closeSync, existsSync, fstatSync, openSync, renameSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock, NoticeHandler } from './log-settings.js';

export interface RotatingFileOptions {
  readonly path: string;
  /** 0: never rotate. */
  readonly maxBytes: number;
  /** 0: truncate at maxBytes instead of keeping backups. */
  readonly backups: number;
  /** Names the file in notices, e.g. "web stdout log". */
  readonly label: string;
  readonly onNotice: NoticeHandler;
  readonly now?: Clock;
  /** First retry delay after a failure; doubles up to maxRetryMs. */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
  /** false: do not open the file until the first write or reopen() (a program not yet spawned). */
  readonly opensAtOnce?: boolean;
}

export interface RotatingFileStats {
  readonly droppedBytes: number;
  readonly rotations: number;
  readonly isFailing: boolean;
}

function describe(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code === undefined ? String(e.message) : `${e.code} (${e.message.replace(/^[A-Z]+: /, '').replace(/, \w+ .*$/, '')})`;
}

export class RotatingFile {
  readonly path: string;
  private fd: number | null = null;
  private bytes = 0;
  private retryAt = 0;
  private retryDelayMs: number;
  private isFailing = false;
  private droppedBytes = 0;
  private droppedInEpisode = 0;
  private rotations = 0;
  /** Free blocks and inodes of the filesystem when a write failed with ENOSPC; null otherwise. */
  private fullAt: { readonly blocks: number; readonly inodes: number } | null = null;
  private readonly now: Clock;

  constructor(private readonly options: RotatingFileOptions) {
    this.path = options.path;
    this.now = options.now ?? Date.now;
    this.retryDelayMs = options.retryMs ?? 1000;
    if (options.opensAtOnce !== false) this.tryOpen('a');
  }

  /** Bytes in the current file, as supervisord's stream.tell() sees them. */
  get size(): number {
    return this.bytes;
  }

  stats(): RotatingFileStats {
    return { droppedBytes: this.droppedBytes, rotations: this.rotations, isFailing: this.isFailing };
  }

  write(data: Buffer | string): void {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    if (buf.length === 0) return;
    if (this.fd === null && !(this.isRetryDue() && this.tryOpen('a'))) {
      this.drop(buf.length);
      return;
    }
    let done = 0;
    try {
      while (done < buf.length) done += writeSync(this.fd!, buf, done, buf.length - done);
    } catch (error) {
      this.bytes += done;
      this.drop(buf.length - done);
      this.fail('cannot write', error);
      return;
    }
    this.bytes += done;
    this.recovered();
    if (this.options.maxBytes > 0 && this.bytes >= this.options.maxBytes) this.rollover();
  }

  /** SIGUSR2: close and open the same path again (after an external logrotate, say). */
  reopen(): void {
    this.closeFd();
    this.retryAt = 0;
    this.tryOpen('a');
  }

  /**
   * clearProcessLogs: close, delete the current file (not the backups, as supervisord), reopen.
   * Throws the unlink error other than ENOENT, which supervisord turns into FAILED.
   */
  remove(): void {
    this.closeFd();
    try {
      unlinkSync(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.tryOpen('a');
        throw error;
      }
    }
    this.retryAt = 0;
    this.tryOpen('a');
  }

  /** Releases the descriptor; a later write opens the file again. */
  close(): void {
    this.closeFd();
  }

  get isOpen(): boolean {
    return this.fd !== null;
  }

  private rollover(): void {
    this.closeFd();
    const { backups } = this.options;
    try {
      if (backups > 0) {
        for (let i = backups - 1; i > 0; i--) {
          const source = `${this.path}.${i}`;
          if (existsSync(source)) removeAndRename(source, `${this.path}.${i + 1}`);
        }
        removeAndRename(this.path, `${this.path}.1`);
      }
    } catch (error) {
      this.fail('cannot rotate', error);
    }
    this.rotations++;
    // 'w' as doRollover's open(..., 'wb'): with backups=0 this is the truncation.
    this.tryOpen('w');
  }

  /** After a failure: the back-off is over, or the full filesystem the file is on has more room now. */
  private isRetryDue(): boolean {
    if (this.now() >= this.retryAt) return true;
    if (this.fullAt === null) return false;
    const free = freeSpace(this.path);
    return free !== null && (free.blocks > this.fullAt.blocks || free.inodes > this.fullAt.inodes);
  }

  private tryOpen(flags: 'a' | 'w'): boolean {
    try {
      this.fd = openSync(this.path, flags);
      this.bytes = flags === 'w' ? 0 : fstatSync(this.fd).size;
      return true;
    } catch (error) {
      this.fd = null;
      this.fail('cannot open', error);
      return false;
    }
  }

  private fail(what: string, error: unknown): void {
    this.closeFd();
    this.retryAt = this.now() + this.retryDelayMs;
    const code = (error as NodeJS.ErrnoException).code;
    // A full disk frees up without telling anyone: remember how full, to see when it is less so.
    this.fullAt = code === 'ENOSPC' || code === 'EDQUOT' ? freeSpace(this.path) : null;
    if (!this.isFailing) {
      this.isFailing = true;
      this.options.onNotice({
        level: 'error',
        message: `${what} ${this.options.label} ${this.path}: ${describe(error)}; output is dropped until it can be written again (${this.fullAt !== null ? 'retrying as soon as the filesystem has room' : `retrying in ${this.retryDelayMs / 1000} s, then less often`})`,
      });
    }
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, this.options.maxRetryMs ?? 60_000);
  }

  private drop(bytes: number): void {
    this.droppedBytes += bytes;
    this.droppedInEpisode += bytes;
  }

  private recovered(): void {
    if (!this.isFailing) return;
    this.isFailing = false;
    this.fullAt = null;
    this.retryDelayMs = this.options.retryMs ?? 1000;
    this.options.onNotice({
      level: 'info',
      message: `${this.options.label} ${this.path} is writable again; ${this.droppedInEpisode} bytes of output were dropped meanwhile`,
    });
    this.droppedInEpisode = 0;
  }

  private closeFd(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // A failed close of a log fd leaves nothing to recover; the next open starts afresh.
    }
    this.fd = null;
  }
}

/** Free blocks and inodes of the filesystem holding path; null where statfs cannot tell. */
function freeSpace(path: string): { blocks: number; inodes: number } | null {
  try {
    const stats = statfsSync(dirname(path));
    return { blocks: stats.bfree, inodes: stats.ffree };
  } catch {
    return null;
  }
}

/** loggers.py removeAndRename: tolerate a destination or source that vanished meanwhile. */
function removeAndRename(source: string, target: string): void {
  try {
    unlinkSync(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  try {
    renameSync(source, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

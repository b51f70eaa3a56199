/**
 * Where `supctl link` stopped, per job, kept on this machine as iomux-link kept its saved
 * positions: a tiny file per (server, job) under $SUPCTL_STATE_DIR, $XDG_STATE_HOME/supctl or
 * ~/.local/state/supctl, rewritten in place after every chunk this client printed. A later link
 * resumes there, so no byte is printed twice or skipped. Not the streaming itself (job-commands.ts).
 */
import { closeSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface LinkPosition {
  readonly stdout: number;
  readonly stderr: number;
}

/** One job's saved position, open while a link runs. */
export interface LinkCursor {
  /** Where the last link stopped; zeros when this client never linked to the job. */
  readonly saved: LinkPosition;
  save(position: LinkPosition): void;
  close(): void;
}

export interface LinkCursorStore {
  /** `key` names the job for this client: the server, the job id and its start time. */
  open(key: string): LinkCursor;
}

/** Fixed size, so each save is one pwrite at offset 0 that never leaves old digits behind. */
const RECORD_BYTES = 40;

export function stateDirectory(env: NodeJS.ProcessEnv): string {
  if (env.SUPCTL_STATE_DIR) return env.SUPCTL_STATE_DIR;
  // node:crypto and node:os are loaded here, when used, not at every supctl start (node:crypto
  // alone is ~20 modules, ~5 ms): this module is bundled into every supctl run.
  const base = env.XDG_STATE_HOME || join(env.HOME || process.getBuiltinModule('node:os').homedir(), '.local', 'state');
  return join(base, 'supctl');
}

/** Cursors in files under `dir`/links; if they cannot be written, links still work, unresumable. */
export function fileCursorStore(dir: string, warn: (message: string) => void): LinkCursorStore {
  return {
    open(key) {
      const name = process.getBuiltinModule('node:crypto').createHash('sha256').update(key).digest('hex').slice(0, 32);
      const linksDir = join(dir, 'links');
      let fd: number;
      try {
        mkdirSync(linksDir, { recursive: true, mode: 0o700 });
        fd = openSync(join(linksDir, name), 'a+');
        closeSync(fd);
        fd = openSync(join(linksDir, name), 'r+');
      } catch (error) {
        warn(`cannot keep link positions in ${linksDir} (${(error as NodeJS.ErrnoException).code ?? String(error)}): a later link starts from the beginning`);
        return memoryCursor({ stdout: 0, stderr: 0 });
      }
      const record = Buffer.alloc(RECORD_BYTES);
      const read = readSync(fd, record, 0, RECORD_BYTES, 0);
      const match = /^(\d+) (\d+)/.exec(record.toString('latin1', 0, read));
      const saved = match === null ? { stdout: 0, stderr: 0 } : { stdout: Number(match[1]), stderr: Number(match[2]) };
      return {
        saved,
        save(position) {
          const text = `${position.stdout} ${position.stderr}`.padEnd(RECORD_BYTES - 1, ' ') + '\n';
          try {
            writeSync(fd, text, 0, 'latin1');
          } catch {
            // A full disk: the position is lost, the output was not.
          }
        },
        close() {
          try {
            closeSync(fd);
          } catch {
            // already closed
          }
        },
      };
    },
  };
}

/** A cursor that lives only as long as this supctl (tests, unwritable state directory). */
export function memoryCursor(saved: LinkPosition): LinkCursor {
  return { saved, save: () => undefined, close: () => undefined };
}

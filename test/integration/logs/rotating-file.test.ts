import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogNotice } from '../../../src/logs/log-settings.js';
import { RotatingFile, type RotatingFileOptions } from '../../../src/logs/rotating-file.js';

let dir: string;
let files: RotatingFile[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'supd-rotating-'));
});
afterEach(() => {
  files.forEach((f) => f.close());
  files = [];
  rmSync(dir, { recursive: true, force: true });
});

function open(options: Partial<RotatingFileOptions> & { path: string }, notices: LogNotice[] = []): RotatingFile {
  const file = new RotatingFile({ maxBytes: 0, backups: 0, label: 'web stdout log', onNotice: (n) => notices.push(n), ...options });
  files.push(file);
  return file;
}

const read = (name: string): string => readFileSync(join(dir, name), 'utf8');

describe('a rotating log file', () => {
  it('rotates after the write that reaches maxbytes, shifting backups up to the configured count', () => {
    const file = open({ path: join(dir, 'web.log'), maxBytes: 10, backups: 2 });
    for (const chunk of ['aaaaa', 'bbbbb', 'ccccccccccc', 'dd', 'eeeeeeee', 'ff']) file.write(Buffer.from(chunk));
    // supervisord writes a whole chunk, then rotates once tell() >= maxBytes.
    expect(readdirSync(dir).sort()).toEqual(['web.log', 'web.log.1', 'web.log.2']);
    expect(read('web.log.2')).toBe('ccccccccccc');
    expect(read('web.log.1')).toBe('ddeeeeeeee');
    expect(read('web.log')).toBe('ff');
    expect(file.stats().rotations).toBe(3);
  });

  it('truncates at maxbytes when backups is 0, as supervisord does', () => {
    const file = open({ path: join(dir, 'web.log'), maxBytes: 4, backups: 0 });
    file.write(Buffer.from('12345'));
    file.write(Buffer.from('ab'));
    expect(readdirSync(dir)).toEqual(['web.log']);
    expect(read('web.log')).toBe('ab');
  });

  it('never rotates when maxbytes is 0', () => {
    const file = open({ path: join(dir, 'web.log'), maxBytes: 0, backups: 5 });
    for (let i = 0; i < 100; i++) file.write(Buffer.from('0123456789'));
    expect(readdirSync(dir)).toEqual(['web.log']);
    expect(file.size).toBe(1000);
  });

  it('appends to an existing file and counts its size toward maxbytes', () => {
    writeFileSync(join(dir, 'web.log'), 'old-');
    const file = open({ path: join(dir, 'web.log'), maxBytes: 6, backups: 1 });
    file.write(Buffer.from('new'));
    expect(read('web.log.1')).toBe('old-new');
  });

  it('reopens the path on SIGUSR2 after an external rotation', () => {
    const file = open({ path: join(dir, 'web.log') });
    file.write(Buffer.from('before\n'));
    renameSync(join(dir, 'web.log'), join(dir, 'web.log.old'));
    file.write(Buffer.from('still old\n'));
    file.reopen();
    file.write(Buffer.from('after\n'));
    expect(read('web.log.old')).toBe('before\nstill old\n');
    expect(read('web.log')).toBe('after\n');
  });

  it('removes the current file, not the backups, and starts afresh when cleared', () => {
    const file = open({ path: join(dir, 'web.log'), maxBytes: 3, backups: 1 });
    file.write(Buffer.from('abc'));
    file.write(Buffer.from('de'));
    file.remove();
    file.write(Buffer.from('f'));
    expect(read('web.log')).toBe('f');
    expect(read('web.log.1')).toBe('abc');
  });

  it('keeps going when its directory is missing: one error, output dropped, and recovery after the back-off', () => {
    let now = 0;
    const notices: LogNotice[] = [];
    const logdir = join(dir, 'later');
    const file = open({ path: join(logdir, 'web.log'), now: () => now, retryMs: 1000 }, notices);
    file.write(Buffer.from('lost 1\n'));
    file.write(Buffer.from('lost 2\n'));
    expect(notices).toHaveLength(1);
    expect(notices[0]!.level).toBe('error');
    expect(notices[0]!.message).toMatch(/^cannot open web stdout log .*later\/web.log: ENOENT/);
    mkdirSync(logdir);
    now = 500; // before the back-off ends: still dropped, no new error
    file.write(Buffer.from('lost 3\n'));
    expect(readdirSync(logdir)).not.toContain('web.log');
    now = 1500;
    file.write(Buffer.from('kept\n'));
    expect(readFileSync(join(logdir, 'web.log'), 'utf8')).toBe('kept\n');
    expect(file.stats()).toMatchObject({ droppedBytes: 21, isFailing: false });
    expect(notices.map((n) => n.level)).toEqual(['error', 'info']);
    expect(notices[1]!.message).toContain('21 bytes of output were dropped');
  });

  it('keeps going on a full disk (ENOSPC) and writes again once space is back', () => {
    let now = 0;
    const notices: LogNotice[] = [];
    const path = join(dir, 'web.log');
    symlinkSync('/dev/full', path); // every write fails with ENOSPC
    const file = open({ path, now: () => now, retryMs: 100 }, notices);
    file.write(Buffer.from('lost\n'));
    expect(notices[0]!.message).toMatch(/cannot write web stdout log .*: ENOSPC/);
    unlinkSync(path);
    now = 200;
    file.write(Buffer.from('kept\n'));
    expect(readFileSync(path, 'utf8')).toBe('kept\n');
    expect(notices).toHaveLength(2);
  });

  describe('on a real full filesystem (a 64 KiB tmpfs)', () => {
    let mnt: string | null = null;
    beforeEach((ctx) => {
      const target = mkdtempSync(join(tmpdir(), 'supd-fullfs-'));
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', target], { stdio: 'ignore' });
        mnt = target;
      } catch {
        rmSync(target, { recursive: true, force: true });
        ctx.skip(true, 'needs root and mount(8) for a small tmpfs');
      }
    });
    afterEach(() => {
      files.forEach((f) => f.close());
      files = [];
      if (mnt === null) return;
      execFileSync('umount', [mnt]);
      rmSync(mnt, { recursive: true, force: true });
      mnt = null;
    });

    /** Fills the filesystem with one file until a write fails; returns its path. */
    function fill(at: string): string {
      const filler = join(at, 'filler');
      const fd = openSync(filler, 'w');
      try {
        for (;;) writeSync(fd, Buffer.alloc(4096, 'f'));
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
      } finally {
        closeSync(fd);
      }
      return filler;
    }

    it('writes again on the very next write once space is freed, not after a back-off', () => {
      const notices: LogNotice[] = [];
      const path = join(mnt!, 'web.log');
      // The clock never moves: only a retry driven by freed space can bring the file back.
      const file = open({ path, now: () => 0, retryMs: 1000 }, notices);
      file.write(Buffer.from('before\n'));
      const filler = fill(mnt!);
      file.write(Buffer.alloc(8192, 'x'));
      file.write(Buffer.from('lost while full\n'));
      expect(file.stats()).toMatchObject({ isFailing: true });
      unlinkSync(filler);
      file.write(Buffer.from('after\n'));
      // What part of the 8 KiB went in before the disk filled up is the kernel's business.
      expect(readFileSync(path, 'utf8').replace(/x+/, 'x…')).toBe('before\nx…after\n');
      expect(file.stats()).toMatchObject({ isFailing: false });
      expect(notices.map((n) => n.level)).toEqual(['error', 'info']);
    });
  });
});

import { describe, expect, it } from 'vitest';
import { findInvalidUtf8 } from '../../../src/config/config-text.js';
import { loadConfig } from '../../../src/config/load.js';
import { errorsOf, fakeFiles, MAIN } from './fake-files.js';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('the bytes of a config file', () => {
  it('refuses a byte that is not UTF-8, naming file, line and the byte, as supervisord refuses the file', () => {
    const text = bytes('[supervisord]\n[program:a]\ncommand=echo caf', [0xe9], '\n');
    expect(errorsOf(text)).toEqual([
      `${MAIN}:3: is not UTF-8: byte 0xe9 (invalid continuation byte); supervisord refuses it too: save the file as UTF-8`,
    ]);
  });

  it('names the line of bad bytes in an included file', () => {
    const errors = errorsOf('[supervisord]\n[include]\nfiles=conf.d/*.conf\n', {
      '/etc/supd/conf.d/a.conf': bytes('[program:a]\ncommand=a\nenvironment=X="', [0xff], '"\n'),
    });
    expect(errors).toEqual([expect.stringMatching(/^\/etc\/supd\/conf\.d\/a\.conf:3: is not UTF-8: byte 0xff \(invalid start byte\)/)]);
  });

  it('refuses a UTF-8 byte order mark, as supervisord 4.2.5 does ("File contains no section headers")', () => {
    expect(errorsOf(bytes([0xef, 0xbb, 0xbf], '[supervisord]\n'))).toEqual([
      expect.stringMatching(/^\/etc\/supd\/supd\.conf:1: starts with a UTF-8 byte order mark, which supervisord refuses too/),
    ]);
  });

  it('accepts UTF-8 text beyond ASCII', () => {
    const r = loadConfig(MAIN, fakeFiles(new Map([[MAIN, bytes('[supervisord]\n[program:a]\ncommand=echo café ☃ 😀\n')]])), {}, 'h');
    expect(r.ok ? r.config.groups[0]?.processes[0]?.command : r.errors).toBe('echo café ☃ 😀');
  });

  it('refuses a file past 4 MiB without reading on, and a config whose includes add up past 16 MiB', () => {
    expect(errorsOf('[supervisord]\n' + `; ${'x'.repeat(4 * 1024 * 1024)}\n`)).toEqual([
      `${MAIN}: is larger than 4 MiB, the most supd reads from one config file`,
    ]);
    const big = `; ${'x'.repeat(3 * 1024 * 1024)}\n`;
    const others = Object.fromEntries([1, 2, 3, 4, 5, 6].map((n) => [`/etc/supd/conf.d/${n}.conf`, big]));
    expect(errorsOf('[supervisord]\n[include]\nfiles=conf.d/*.conf\n', others)).toEqual([
      '/etc/supd/conf.d/6.conf: brings the config with its includes past 16 MiB, the most supd reads',
    ]);
  });

  it.each([
    [[0x80], 0, 'invalid start byte'],
    [[0xc0, 0x80], 0, 'invalid start byte'],
    [[0x61, 0xe2, 0x82], 1, 'unexpected end of data'],
    [[0xed, 0xa0, 0x80], 0, 'invalid continuation byte'],
    [[0xf4, 0x90, 0x80, 0x80], 0, 'invalid continuation byte'],
  ])('finds %j invalid at %i (%s), with CPython\'s reason', (input, offset, why) => {
    expect(findInvalidUtf8(Uint8Array.from(input))).toEqual({ offset, why });
  });
});

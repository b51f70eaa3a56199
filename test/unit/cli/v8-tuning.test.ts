import { describe, expect, it } from 'vitest';
import { tunedArgv, V8_FLAGS } from '../../../src/cli/v8-tuning.js';

const ARGV = ['/usr/bin/node', '/app/dist/cli/supd.js', '-c', '/etc/supd.conf'];

describe('the V8 flags supd re-executes itself with', () => {
  it('adds the flags a bare start lacks, before the script, keeping Node options already given', () => {
    expect(tunedArgv('/usr/bin/node', ['--enable-source-maps'], ARGV, undefined)).toEqual([
      '/usr/bin/node',
      '--enable-source-maps',
      ...V8_FLAGS,
      '/app/dist/cli/supd.js',
      '-c',
      '/etc/supd.conf',
    ]);
  });

  it('does nothing when they are already given, as the image and npm start give them', () => {
    expect(tunedArgv('/usr/bin/node', [...V8_FLAGS], ARGV, undefined)).toBeNull();
  });

  it("respects a value the user chose, in either spelling or in NODE_OPTIONS", () => {
    expect(tunedArgv('/n', ['--max_semi_space_size=8', '--memory-reducer'], ARGV, undefined)).toBeNull();
    expect(tunedArgv('/n', ['--no-memory-reducer'], ARGV, '--max-semi-space-size=4')).toBeNull();
    expect(tunedArgv('/n', ['--no-memory-reducer'], ARGV, undefined)).toEqual(['/n', '--no-memory-reducer', '--max-semi-space-size=1', ...ARGV.slice(1)]);
  });

  it('does not restart Node for --check, --help or --version, which never start the daemon', () => {
    for (const arg of ['--check', '--help', '-h', '--version', '-v']) expect(tunedArgv('/n', [], [...ARGV, arg], undefined)).toBeNull();
  });
});

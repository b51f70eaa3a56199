import { describe, expect, it } from 'vitest';
import { parseSupctlArgs } from '../../../src/cli/supctl/args.js';

function parsed(...argv: string[]) {
  const result = parseSupctlArgs(argv);
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

describe('supctl argument parsing', () => {
  it('reads options before the action and passes the action’s arguments through', () => {
    expect(parsed('-c', '/etc/supd.conf', '-s', 'unix:///run/supd.sock', '-u', 'admin', '-p', 'pw', 'start', 'web', 'workers:*')).toEqual({
      configFile: '/etc/supd.conf', serverUrl: 'unix:///run/supd.sock', username: 'admin', password: 'pw',
      json: false, color: null, help: false, version: false, command: 'start', args: ['web', 'workers:*'],
    });
  });

  it('accepts --name=value and the attached short form', () => {
    expect(parsed('--serverurl=http://127.0.0.1:9001', '-ufoo', 'status')).toMatchObject({ serverUrl: 'http://127.0.0.1:9001', username: 'foo', command: 'status' });
  });

  it('leaves tail modifiers such as -f and -100 to the action', () => {
    expect(parsed('tail', '-f', 'web', 'stderr')).toMatchObject({ command: 'tail', args: ['-f', 'web', 'stderr'] });
    expect(parsed('tail', '-100', 'web')).toMatchObject({ args: ['-100', 'web'] });
  });

  it('takes --json before or after the action', () => {
    expect(parsed('--json', 'status')).toMatchObject({ json: true, command: 'status', args: [] });
    expect(parsed('status', 'web', '--json')).toMatchObject({ json: true, args: ['web'] });
  });

  it("leaves --json and --help after -- to the command being run", () => {
    expect(parsed('run', '--json', '--', 'node', 'app.js', '--help', '--json')).toMatchObject({
      json: true, help: false, command: 'run', args: ['--', 'node', 'app.js', '--help', '--json'],
    });
  });

  it('reads --color, --no-color and --help', () => {
    expect(parsed('--no-color', 'status')).toMatchObject({ color: false });
    expect(parsed('--color', 'status')).toMatchObject({ color: true });
    expect(parsed('--help')).toMatchObject({ help: true, command: null });
  });

  it('refuses an unknown option and an option without its value, naming it', () => {
    expect(parseSupctlArgs(['--bogus', 'status'])).toEqual({ ok: false, error: 'unknown option --bogus' });
    expect(parseSupctlArgs(['-s'])).toEqual({ ok: false, error: 'option -s requires a value' });
  });
});

describe('supctl --version', () => {
  it('reads -v and --version before the action, as supervisorctl does', () => {
    expect(parsed('--version')).toMatchObject({ version: true, command: null });
    expect(parsed('-v')).toMatchObject({ version: true });
    expect(parsed('status')).toMatchObject({ version: false });
  });
});

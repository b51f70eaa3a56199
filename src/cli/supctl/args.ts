/**
 * supctl's command line, read the way supervisorctl reads it: options first (-c, -s, -u, -p), then
 * an action and its arguments, passed through untouched so `tail -f web` and `tail -100 web` mean
 * what they mean to supervisorctl. `--json` and `--help` are accepted anywhere. Pure; yargs is only
 * loaded to print help (help.ts), which keeps `supctl status` fast.
 */

export interface SupctlArgs {
  readonly configFile: string | null;
  readonly serverUrl: string | null;
  readonly username: string | null;
  readonly password: string | null;
  readonly json: boolean;
  /** null: colour when stdout is a TTY (and NO_COLOR is unset). */
  readonly color: boolean | null;
  readonly help: boolean;
  /** -v/--version before the action: print supctl's own version (supervisorctl's -v). */
  readonly version: boolean;
  readonly command: string | null;
  readonly args: readonly string[];
}

export type ParseResult = { readonly ok: true; readonly value: SupctlArgs } | { readonly ok: false; readonly error: string };

const WITH_VALUE: Readonly<Record<string, 'configFile' | 'serverUrl' | 'username' | 'password'>> = {
  '-c': 'configFile',
  '--configuration': 'configFile',
  '-s': 'serverUrl',
  '--serverurl': 'serverUrl',
  '-u': 'username',
  '--username': 'username',
  '-p': 'password',
  '--password': 'password',
};

export function parseSupctlArgs(argv: readonly string[]): ParseResult {
  const values: Record<'configFile' | 'serverUrl' | 'username' | 'password', string | null> = {
    configFile: null, serverUrl: null, username: null, password: null,
  };
  let json = false;
  let help = false;
  let version = false;
  let color: boolean | null = null;
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('-') || arg === '-') break;
    if (arg === '--') {
      i++;
      break;
    }
    const isLong = arg.startsWith('--');
    const eq = isLong ? arg.indexOf('=') : -1;
    // --name=value, --name value, -s value, or -svalue (getopt's attached form).
    const flag = isLong ? (eq === -1 ? arg : arg.slice(0, eq)) : arg.slice(0, 2);
    const key = WITH_VALUE[flag];
    if (key !== undefined) {
      const attached = isLong ? (eq === -1 ? undefined : arg.slice(eq + 1)) : arg.length > 2 ? arg.slice(2) : undefined;
      const value = attached ?? argv[++i];
      if (value === undefined || value === '') return { ok: false, error: `option ${flag} requires a value` };
      values[key] = value;
      continue;
    }
    if (!isLong && arg.length > 2) return { ok: false, error: `unknown option ${arg}` };
    if (arg === '--json') json = true;
    else if (arg === '-h' || arg === '--help') help = true;
    else if (arg === '-v' || arg === '--version') version = true;
    else if (arg === '--color') color = true;
    else if (arg === '--no-color') color = false;
    else return { ok: false, error: `unknown option ${arg}` };
  }
  const rest = argv.slice(i);
  const command = rest[0] ?? null;
  const args: string[] = [];
  let isCommandWord = false;
  for (const arg of rest.slice(1)) {
    // After `--` the words belong to a command (`supctl run -- node app.js --help`).
    if (arg === '--') isCommandWord = true;
    if (!isCommandWord && arg === '--json') json = true;
    else if (!isCommandWord && arg === '--help') help = true;
    else args.push(arg);
  }
  return { ok: true, value: { ...values, json, help, version, color, command, args } };
}

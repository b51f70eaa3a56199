/**
 * supd's command line. The usual invocation (`supd -c FILE`, `--check`, `-n`, `-e LEVEL`,
 * `-l FILE`) is read with node:util's parseArgs; yargs, which takes longer to load than supd
 * takes to start its programs, is loaded only to print --help or --version or to explain a
 * mistake. Options as supervisord names them (-c/--configuration, -n/--nodaemon, -e/--loglevel,
 * -l/--logfile).
 */
import { parseArgs } from 'node:util';

export interface SupdArgs {
  readonly configuration?: string;
  readonly check: boolean;
  readonly loglevel?: string;
  readonly logfile?: string;
  /** --grace SECONDS: with --check, warn when the worst-case shutdown exceeds it. */
  readonly grace?: number;
}

/** A mistake on the command line: supd prints it with a hint and exits 2. */
export class UsageError extends Error {}

/**
 * Each option once, for both readers and the usage line (parseArgs ignores `describe` and `value`;
 * yargs calls `short` an alias).
 */
const OPTIONS = {
  configuration: { type: 'string', short: 'c', value: 'FILE', describe: 'config file (default: searched as supervisord does)' },
  check: { type: 'boolean', describe: 'validate the config, print the effective programs, exit 0 or 2' },
  nodaemon: { type: 'boolean', short: 'n', describe: 'accepted for supervisord compatibility; supd always runs in the foreground' },
  loglevel: { type: 'string', short: 'e', value: 'LEVEL', describe: 'override [supervisord] loglevel' },
  logfile: { type: 'string', short: 'l', value: 'FILE', describe: 'override [supervisord] logfile' },
  grace: { type: 'string', value: 'SECONDS', describe: "with --check: warn when the worst-case shutdown exceeds this many seconds (the orchestrator's grace period)" },
} as const;

/** `supd [-c FILE] [--check] [-n] ...`: every option, by its short name where it has one. */
export function usageLine(): string {
  const options = Object.entries(OPTIONS).map(([name, option]) => {
    const flag = 'short' in option ? `-${option.short}` : `--${name}`;
    return `[${flag}${'value' in option ? ` ${option.value}` : ''}]`;
  });
  return ['supd', ...options, '[-h]', '[-v]'].join(' ');
}

type ParsedValues = { readonly check?: boolean; readonly configuration?: string; readonly loglevel?: string; readonly logfile?: string; readonly grace?: string };

function toSupdArgs(values: ParsedValues): SupdArgs {
  return {
    check: values.check ?? false,
    ...(values.configuration !== undefined ? { configuration: values.configuration } : {}),
    ...(values.loglevel !== undefined ? { loglevel: values.loglevel } : {}),
    ...(values.logfile !== undefined ? { logfile: values.logfile } : {}),
    ...(values.grace !== undefined ? { grace: graceSeconds(values.grace) } : {}),
  };
}

function graceSeconds(raw: string): number {
  if (!/^\d+(\.\d+)?$/.test(raw.trim())) throw new UsageError(`--grace ${raw}: expected a number of seconds`);
  return Number(raw);
}

/** The arguments; --help and --version print and exit 0, as yargs does. */
export async function readSupdArgs(argv: readonly string[], version: () => string): Promise<SupdArgs> {
  let values: ParsedValues;
  try {
    values = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch {
    // --help, --version, or something parseArgs refuses: yargs prints or explains it.
    return readWithYargs(argv, version);
  }
  return toSupdArgs(values);
}

async function readWithYargs(argv: readonly string[], version: () => string): Promise<SupdArgs> {
  const { default: yargs } = await import('yargs');
  // yargs calls a short name an alias; --check defaults to false in its help.
  const options = Object.fromEntries(
    Object.entries(OPTIONS).map(
      ([name, { short, value, ...option }]: [string, { short?: string; value?: string; type: 'string' | 'boolean'; describe: string }]) => [
        name,
        { ...option, ...(value !== undefined ? { requiresArg: true } : {}), ...(short !== undefined ? { alias: short } : {}), ...(name === 'check' ? { default: false } : {}) },
      ],
    ),
  );
  const args = await yargs([...argv])
    .scriptName('supd')
    .usage(`${usageLine()}\n\nA supervisord-compatible process supervisor, built to be PID 1 of a container.`)
    .options(options)
    .version(version())
    .alias('version', 'v')
    .help()
    .alias('help', 'h')
    .strict()
    .fail((message, error) => {
      throw error ?? new UsageError(message);
    })
    .parseAsync();
  return toSupdArgs(args as ParsedValues);
}

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
}

/** A mistake on the command line: supd prints it with a hint and exits 2. */
export class UsageError extends Error {}

const OPTIONS = {
  configuration: { type: 'string', short: 'c' },
  check: { type: 'boolean' },
  nodaemon: { type: 'boolean', short: 'n' },
  loglevel: { type: 'string', short: 'e' },
  logfile: { type: 'string', short: 'l' },
} as const;

/** The arguments; --help and --version print and exit 0, as yargs does. */
export async function readSupdArgs(argv: readonly string[], version: () => string): Promise<SupdArgs> {
  try {
    const { values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false });
    return {
      check: values.check ?? false,
      ...(values.configuration !== undefined ? { configuration: values.configuration } : {}),
      ...(values.loglevel !== undefined ? { loglevel: values.loglevel } : {}),
      ...(values.logfile !== undefined ? { logfile: values.logfile } : {}),
    };
  } catch {
    // --help, --version, or something parseArgs refuses: yargs prints or explains it.
    return readWithYargs(argv, version);
  }
}

async function readWithYargs(argv: readonly string[], version: () => string): Promise<SupdArgs> {
  const { default: yargs } = await import('yargs');
  const args = await yargs([...argv])
    .scriptName('supd')
    .usage('$0 [-c FILE] [--check]\n\nA supervisord-compatible process supervisor, built to be PID 1 of a container.')
    .option('configuration', { alias: 'c', type: 'string', describe: 'config file (default: searched as supervisord does)' })
    .option('check', { type: 'boolean', default: false, describe: 'validate the config, print the effective programs, exit 0 or 2' })
    .option('nodaemon', { alias: 'n', type: 'boolean', describe: 'accepted for supervisord compatibility; supd always runs in the foreground' })
    .option('loglevel', { alias: 'e', type: 'string', describe: 'override [supervisord] loglevel' })
    .option('logfile', { alias: 'l', type: 'string', describe: 'override [supervisord] logfile' })
    .version(version())
    .alias('version', 'v')
    .help()
    .alias('help', 'h')
    .strict()
    .fail((message, error) => {
      throw error ?? new UsageError(message);
    })
    .parseAsync();
  return {
    check: args.check,
    ...(args.configuration !== undefined ? { configuration: args.configuration } : {}),
    ...(args.loglevel !== undefined ? { loglevel: args.loglevel } : {}),
    ...(args.logfile !== undefined ? { logfile: args.logfile } : {}),
  };
}

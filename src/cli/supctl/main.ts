/**
 * supctl: supd's supervisorctl, run by the bin (cli/supctl.ts) once Node is known to be new enough. Parses the command line (supctl/args.ts), finds the server
 * (supctl/server-settings.ts), runs one action (supctl/commands.ts) and exits with
 * supervisorctl's code. Heavy modules (yargs for help, /proc for tree) load only when used.
 */
import { fstatSync } from 'node:fs';
import { createRpcClient } from '../../rpc/client.js';
import { packageVersion } from '../package-version.js';
import { parseSupctlArgs } from './args.js';
import { runCommand, EXIT, type CtlIo } from './commands.js';
import { createConsoleIo, createFdWriter } from './console-io.js';
import { loadServerSettings, SettingsError } from './server-settings.js';
import { fileCursorStore, stateDirectory } from './link-cursor.js';

export interface SupctlEnvironment {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly io: CtlIo;
  readonly isTTY: boolean;
  readonly signal?: AbortSignal;
  /** supctl's stdin, for `run -i`. */
  readonly stdin?: () => AsyncIterable<Uint8Array>;
}

/** Runs supctl with `argv` (without node and script) and resolves to its exit code. */
export async function main(argv: readonly string[], environment: SupctlEnvironment): Promise<number> {
  const { io } = environment;
  const parsed = parseSupctlArgs(argv);
  if (!parsed.ok) {
    io.err(`supctl: ${parsed.error} (try supctl --help)`);
    return EXIT.INVALID_ARGS;
  }
  const args = parsed.value;
  if (args.version) {
    io.out(packageVersion());
    return EXIT.SUCCESS;
  }
  // `help ACTION` and `ACTION --help`: that action's help only.
  const helpTopic = args.command === 'help' ? (args.args[0] ?? null) : args.help ? args.command : null;
  if (helpTopic !== null) {
    const { renderActionHelp } = await import('./action-help.js');
    const text = renderActionHelp(helpTopic);
    if (text === null) {
      io.err(`supctl: no help on '${helpTopic}': there is no such action (try supctl --help)`);
      return EXIT.INVALID_ARGS;
    }
    io.out(text);
    return EXIT.SUCCESS;
  }
  if (args.help || args.command === null || args.command === 'help') {
    const { renderHelp } = await import('./help.js');
    (args.command === null && !args.help ? io.err : io.out)(await renderHelp());
    return args.command === null && !args.help ? EXIT.INVALID_ARGS : EXIT.SUCCESS;
  }
  let settings;
  try {
    settings = loadServerSettings(args, args.configFile, environment.env, environment.cwd);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    io.err(`supctl: ${error.message}`);
    return EXIT.INVALID_ARGS;
  }
  let client;
  try {
    client = createRpcClient(settings);
  } catch (error) {
    io.err(`supctl: ${(error as Error).message}`);
    return EXIT.INVALID_ARGS;
  }
  try {
    return await runCommand(
      {
        rpc: client,
        io,
        serverUrl: settings.serverUrl,
        serverSource: settings.source,
        json: args.json,
        color: args.color ?? (environment.isTTY && environment.env.NO_COLOR === undefined),
        signal: environment.signal,
        readProcTable: args.command === 'tree' ? (await import('../../os/proc-tree.js')).readProcTable : undefined,
        programOfProcess: args.command === 'tree' ? (await import('../../os/program-tree.js')).programOfProcess : undefined,
        cursors: fileCursorStore(stateDirectory(environment.env), (message) => io.err(`supctl: warning: ${message}`)),
        stdin: environment.stdin,
        openRpc: () => createRpcClient(settings),
      },
      args.command,
      args.args,
    );
  } finally {
    client.close();
  }
}

/**
 * isatty(1), asked of node:tty (which loads its own modules) only when stdout is a character
 * device at all: a script's or a health check's supctl writes to a pipe or a file.
 */
function stdoutIsTerminal(): boolean {
  try {
    if (!fstatSync(1).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  return process.getBuiltinModule('node:tty').isatty(1);
}

/** Runs supctl on this process's argv and terminal; sets the exit code. */
export function runSupctl(): void {
  const controller = new AbortController();
  process.on('SIGINT', () => controller.abort());
  const io = createConsoleIo(createFdWriter(() => process));
  const stdin = (): AsyncIterable<Uint8Array> => process.stdin;
  main(process.argv.slice(2), { env: process.env, cwd: process.cwd(), io, isTTY: stdoutIsTerminal(), signal: controller.signal, stdin }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      io.err(`supctl: ${(error as Error).stack ?? String(error)}`);
      process.exitCode = EXIT.GENERIC;
    },
  );
}

#!/usr/bin/env node
/**
 * supctl: supd's supervisorctl. Parses the command line (supctl/args.ts), finds the server
 * (supctl/server-settings.ts), runs one action (supctl/commands.ts) and exits with
 * supervisorctl's code. Heavy modules (yargs for help, /proc for tree) load only when used.
 */
import { realpathSync } from 'node:fs';
import { isatty } from 'node:tty';
import { fileURLToPath } from 'node:url';
import { createRpcClient } from '../rpc/client.js';
import { parseSupctlArgs } from './supctl/args.js';
import { runCommand, EXIT, type CtlIo } from './supctl/commands.js';
import { createConsoleIo, createFdWriter } from './supctl/console-io.js';
import { loadServerSettings, SettingsError } from './supctl/server-settings.js';
import { fileCursorStore, stateDirectory } from './supctl/link-cursor.js';

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
  if (args.help || args.command === null || args.command === 'help') {
    const { renderHelp } = await import('./supctl/help.js');
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
        json: args.json,
        color: args.color ?? (environment.isTTY && environment.env.NO_COLOR === undefined),
        signal: environment.signal,
        readProcTable: args.command === 'tree' ? (await import('../os/proc-tree.js')).readProcTable : undefined,
        programOfProcess: args.command === 'tree' ? (await import('../os/program-tree.js')).programOfProcess : undefined,
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

function isEntryPoint(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const controller = new AbortController();
  process.on('SIGINT', () => controller.abort());
  const io = createConsoleIo(createFdWriter(() => process));
  const stdin = (): AsyncIterable<Uint8Array> => process.stdin;
  main(process.argv.slice(2), { env: process.env, cwd: process.cwd(), io, isTTY: isatty(1), signal: controller.signal, stdin }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      io.err(`supctl: ${(error as Error).stack ?? String(error)}`);
      process.exitCode = EXIT.GENERIC;
    },
  );
}

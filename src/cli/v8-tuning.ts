// The V8 flags supd runs with however it is started (the image, npm start, a bin on the PATH, a
// harness running `node dist/cli/supd.js`): supd re-executes itself with them when they are
// missing, keeping its pid (process.execve), so PID 1 stays PID 1. v8.setFlagsFromString at start
// does not do it: the heap is sized and the memory reducer made before any JavaScript runs
// (measured: the same RssAnon and wake-ups as no flags at all; see docs/benchmark.md).

/**
 * --max-semi-space-size=1 (MiB): V8's young generation would otherwise grow during a burst of
 * spawns and stay committed, about 20 KiB of RSS per program; supd allocates little after that.
 * --no-memory-reducer: an idle supd never collects garbage, so V8's memory reducer never sees the
 * allocation rate fall and wakes every 8 s for good to wait again.
 */
export const V8_FLAGS = ['--max-semi-space-size=1', '--no-memory-reducer'] as const;

/** The V8 option a command-line flag sets: `--no_memory_reducer` and `--memory-reducer` are both memory-reducer. */
function optionOf(arg: string): string {
  return (arg.split('=')[0] ?? '').replace(/^--?/, '').replace(/_/g, '-').replace(/^no-/, '');
}

/** Runs that never start the daemon: not worth a second start of Node. */
const SHORT_LIVED = new Set(['--check', '-h', '--help', '-v', '--version']);

/**
 * The argv to re-execute Node with (execPath first), or null when nothing is missing: every flag
 * is in execArgv or NODE_OPTIONS, set either way by the user, or supd only checks or prints.
 */
export function tunedArgv(
  execPath: string,
  execArgv: readonly string[],
  argv: readonly string[],
  nodeOptions: string | undefined,
): string[] | null {
  if (argv.slice(2).some((arg) => SHORT_LIVED.has(arg))) return null;
  const given = new Set([...execArgv, ...(nodeOptions ?? '').split(/\s+/)].filter((arg) => arg.startsWith('-')).map(optionOf));
  const missing = V8_FLAGS.filter((flag) => !given.has(optionOf(flag)));
  if (missing.length === 0) return null;
  return [execPath, ...execArgv, ...missing, ...argv.slice(1)];
}

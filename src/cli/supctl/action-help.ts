/**
 * `supctl help ACTION` and `supctl ACTION --help`: one action's usage, from the COMMANDS table the
 * dispatcher uses, with examples where supervisorctl's help has them. Pure; the full list is
 * help.ts (yargs).
 */
import { COMMANDS } from './commands.js';

/** supervisorctl's help_<action> examples, for the actions whose arguments need them. */
const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  tail: [
    'supctl tail -f NAME           follow NAME\'s stdout (Ctrl-C to stop)',
    'supctl tail -100 NAME         the last 100 bytes of NAME\'s stdout',
    'supctl tail NAME stderr       the last 1600 bytes of NAME\'s stderr',
  ],
  maintail: ['supctl maintail -f           follow supd\'s own log', 'supctl maintail -100         its last 100 bytes'],
  signal: ['supctl signal HUP web         send SIGHUP to web', 'supctl signal USR2 workers:*  to every process of the group'],
  start: ['supctl start web             start one process', 'supctl start workers:*       every process of a group', 'supctl start all'],
  stop: ['supctl stop web', 'supctl stop workers:*', 'supctl stop all'],
  restart: ['supctl restart web           stop, then start (restart does not reread the config)'],
};

/** The help of one action, or null when there is no such action. */
export function renderActionHelp(action: string): string | null {
  const line = Object.hasOwn(COMMANDS, action) ? COMMANDS[action] : undefined;
  if (line === undefined) return null;
  const split = line.indexOf('  ');
  const usage = split === -1 ? line : line.slice(0, split);
  const summary = split === -1 ? '' : line.slice(split + 2).trim();
  const examples = EXAMPLES[action] ?? [];
  return [`Usage: supctl ${usage}`, '', summary, ...(examples.length > 0 ? ['', 'Examples:', ...examples.map((e) => `  ${e}`)] : [])].join('\n');
}

/**
 * supctl's --help text, built with yargs from the same COMMANDS table the dispatcher uses.
 * Imported only when help is asked for: yargs costs ~80 ms to load, which `supctl status` in a
 * health check should not pay.
 */
import yargs from 'yargs';
import { COMMANDS } from './commands.js';

export async function renderHelp(): Promise<string> {
  let parser = yargs([])
    .scriptName('supctl')
    .usage('Usage: supctl [options] ACTION [ARGS...]\n\nControl a running supd (or supervisord) over its XML-RPC API.')
    .option('configuration', { alias: 'c', type: 'string', describe: 'config file to read [supervisorctl] (or the server sections) from' })
    .option('serverurl', { alias: 's', type: 'string', describe: 'unix:///path/to.sock or http://host:port (or env SUPCTL_SERVERURL)' })
    .option('username', { alias: 'u', type: 'string', describe: 'username for the server' })
    .option('password', { alias: 'p', type: 'string', describe: 'password for the server' })
    .option('json', { type: 'boolean', describe: 'print results as JSON' })
    .option('color', { type: 'boolean', describe: 'colour the state column (default: when stdout is a TTY)' })
    .help(false)
    .version(false)
    .wrap(100)
    .epilogue('Exit codes are supervisorctl 4.2.5\'s: see docs/supctl.md.');
  for (const [name, line] of Object.entries(COMMANDS)) {
    const split = line.indexOf('  ');
    parser = parser.command(line.slice(0, split), line.slice(split + 2).trim(), () => undefined, () => undefined, [], false);
    void name;
  }
  return parser.getHelp();
}

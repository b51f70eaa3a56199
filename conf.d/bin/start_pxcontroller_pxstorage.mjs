// Stand-in for start_pxcontroller_pxstorage, the launcher supd starts: it starts px-storage,
// `px -daemon` and watchdog.sh as its own children (supd's grandchildren), starts any of them
// again 1 s after it dies (kill -9 px-storage and watch it come back), and on TERM stops them
// all and exits 0. Plain Node ESM, no dependencies.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = dirname(fileURLToPath(import.meta.url));
const CHILDREN = {
  'px-storage': [join(BIN, 'px-storage')],
  px: [join(BIN, 'px'), '-daemon'],
  'watchdog.sh': [join(BIN, 'watchdog.sh')],
};
const RESTART_DELAY_MS = 1000;

const running = new Map(); // name -> ChildProcess
const restarts = new Map(); // name -> pending restart timer
let stopping = false;

const log = (line) => process.stdout.write(`start_pxcontroller_pxstorage: ${line}\n`);

function start(name) {
  restarts.delete(name);
  const [file, ...args] = CHILDREN[name];
  const child = spawn(file, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  running.set(name, child);
  log(`started ${name} (pid ${child.pid})`);
  child.on('error', (error) => log(`cannot start ${name}: ${error.message}`));
  child.on('exit', (code, signal) => {
    running.delete(name);
    if (stopping) {
      if (running.size === 0) finish();
      return;
    }
    log(`${name} (pid ${child.pid}) ${signal ? `killed by ${signal}` : `exited with ${code}`}; starting it again in 1 s`);
    restarts.set(name, setTimeout(() => start(name), RESTART_DELAY_MS));
  });
}

function stop(signal) {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping ${[...running.keys()].join(', ') || 'nothing'}`);
  for (const timer of restarts.values()) clearTimeout(timer);
  for (const child of running.values()) child.kill('SIGTERM'); // with stopasgroup they have it already
  if (running.size === 0) finish();
}

function finish() {
  log('stopped');
  process.exit(0);
}

process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
log(`launcher up (pid ${process.pid})`);
for (const name of Object.keys(CHILDREN)) start(name);

/**
 * The demo layout (conf.d/) under supd in a temp dir: programs/ copied beside a supd.conf whose
 * socket, pidfile, state dir and AUTO logs are all inside that dir (the stand-ins run from the
 * repo), so tests never touch /tmp/supd-demo.* and AUTO log cleanup by other supd instances
 * cannot reach them; px-ns listens on a port of the kernel's choosing.
 */
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, REPO, startSupd, type RunningSupd } from './supd-harness.js';

/** Every program of the demo layout, in the order supd starts them; px-setup is the one-shot. */
export const DEMO_PROGRAMS = [
  'px-setup',
  'lttng-relayd',
  'lttng.sh',
  'pxexec',
  'start_pxcontroller_pxstorage',
  'px-ns',
  'px-healthmon',
  'px-diag',
  'supervisord_event_handler',
] as const;
/** The demo's one-shot set-up job: it exits 0 at once (EXITED), and the relay waits for it (depends_on). */
export const DEMO_ONE_SHOT = 'px-setup';

export interface DemoOptions {
  /** Extra lines for [supervisord] (e.g. an [inet_http_server] section after it). */
  readonly extraSections?: string;
}

export async function startDemo(options: DemoOptions = {}): Promise<RunningSupd> {
  const dir = makeTempDir('supd-demo-');
  cpSync(join(REPO, 'conf.d/programs'), join(dir, 'programs'), { recursive: true });
  const config = readFileSync(join(REPO, 'conf.d/supd.conf'), 'utf8')
    .replaceAll('/tmp/supd-demo.sock', join(dir, 'supd.sock'))
    .replaceAll('/tmp/supd-demo.pid', join(dir, 'supd.pid'))
    .replace('PX_BIN="%(here)s/bin"', `PX_BIN="${join(REPO, 'conf.d/bin')}"`)
    // px-ns listens on a fixed port by default: 0 lets demos run side by side.
    .replace('PX_STATE_DIR="/tmp/supd-demo"', `PX_STATE_DIR="${join(dir, 'state')}",PX_NS_PORT="0"`)
    .replace('childlogdir=%(here)s/logs', `childlogdir=${dir}`);
  return startSupd(`${config}\n${options.extraSections ?? ''}`, { dir });
}

/**
 * `supd`: the composition root, run by the bin (cli/supd.ts) once Node is known to be new enough.
 * Parses the command line, finds and loads the config (exit 2 on any config error, before anything
 * starts), then wires the daemon to the control plane, child logs and events. Exit codes are
 * documented in docs/supd.md.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { formatCheckReport } from '../../config/check-report.js';
import { estimateShutdown, formatShutdownEstimate } from '../../core/shutdown-estimate.js';
import { describeTreeMode, detectTreeMode } from '../../os/cgroups.js';
import { findConfigFile } from '../../config/config-search.js';
import { loadConfig } from '../../config/load.js';
import type { SupdConfig } from '../../config/types.js';
import { Daemon } from '../../daemon/daemon.js';
import { attachEvents } from '../../daemon/events-wiring.js';
import { attachJobs, type JobRunner } from '../../daemon/job-runner.js';
import { attachLogs } from '../../daemon/logs-wiring.js';
import { attachObserve, type ObserveHandle } from '../../daemon/observe-wiring.js';
import { createDaemonPort, type PortExtensions } from '../../daemon/rpc-port.js';
import { RpcServerError, startRpcServers, type RpcServerOptions, type RpcServers } from '../../rpc/http-server.js';
import { createRpcMethods } from '../../rpc/methods.js';
import { createObserveRoutes } from '../../rpc/observe-routes.js';
import { PROMETHEUS_CONTENT_TYPE } from '../../rpc/prometheus-text.js';
import { countCalls } from '../../rpc/rpc-counter.js';
import { createSupdLog } from '../../daemon/supd-log.js';
import { attachStatusServer } from '../../daemon/status-wiring.js';
import { StatusServerError } from '../../rpc/status-http-server.js';
import { nodeConfigFiles } from '../../os/config-files.js';
import { nodeHostFacts } from '../../os/host-facts.js';
import { packageVersion } from '../package-version.js';
import { readSupdArgs, UsageError } from './args.js';
import { dropPrivileges, resolveOwner } from '../../os/users.js';

/** supd's exit codes (docs/supd.md). */
export const EXIT = { OK: 0, RUNTIME: 1, USAGE_OR_CONFIG: 2 } as const;

type Loaded = { ok: true; config: SupdConfig; warnings: string[] } | { ok: false; errors: string[]; warnings: string[] };

/**
 * strict (--check): refuse what supervisord's loader refuses on this machine (unknown users,
 * missing log directories) and report commands that cannot run; otherwise those are warnings.
 */
function load(file: string, strict: boolean): Loaded {
  const result = loadConfig(file, nodeConfigFiles, process.env, hostname(), { facts: nodeHostFacts(), strict });
  const warnings = result.warnings.map((w) => w.message);
  if (!result.ok) return { ok: false, errors: result.errors.map((e) => e.message), warnings };
  return { ok: true, config: result.config, warnings };
}

async function main(argv: string[]): Promise<number> {
  const args = await readSupdArgs(argv, packageVersion);

  const file = args.configuration !== undefined ? resolve(args.configuration) : findConfigFile(existsSync, process.cwd());
  if (file === null) {
    process.stderr.write(
      'supd: no config file found (looked for ./supd.conf, ./etc/supd.conf, /etc/supd/supd.conf, ./supervisord.conf, /etc/supervisord.conf, /etc/supervisor/supervisord.conf); use -c FILE\n',
    );
    return EXIT.USAGE_OR_CONFIG;
  }
  const loaded = load(file, args.check);
  // Once supd runs, warnings go to its log (below), and only there: a container shows both streams.
  if (!loaded.ok || args.check) for (const warning of loaded.warnings) process.stderr.write(`supd: warning: ${warning}\n`);
  if (!loaded.ok) {
    for (const error of loaded.errors) process.stderr.write(`supd: ${error}\n`);
    return EXIT.USAGE_OR_CONFIG;
  }
  let config = loaded.config;
  if (args.check) {
    process.stdout.write(formatCheckReport(config));
    const priorities = new Map(config.groups.map((g) => [g.name, g.priority]));
    const estimate = estimateShutdown(config.groups.flatMap((g) => g.processes), (p) => priorities.get(p.groupName) ?? p.priority);
    const shutdown = formatShutdownEstimate(estimate, args.grace ?? null);
    process.stdout.write(`${shutdown.lines.join('\n')}\n`);
    if (shutdown.warning !== null) process.stderr.write(`supd: warning: ${shutdown.warning}\n`);
    if (config.groups.some((g) => g.processes.some((p) => p.stopAsTree))) process.stdout.write(`${describeTreeMode(detectTreeMode(process.pid, true))}\n`);
    return EXIT.OK;
  }
  const overrides = {
    ...(args.loglevel !== undefined ? { loglevel: args.loglevel as SupdConfig['supervisord']['loglevel'] } : {}),
    ...(args.logfile !== undefined ? { logfile: resolve(args.logfile) } : {}),
  };
  config = { ...config, supervisord: { ...config.supervisord, ...overrides } };

  if (config.supervisord.user !== null) {
    const dropped = dropPrivileges(config.supervisord.user);
    if (!dropped.ok) {
      process.stderr.write(`supd: ${file}: [supervisord] user=${config.supervisord.user}: ${dropped.reason}\n`);
      return EXIT.USAGE_OR_CONFIG;
    }
  }
  // [supervisord] environment= is supd's own environment, so children and %(ENV_x)s see it.
  Object.assign(process.env, config.supervisord.environment);

  const log = createSupdLog({
    level: config.supervisord.loglevel,
    logfile: config.supervisord.logfile,
    maxBytes: config.supervisord.logfileMaxBytes,
    backups: config.supervisord.logfileBackups,
    format: config.supervisord.logFormat,
    silent: config.supervisord.silent,
  });
  for (const warning of loaded.warnings) log.logger.warn(warning);

  const daemon = new Daemon({
    config,
    log,
    reloadConfig: () => {
      const again = load(file, false);
      for (const warning of again.warnings) log.logger.warn(warning);
      return again.ok ? { ok: true, config: again.config } : { ok: false, errors: again.errors };
    },
  });
  const events = attachEvents(daemon);
  const logs = attachLogs(daemon, events);
  const jobs = attachJobs(daemon);
  let observe: ObserveHandle | null = null;
  const port = createDaemonPort(daemon, packageVersion(), {
    processStatus: (namespec, lines) => observe?.processStatus(namespec, lines) ?? null,
    sendRemoteCommEvent: (type, data) => events.publish({ type: 'REMOTE_COMMUNICATION', remote_type: type, data }),
    logfiles: (entry) => logs.logfiles(entry),
    clearProcessLogs: (entry) => logs.clear(entry),
    readLog: (entry, channel, offset, length) => {
      const result = logs.read(entry, channel, offset, length);
      if (result.ok) return { ok: true, data: result.data.toString('utf8') };
      // supervisord's NO_FILE carries no detail; its other faults name the problem.
      return result.fault === 'NO_FILE' ? { ok: false, fault: 'NO_FILE' } : { ok: false, fault: result.fault, detail: result.detail };
    },
    liveTail: (entry, channel) => logs.memoryTail(entry, channel),
    tailLog: (entry, channel, offset, length) => {
      const [data, next, overflow] = logs.tail(entry, channel, offset, length);
      return [data.toString('utf8'), next, overflow];
    },
  });
  const dispatcher = countCalls(createRpcMethods(port, { jobs }));
  observe = attachObserve(daemon, { port, dispatcher, bus: events.bus, logs, rpcCounts: () => dispatcher.counts(), jobs: () => jobs.list() });
  try {
    const servers = await startControlPlane(daemon, config, { port, dispatcher, jobs, routes: createObserveRoutes(observe) });
    if (servers !== null) daemon.addCloser(() => servers.close());
    // Read-only /healthz and /readyz; other layers may add routes to it (/metrics).
    if (config.statusHttpServer) {
      const status = await attachStatusServer(daemon, config.statusHttpServer);
      const metrics = observe;
      status.addRoute('/metrics', async () => ({ status: 200, body: await metrics.metricsText(), contentType: PROMETHEUS_CONTENT_TYPE }));
    }
  } catch (error) {
    if (!(error instanceof RpcServerError) && !(error instanceof StatusServerError)) throw error;
    log.logger.fatal(error.message);
    process.stderr.write(`supd: ${error.message}\n`);
    await log.close();
    return EXIT.RUNTIME;
  }
  daemon.start();
  return new Promise<number>(() => undefined); // supd runs until a signal shuts it down
}

/**
 * The XML-RPC servers of [unix_http_server] and [inet_http_server], started before any program,
 * with /metrics and the dashboard beside the RPC.
 */
async function startControlPlane(
  daemon: Daemon,
  config: SupdConfig,
  served: Pick<RpcServerOptions, 'port' | 'dispatcher' | 'jobs' | 'routes'>,
): Promise<RpcServers | null> {
  const { unixHttpServer: unix, inetHttpServer: inet } = config;
  if (unix === null && inet === null) return null;
  const logger = daemon.logger;
  return startRpcServers({
    ...served,
    unix:
      unix === null
        ? null
        : { file: unix.file, chmod: unix.chmod, chown: resolveOwner(unix.chown), username: unix.username, password: unix.password },
    inet: inet === null ? null : { host: inet.host, port: inet.port, username: inet.username, password: inet.password },
    log: (level, message) => logger[level](message),
    afterLargeAnswer: () => daemon.noteAllocation(),
  });
}

/** Runs supd with `argv` (without node and script) until it exits. */
export function runSupd(argv: string[]): void {
  main(argv).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof UsageError) {
        process.stderr.write(`supd: ${error.message}\nTry 'supd --help'.\n`);
        process.exit(EXIT.USAGE_OR_CONFIG);
      }
      process.stderr.write(`supd: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(EXIT.RUNTIME);
    },
  );
}

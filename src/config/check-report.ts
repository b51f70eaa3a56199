/**
 * What `supd --check` prints: the effective processes after numprocs expansion and grouping, as
 * one plain-text table, plus a few lines on supd itself. Pure formatting; no colours, no I/O.
 */
import type { ProcessConfig, StreamLogSettings, SupdConfig } from './types.js';

/** supervisord's make_namespec: "web" when group and process share a name, else "group:process". */
export function namespec(groupName: string, processName: string): string {
  return groupName === processName ? processName : `${groupName}:${processName}`;
}

function target(stream: StreamLogSettings): string {
  const where = stream.logfile === null ? 'NONE' : stream.logfile === 'AUTO' ? 'AUTO' : stream.logfile;
  return stream.syslog ? `${where} +syslog` : where;
}

function row(p: ProcessConfig, kind: string): string[] {
  return [
    namespec(p.groupName, p.name),
    kind === 'eventlistener' ? `${p.groupName} (listener)` : p.groupName,
    String(p.priority),
    p.autostart ? 'yes' : 'no',
    target(p.stdout),
    p.redirectStderr ? '(stdout)' : target(p.stderr),
    p.command.replace(/\s*\n\s*/g, ' '),
  ];
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd())
    .join('\n');
}

export function formatCheckReport(config: SupdConfig): string {
  const processes = config.groups.flatMap((g) => g.processes.map((p) => row(p, g.kind)));
  const s = config.supervisord;
  const lines = [
    `config: ${config.file}`,
    `supd log: ${s.logfile ?? 'NONE'} (level ${s.loglevel}), child logs (AUTO): ${s.childlogdir}`,
  ];
  if (config.unixHttpServer !== null) lines.push(`control socket: unix://${config.unixHttpServer.file}`);
  if (config.inetHttpServer !== null) {
    lines.push(`control port: http://${config.inetHttpServer.host || '*'}:${config.inetHttpServer.port}`);
  }
  if (config.statusHttpServer) {
    lines.push(`status port: http://${config.statusHttpServer.host || '*'}:${config.statusHttpServer.port} (/healthz, /readyz, /metrics)`);
  }
  lines.push(`${processes.length} process${processes.length === 1 ? '' : 'es'} in ${config.groups.length} group${config.groups.length === 1 ? '' : 's'}, in start order:`);
  lines.push('');
  lines.push(table([['PROCESS', 'GROUP', 'PRIORITY', 'AUTOSTART', 'STDOUT', 'STDERR', 'COMMAND'], ...processes]));
  return `${lines.join('\n')}\n`;
}

/**
 * `supctl status NAME -v`: one process as `systemctl status` shows a unit, from the report
 * `supd.processStatus` answers (src/rpc/process-status.ts). Pure: a report and the time in, lines
 * out.
 */
import { formatUptime } from '../../rpc/process-info.js';
import type { DescendantStatusReport, ProcessStatusReport, ProgramStatusReport, RestartReport, TreeRowReport } from '../../rpc/process-status.js';
import { formatBytes } from './tree-format.js';

const LABEL_WIDTH = 10;

export function formatProcessStatus(report: ProcessStatusReport, now: number): string[] {
  return report.kind === 'program' ? formatProgram(report, now) : formatDescendant(report, now);
}

function formatProgram(r: ProgramStatusReport, now: number): string[] {
  const out: string[] = [];
  const name = r.group === r.name ? r.name : `${r.group}:${r.name}`;
  out.push(`● ${name} - ${r.statename}${r.since === 0 ? '' : ` since ${when(r.since, now)}`}`);
  if (r.health !== undefined) {
    out.push(field('Health', `${r.health.state} since ${when(r.health.since, now)}${r.health.last === undefined ? '' : `; last check: ${r.health.last}`}`));
  }
  out.push(field('Command', r.command));
  if (r.pid !== 0) {
    out.push(field('PID', String(r.pid)));
    out.push(field('Uptime', formatUptime(r.uptime)));
  } else if (r.description !== '') {
    out.push(field('Status', r.description));
  }
  out.push(...formatRestarts(r.restarts, r.recent, now));
  if (r.exitstatus !== undefined) out.push(field('Last exit', `status ${r.exitstatus}${r.exitstatus === -1 ? ' (killed by a signal)' : ''}`));
  if (r.memory !== undefined) out.push(field('Memory', `${formatBytes(r.memory)} (${r.tree.length || 1} process${(r.tree.length || 1) === 1 ? '' : 'es'})`));
  if (r.cpu !== undefined) out.push(field('CPU', `${r.cpu.toFixed(2)}s`));
  out.push(...formatTreeRows(r.tree));
  out.push(...formatLines('stdout', r.stdout));
  out.push(...formatLines('stderr', r.stderr));
  return out;
}

function formatDescendant(r: DescendantStatusReport, now: number): string[] {
  const p = r.program;
  const program = p.group === p.name ? p.name : `${p.group}:${p.name}`;
  const total = (Object.values(p.restarts) as number[]).reduce((a, b) => a + b, 0);
  const out = [
    `● ${r.name} - pid ${r.pid} (${r.state}), a process of program ${program}`,
    field('Command', r.command),
    field('Uptime', formatUptime(r.uptime)),
    field('Memory', `${formatBytes(r.memory)} (${r.tree.length || 1} process${(r.tree.length || 1) === 1 ? '' : 'es'})`),
    field('CPU', `${r.cpu.toFixed(2)}s`),
    ...formatTreeRows(r.tree),
    field('Program', `${program} ${p.statename}${p.since === 0 ? '' : ` since ${when(p.since, now)}`}, pid ${p.pid}, ${total} restart${total === 1 ? '' : 's'}`),
    '',
    r.lines.length === 0 ? `No recent lines of ${program} name ${r.name}.` : `Recent lines of ${program} that name ${r.name}:`,
    ...r.lines.map((line) => `  ${line}`),
  ];
  return out;
}

function formatRestarts(counts: Readonly<Record<string, number>>, recent: readonly RestartReport[], now: number): string[] {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const byReason = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  const out = [field('Restarts', total === 0 ? '0' : `${total} (${byReason})`)];
  for (const r of recent) {
    out.push(field('', `${when(r.restarted, now)}: ${r.reason}, ${r.description}`));
  }
  return out;
}

/** The tree as pstree draws it: pid, state, command, RSS. */
export function formatTreeRows(rows: readonly TreeRowReport[]): string[] {
  if (rows.length === 0) return [];
  const lines: string[] = [];
  // For each depth, whether the ancestor at that depth is the last of its siblings.
  const lastAt: boolean[] = [];
  rows.forEach((row, i) => {
    let isLast = true;
    for (let j = i + 1; j < rows.length && rows[j]!.depth >= row.depth; j++) {
      if (rows[j]!.depth === row.depth) {
        isLast = false;
        break;
      }
    }
    lastAt[row.depth] = isLast;
    let prefix = '';
    for (let d = 1; d < row.depth; d++) prefix += lastAt[d] ? '   ' : '│  ';
    if (row.depth > 0) prefix += isLast ? '└─ ' : '├─ ';
    const text = `${prefix}${row.pid} ${row.state} ${formatBytes(row.rss).padStart(6)}  ${row.command}`;
    lines.push(field(i === 0 ? 'Tree' : '', text));
  });
  return lines;
}

function formatLines(stream: string, lines: readonly string[]): string[] {
  if (lines.length === 0) return [];
  return ['', `Last ${lines.length} line${lines.length === 1 ? '' : 's'} of ${stream}:`, ...lines.map((line) => `  ${line}`)];
}

function field(label: string, value: string): string {
  return `${(label === '' ? '' : `${label}:`).padStart(LABEL_WIDTH + 1)} ${value}`;
}

/** `2026-12-03 15:02:11 UTC (0:03:12 ago)`. */
function when(seconds: number, now: number): string {
  const iso = new Date(seconds * 1000).toISOString();
  const ago = Math.max(0, Math.floor(now - seconds));
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC (${formatUptime(ago)} ago)`;
}

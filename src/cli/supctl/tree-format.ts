/**
 * `supctl tree`: each program with its children and grandchildren as pstree draws them, with pid,
 * state, uptime, RSS and lifetime CPU%. Pure: process infos and a /proc snapshot in (read by
 * src/os/proc-tree.ts), lines and JSON rows out. Deeper descendants are counted, not drawn.
 */
import { makeNamespec } from '../../rpc/namespec.js';
import { formatUptime } from '../../rpc/process-info.js';
import type { ProcEntry } from '../../os/proc-tree.js';

export type ProcTable = ReadonlyMap<number, ProcEntry>;

export interface TreeInfo {
  readonly name: string;
  readonly group: string;
  readonly statename: string;
  readonly pid: number;
  readonly start: number;
}

export interface TreeRow {
  readonly name: string;
  readonly depth: number;
  readonly pid: number | null;
  readonly state: string;
  readonly uptimeSeconds: number | null;
  readonly rssBytes: number | null;
  readonly cpuPercent: number | null;
  readonly command: string;
}

const MAX_DEPTH = 2;

/**
 * `adopted`: by `group:name`, processes that belong to a program but whose parent died (supd
 * adopted them); drawn under the program after its own children, marked `(orphan)`.
 */
export function formatTree(
  infos: readonly TreeInfo[],
  table: ProcTable,
  now: number,
  adopted: ReadonlyMap<string, readonly number[]> = new Map(),
): { lines: string[]; json: TreeRow[] } {
  const children = new Map<number, ProcEntry[]>();
  for (const entry of table.values()) {
    const list = children.get(entry.ppid) ?? [];
    list.push(entry);
    children.set(entry.ppid, list);
  }
  for (const list of children.values()) list.sort((a, b) => a.pid - b.pid);

  const rows: { prefix: string; row: TreeRow }[] = [];
  for (const info of infos) {
    const own = info.pid > 0 ? table.get(info.pid) : undefined;
    rows.push({
      prefix: '',
      row: {
        name: makeNamespec(info.group, info.name),
        depth: 0,
        pid: info.pid > 0 ? info.pid : null,
        state: info.statename,
        uptimeSeconds: own !== undefined ? Math.max(0, now - own.startedAt) : info.pid > 0 ? Math.max(0, now - info.start) : null,
        rssBytes: own?.rssBytes ?? null,
        cpuPercent: own !== undefined ? cpuPercent(own, now) : null,
        command: own?.cmdline ?? '',
      },
    });
    const orphans = (adopted.get(`${info.group}:${info.name}`) ?? []).flatMap((pid) => table.get(pid) ?? []);
    addDescendants(own?.pid ?? 0, '', 1, own === undefined ? orphans : [...(children.get(own.pid) ?? []), ...orphans], new Set(orphans.map((o) => o.pid)));
  }

  function addDescendants(
    pid: number,
    indent: string,
    depth: number,
    kids: readonly ProcEntry[] = children.get(pid) ?? [],
    orphanPids: ReadonlySet<number> = new Set(),
  ): void {
    kids.forEach((kid, index) => {
      const last = index === kids.length - 1;
      const hidden = depth >= MAX_DEPTH ? countDescendants(kid.pid) : 0;
      rows.push({
        prefix: `${indent}${last ? '└─ ' : '├─ '}`,
        row: {
          name: orphanPids.has(kid.pid) ? `${kid.comm} (orphan)` : kid.comm,
          depth,
          pid: kid.pid,
          state: kid.state,
          uptimeSeconds: Math.max(0, now - kid.startedAt),
          rssBytes: kid.rssBytes,
          cpuPercent: cpuPercent(kid, now),
          command: hidden > 0 ? `${kid.cmdline} (+${hidden} more)` : kid.cmdline,
        },
      });
      if (depth < MAX_DEPTH) addDescendants(kid.pid, `${indent}${last ? '   ' : '│  '}`, depth + 1);
    });
  }

  function countDescendants(pid: number): number {
    return (children.get(pid) ?? []).reduce((n, kid) => n + 1 + countDescendants(kid.pid), 0);
  }

  const header = ['NAME', 'PID', 'STATE', 'UPTIME', 'RSS', 'CPU%', 'COMMAND'];
  const cells = rows.map(({ prefix, row }) => [
    `${prefix}${row.name}`,
    row.pid === null ? '-' : String(row.pid),
    row.state,
    row.uptimeSeconds === null ? '-' : formatUptime(Math.floor(row.uptimeSeconds)),
    row.rssBytes === null ? '-' : formatBytes(row.rssBytes),
    row.cpuPercent === null ? '-' : row.cpuPercent.toFixed(1),
    row.command,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => [...(c[i] as string)].length)));
  const render = (c: readonly string[]): string =>
    c.map((cell, i) => (i === c.length - 1 ? cell : i === 1 || i >= 3 && i <= 5 ? cell.padStart(widths[i] as number) : padEnd(cell, widths[i] as number))).join('  ').trimEnd();
  return { lines: [render(header), ...cells.map(render)], json: rows.map((r) => r.row) };
}

/** Pads by code points, so box-drawing characters count as one column. */
function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - [...text].length));
}

function cpuPercent(entry: ProcEntry, now: number): number {
  const elapsed = now - entry.startedAt;
  return elapsed > 0 ? (entry.cpuSeconds / elapsed) * 100 : 0;
}

/** 512K, 12.3M, 1.2G. */
export function formatBytes(bytes: number): string {
  const kb = bytes / 1024;
  if (kb < 1024) return `${Math.round(kb)}K`;
  if (kb < 1024 * 1024) return `${(kb / 1024).toFixed(1)}M`;
  return `${(kb / 1024 / 1024).toFixed(1)}G`;
}

/**
 * True when the server's pids can't be this /proc's: supctl runs outside the server's PID
 * namespace (on the host, say, with supd in a container), where its pid and its programs' pids
 * name unrelated processes. The server starts every program itself, so in the same namespace a
 * running program's parent is the server. An empty table (no /proc) proves nothing.
 */
export function isOtherPidNamespace(infos: readonly TreeInfo[], table: ProcTable, serverPid: number): boolean {
  if (table.size === 0) return false;
  if (!table.has(serverPid)) return true;
  const seen = infos.filter((info) => info.pid > 0).flatMap((info) => table.get(info.pid) ?? []);
  return seen.length > 0 && seen.every((entry) => entry.ppid !== serverPid);
}

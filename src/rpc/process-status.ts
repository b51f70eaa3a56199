/**
 * What `supd.processStatus` answers: one process as `systemctl status` shows a unit (state and
 * health with since-when, pid, uptime, command, restarts with the last three reasons, memory and
 * CPU of its tree, the tree itself, the last lines of each stream). Plain data that is also an
 * XML-RPC struct; times are Unix seconds. The daemon builds it, supctl formats it.
 */

export interface TreeRowReport {
  readonly pid: number;
  /** 0 for the root of the tree shown. */
  readonly depth: number;
  readonly state: string;
  readonly command: string;
  readonly rss: number;
  /** CPU seconds of this process alone. */
  readonly cpu: number;
  /** Unix seconds. */
  readonly started: number;
}

export interface RestartReport {
  readonly reason: string;
  /** supervisord's exitstatus; absent when the run never spawned. */
  readonly exitstatus?: number;
  readonly description: string;
  readonly ended: number;
  readonly restarted: number;
}

export interface ProgramStatusReport {
  readonly kind: 'program';
  readonly name: string;
  readonly group: string;
  readonly statename: string;
  /** When it entered this state; 0 when it never changed state. */
  readonly since: number;
  readonly pid: number;
  /** Seconds of the current run; 0 when not running. */
  readonly uptime: number;
  readonly command: string;
  /** getProcessInfo's description. */
  readonly description: string;
  readonly restarts: Readonly<Record<string, number>>;
  readonly recent: readonly RestartReport[];
  /** Absent without a health check. */
  readonly health?: { readonly state: string; readonly since: number; readonly last?: string };
  /** Of the whole tree; absent without a pid. */
  readonly memory?: number;
  readonly cpu?: number;
  readonly tree: readonly TreeRowReport[];
  readonly stdout: readonly string[];
  readonly stderr: readonly string[];
  /** The last exit status (-1 for a signal); absent before any exit. */
  readonly exitstatus?: number;
}

/** A process that is no program but runs inside one (px-storage under its launcher). */
export interface DescendantStatusReport {
  readonly kind: 'descendant';
  readonly name: string;
  readonly pid: number;
  readonly state: string;
  readonly command: string;
  readonly uptime: number;
  readonly memory: number;
  readonly cpu: number;
  readonly tree: readonly TreeRowReport[];
  /** The program whose tree it is in. */
  readonly program: ProgramStatusReport;
  /** The program's recent lines that name this process. */
  readonly lines: readonly string[];
}

export type ProcessStatusReport = ProgramStatusReport | DescendantStatusReport;

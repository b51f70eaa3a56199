/**
 * `supctl jobs`: one line per job (id, name, state, pid, exit, start and end, command) from the
 * supd.listJobs structs. Pure: structs and the time in, lines out.
 */

/** A job as supd.listJobs reports it (rpc/job-methods.ts jobInfo). */
export interface JobInfoView {
  readonly id: string;
  readonly name: string;
  readonly state: 'running' | 'exited' | 'killed';
  readonly pid: number;
  readonly start: number;
  readonly stop: number;
  readonly exitstatus: number;
  readonly signal: string;
  readonly exitcode: number;
  readonly argv: readonly string[];
}

const HEADINGS = ['ID', 'NAME', 'STATE', 'PID', 'EXIT', 'STARTED', 'ENDED', 'COMMAND'];

export function formatJobs(list: readonly JobInfoView[], now: number): string[] {
  if (list.length === 0) return ['no jobs'];
  const rows = list.map((job) => [
    job.id,
    job.name === '' ? '-' : job.name,
    job.state,
    job.state === 'running' ? String(job.pid) : '-',
    job.state === 'running' ? '-' : job.state === 'killed' ? `${job.signal} (${job.exitcode})` : String(job.exitstatus),
    clock(job.start, now),
    job.stop === 0 ? '-' : clock(job.stop, now),
    job.argv.map(shellWord).join(' '),
  ]);
  const widths = HEADINGS.slice(0, -1).map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (i < widths.length ? cell.padEnd(widths[i]!) : cell)).join('  ').trimEnd();
  return [line(HEADINGS), ...rows.map(line)];
}

/** Local time of day when it was within the last day, else the date too. */
function clock(seconds: number, now: number): string {
  const date = new Date(seconds * 1000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  if (now - seconds < 86_400) return time;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${time}`;
}

/** A word as a POSIX shell would need it quoted to mean the same thing. */
export function shellWord(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

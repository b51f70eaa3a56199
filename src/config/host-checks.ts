/**
 * What supervisord 4.2.5's loader checks on the machine (options.py: name_to_uid for user=,
 * existing_dirpath for log and pid files, existing_directory for childlogdir and directory,
 * colon_separated_user_group for chown=), plus what it finds only at spawn (a command that cannot
 * be found or run). The machine answers through the HostFacts port (os/host-facts.ts); this file
 * stays pure and decides only how each finding is reported.
 */
import { ConfigError, ConfigWarning } from './config-error.js';
import type { RawValue } from './dialect.js';
import type { Origin } from './types.js';

/** The questions asked of the machine. Each answers null when all is well, else why not. */
export interface HostFacts {
  /** A user name or numeric uid (getpwnam / getpwuid). */
  userProblem(user: string): string | null;
  /** A group name or numeric gid. */
  groupProblem(group: string): string | null;
  isDirectory(path: string): boolean;
  /** Why this command line could not be started, in supervisord's spawnerr words. */
  commandProblem(argv: readonly string[], env: Readonly<Record<string, string>>, cwd: string | null): string | null;
}

/**
 * strict: refuse what supervisord's loader refuses (`supd --check`). Otherwise (start, reload)
 * supd runs such a config, since at run time it copes (a program with an unknown user= goes FATAL,
 * a log file is retried until its directory appears): each finding is a warning.
 */
export interface HostChecks {
  readonly facts: HostFacts;
  readonly strict: boolean;
}

export interface Report {
  error(e: ConfigError): void;
  warn(w: ConfigWarning): void;
}

/** Where a finding points: the key as written, or the section when the key was not written. */
export interface KeyAt {
  readonly name: string;
  readonly raw: RawValue | undefined;
  readonly section: Origin;
}

/** A finding supervisord refuses the config for; `always` when supd refuses it at start too. */
function refusal(checks: HostChecks, report: Report, at: KeyAt, reason: string, atRunTime: string, always = false): void {
  const origin = at.raw?.origin ?? at.section;
  if (checks.strict || always) {
    report.error(new ConfigError(origin, reason, at.name, at.raw?.value));
    return;
  }
  const why = `${reason}: ${atRunTime} (supervisord refuses this config, and so does supd --check)`;
  report.warn(new ConfigWarning(origin, why, at.name, at.raw?.value ?? ''));
}

/** user= of a program, or of supd itself ([supervisord] user=, which supd always refuses). */
export function checkUser(checks: HostChecks, report: Report, at: KeyAt, user: string | null, isSupd = false): void {
  if (user === null) return;
  const problem = checks.facts.userProblem(user);
  if (problem !== null) refusal(checks, report, at, problem, 'the program cannot start', isSupd);
}

/** [unix_http_server] chown=user[:group]: supd cannot own the socket as asked, so it refuses. */
export function checkChown(checks: HostChecks, report: Report, at: KeyAt, chown: string | null): void {
  if (chown === null) return;
  const colon = chown.indexOf(':');
  const user = colon === -1 ? chown : chown.slice(0, colon);
  const problem = checks.facts.userProblem(user) ?? (colon === -1 ? null : checks.facts.groupProblem(chown.slice(colon + 1)));
  if (problem !== null) refusal(checks, report, at, `invalid chown value: ${problem}`, '', true);
}

/** Python's os.path.dirname. */
function dirnameOf(path: string): string {
  const i = path.lastIndexOf('/');
  if (i === -1) return '';
  const head = path.slice(0, i + 1);
  return /^\/+$/.test(head) ? head : head.replace(/\/+$/, '');
}

/** existing_dirpath: a log or pid file whose directory does not exist. */
export function checkFileDirectory(checks: HostChecks, report: Report, at: KeyAt, path: string | null): void {
  if (path === null) return;
  const dir = dirnameOf(path);
  if (dir === '' || checks.facts.isDirectory(dir)) return;
  refusal(checks, report, at, `directory ${dir} does not exist`, 'supd writes the file once the directory appears');
}

/** existing_directory: childlogdir= and [supervisord] directory=. */
export function checkDirectory(checks: HostChecks, report: Report, at: KeyAt, path: string | null): void {
  if (path === null || checks.facts.isDirectory(path)) return;
  refusal(checks, report, at, `${path} is not an existing directory`, 'supd does not need it to run');
}

/** A command that cannot be found or run: supervisord finds out at spawn, so this only warns. */
export function checkCommandRuns(
  checks: HostChecks,
  report: Report,
  at: KeyAt,
  argv: readonly string[],
  env: Readonly<Record<string, string>>,
  cwd: string | null,
): void {
  const problem = checks.facts.commandProblem(argv, env, cwd);
  if (problem === null) return;
  const origin = at.raw?.origin ?? at.section;
  report.warn(new ConfigWarning(origin, `${problem} (the program will fail to start)`, at.name, at.raw?.value ?? ''));
}

import { describe, expect, it } from 'vitest';
import type { HostChecks, HostFacts } from '../../../src/config/host-checks.js';
import { loadConfig } from '../../../src/config/load.js';
import { fakeFiles, MAIN } from './fake-files.js';

/** A machine with users root and www, group staff, directories /var/log and /srv, and /bin/sh. */
const facts: HostFacts = {
  userProblem: (u) => (['root', 'www', '0'].includes(u) ? null : `Can't find username '${u}'`),
  groupProblem: (g) => (g === 'staff' ? null : `Can't find group '${g}'`),
  isDirectory: (p) => ['/var/log', '/srv', '/tmp', '/'].includes(p),
  commandProblem: (argv) => (argv[0] === '/bin/sh' ? null : `can't find command '${argv[0]}'`),
};

function check(text: string, strict: boolean) {
  const host: HostChecks = { facts, strict };
  const r = loadConfig(MAIN, fakeFiles(new Map([[MAIN, text]])), {}, 'box1', host);
  return { errors: r.ok ? [] : r.errors.map((e) => e.message), warnings: r.warnings.map((w) => w.message) };
}

const F = MAIN;
const CONFIG = `[supervisord]
logfile=/var/log/supd/supd.log
pidfile=/run/supd.pid
childlogdir=/var/log
[program:web]
command=/bin/sh -c web
user=steam
stdout_logfile=/srv/logs/web.log
stderr_logfile=/var/log/web.err
[program:api]
command=api-server
`;

describe("checks against the machine, as supervisord's loader makes them", () => {
  it('--check (strict) refuses unknown users and log or pid files whose directory is missing, and warns about commands', () => {
    expect(check(CONFIG, true)).toEqual({
      errors: [
        `${F}:2: [supervisord] logfile=/var/log/supd/supd.log: directory /var/log/supd does not exist`,
        `${F}:3: [supervisord] pidfile=/run/supd.pid: directory /run does not exist`,
        `${F}:7: [program:web] user=steam: Can't find username 'steam'`,
        `${F}:8: [program:web] stdout_logfile=/srv/logs/web.log: directory /srv/logs does not exist`,
      ],
      warnings: [`${F}:11: [program:api] command=api-server: can't find command 'api-server' (the program will fail to start)`],
    });
  });

  it('at start and on reload only warns, saying what supd does instead, and checks no commands', () => {
    const { errors, warnings } = check(CONFIG, false);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([
      `${F}:2: [supervisord] logfile=/var/log/supd/supd.log: directory /var/log/supd does not exist: supd writes the file once the directory appears (supervisord refuses this config, and so does supd --check)`,
      `${F}:3: [supervisord] pidfile=/run/supd.pid: directory /run does not exist: supd writes the file once the directory appears (supervisord refuses this config, and so does supd --check)`,
      `${F}:7: [program:web] user=steam: Can't find username 'steam': the program cannot start (supervisord refuses this config, and so does supd --check)`,
      `${F}:8: [program:web] stdout_logfile=/srv/logs/web.log: directory /srv/logs does not exist: supd writes the file once the directory appears (supervisord refuses this config, and so does supd --check)`,
    ]);
  });

  it('always refuses an unknown chown= user or group and an unknown [supervisord] user=', () => {
    const text = '[supervisord]\nuser=nobodyx\n[unix_http_server]\nfile=/tmp/s.sock\nchown=www:wheelx\n';
    for (const strict of [true, false]) {
      expect(check(text, strict).errors).toEqual([
        `${F}:2: [supervisord] user=nobodyx: Can't find username 'nobodyx'`,
        `${F}:5: [unix_http_server] chown=www:wheelx: invalid chown value: Can't find group 'wheelx'`,
      ]);
    }
  });

  it('accepts what exists: numeric users, relative log names, a directory of "/"', () => {
    const text = '[supervisord]\nlogfile=supd.log\n[program:a]\ncommand=/bin/sh\nuser=0\nstdout_logfile=/a.log\n';
    expect(check(text, true)).toEqual({ errors: [], warnings: [] });
  });
});

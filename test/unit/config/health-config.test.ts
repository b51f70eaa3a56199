import { describe, expect, it } from 'vitest';
import { configOf, errorsOf } from './fake-files.js';

const F = '/etc/supd/supd.conf';
const head = '[supervisord]\n'; // line 1

describe('[status_http_server]', () => {
  it('reads port as host:port, *:port or port, and 0 for a port the kernel picks', () => {
    expect(configOf(`${head}[status_http_server]\nport=127.0.0.1:8081\n`).config.statusHttpServer).toEqual({ host: '127.0.0.1', port: 8081 });
    expect(configOf(`${head}[status_http_server]\nport=*:8081\n`).config.statusHttpServer).toEqual({ host: '', port: 8081 });
    expect(configOf(`${head}[status_http_server]\nport=0\n`).config.statusHttpServer).toEqual({ host: '', port: 0 });
  });

  it('is absent unless the section is written', () => {
    expect(configOf(head).config.statusHttpServer).toBeNull();
  });

  it('refuses a bad port and a missing one, naming file and line', () => {
    expect(errorsOf(`${head}[status_http_server]\nport=http\n`)).toEqual([
      `${F}:3: [status_http_server] port=http: expected a port (0-65535) or host:port`,
    ]);
    expect(errorsOf(`${head}[status_http_server]\n`)).toEqual([`${F}:2: [status_http_server] missing port= (it is required in this section)`]);
  });
});

const procOf = (text: string, name = 'web') => {
  const { config } = configOf(text);
  const p = config.groups.flatMap((g) => g.processes).find((x) => x.name === name);
  if (p === undefined) throw new Error(`no process ${name}`);
  return p;
};

describe('health checks in [program:x]', () => {
  it('reads an HTTP check with Docker-style timing, fractions of a second allowed', () => {
    const p = procOf(`${head}[program:web]\ncommand=run\nhealthcheck_http=http://127.0.0.1:8080/healthz\nhealthcheck_interval=0.5\nhealthcheck_timeout=0.2\nhealthcheck_retries=2\nhealthcheck_start_period=5\nhealthcheck_action=none\n`);
    expect(p.healthcheck).toEqual({
      probe: { kind: 'http', url: 'http://127.0.0.1:8080/healthz' },
      intervalMs: 500,
      timeoutMs: 200,
      retries: 2,
      startPeriodMs: 5000,
      action: 'none',
    });
  });

  it('has Docker defaults: every 10 s, 3 s timeout, 3 retries, no start period, restart', () => {
    expect(procOf(`${head}[program:web]\ncommand=run\nhealthcheck_tcp=:5432\n`).healthcheck).toEqual({
      probe: { kind: 'tcp', host: '127.0.0.1', port: 5432 },
      intervalMs: 10_000,
      timeoutMs: 3_000,
      retries: 3,
      startPeriodMs: 0,
      action: 'restart',
    });
  });

  it('expands a check command per process, as command is', () => {
    const { config } = configOf(`${head}[program:web]\ncommand=run\nnumprocs=2\nprocess_name=web_%(process_num)d\nhealthcheck_command=probe --port 80%(process_num)02d\n`);
    expect(config.groups[0]!.processes.map((p) => p.healthcheck?.probe)).toEqual([
      { kind: 'command', command: 'probe --port 8000' },
      { kind: 'command', command: 'probe --port 8001' },
    ]);
  });

  it('leaves a program without these keys exactly as before (no health, no dependencies)', () => {
    const p = procOf(`${head}[program:web]\ncommand=run\n`);
    expect(Object.keys(p)).not.toContain('healthcheck');
    expect(Object.keys(p)).not.toContain('dependsOn');
  });

  it.each([
    ['healthcheck_http=http://a/\nhealthcheck_tcp=a:1', 'healthcheck_tcp=a:1: only one of healthcheck_command, healthcheck_http and healthcheck_tcp may be set (healthcheck_http is set too)'],
    ['healthcheck_http=ftp://x/', 'healthcheck_http=ftp://x/: expected an http:// or https:// URL, e.g. http://127.0.0.1:8080/healthz'],
    ['healthcheck_tcp=localhost:99999', 'healthcheck_tcp=localhost:99999: expected HOST:PORT (port 1-65535), e.g. 127.0.0.1:5432'],
    ['healthcheck_command="unclosed', `healthcheck_command="unclosed: can't parse command: No closing quotation`],
    ['healthcheck_tcp=:1\nhealthcheck_interval=2', 'healthcheck_interval=2: healthcheck_timeout (3 s) must be less than healthcheck_interval (2 s)'],
    ['healthcheck_tcp=:1\nhealthcheck_retries=0', 'healthcheck_retries=0: expected an integer >= 1'],
    ['healthcheck_tcp=:1\nhealthcheck_action=kill', 'healthcheck_action=kill: expected restart or none'],
    ['healthcheck_tcp=:1\nhealthcheck_interval=soon', 'healthcheck_interval=soon: expected a number of seconds > 0 (fractions allowed, e.g. 0.5)'],
  ])('%s is one error naming file, line and key', (lines, message) => {
    expect(errorsOf(`${head}[program:web]\ncommand=run\n${lines}\n`)).toEqual([expect.stringMatching(new RegExp(`^${F}:\\d+: \\[program:web\\] ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`))]);
  });
});

describe('depends_on', () => {
  const three = `${head}[program:db]\ncommand=db\nhealthcheck_http=http://127.0.0.1:5432/\n[program:migrate]\ncommand=migrate\n[program:web]\ncommand=web\n`;

  it('reads names with a condition, running by default, commas or spaces between', () => {
    expect(procOf(`${three}depends_on=db:healthy, migrate:completed cache\n[program:cache]\ncommand=c\n`).dependsOn).toEqual([
      { name: 'db', conditions: ['healthy'] },
      { name: 'migrate', conditions: ['completed'] },
      { name: 'cache', conditions: ['running'] },
    ]);
  });

  it('accepts group:process, with or without a condition', () => {
    const text = `${head}[group:infra]\nprograms=db\n[program:db]\ncommand=db\n[program:web]\ncommand=web\ndepends_on=infra:db infra:db:running\n`;
    expect(procOf(text).dependsOn).toEqual([
      { name: 'infra:db', conditions: ['running'] },
      { name: 'infra:db', conditions: ['running'] },
    ]);
  });

  it('refuses unknown names, a program depending on itself, and healthy without a health check', () => {
    expect(errorsOf(`${three}depends_on=nosuch\n`)).toEqual([`${F}:9: [program:web] depends on 'nosuch', which is no program, group or group:process`]);
    expect(errorsOf(`${three}depends_on=web\n`)).toEqual([`${F}:9: [program:web] depends on itself ('web')`]);
    expect(errorsOf(`${three}depends_on=migrate:healthy\n`)).toEqual([
      `${F}:9: [program:web] depends on 'migrate:healthy', but migrate has no health check (healthcheck_command, healthcheck_http or healthcheck_tcp)`,
    ]);
  });

  it('refuses a cycle, printing it with the file and line of each depends_on', () => {
    const text = `${head}[program:a]\ncommand=a\ndepends_on=b\n[program:b]\ncommand=b\ndepends_on=c\n[program:c]\ncommand=c\ndepends_on=a\n`;
    expect(errorsOf(text)).toEqual([
      `${F}:4: [program:a] depends_on forms a cycle: a -> b -> c -> a; depends_on of a (${F}:4), b (${F}:7), c (${F}:10)`,
    ]);
  });
});

describe("supervisord-dependent-startup's keys", () => {
  it('read as depends_on: running stays running, exited means completed, and the program autostarts', () => {
    // The shape of SONiC's syncd container config (rsyslogd, wait-interfaces, syncd).
    const text = `${head}[program:rsyslogd]\ncommand=rsyslogd -n\nautostart=false\ndependent_startup=true\n[program:wait-interfaces]\ncommand=wait.sh\nstartsecs=0\nautostart=false\nautorestart=false\ndependent_startup=true\n[program:syncd]\ncommand=syncd\nautostart=false\ndependent_startup=true\ndependent_startup_wait_for=rsyslogd:running wait-interfaces:exited\n`;
    const p = procOf(text, 'syncd');
    expect(p).toMatchObject({ autostart: true, dependsOn: [{ name: 'rsyslogd', conditions: ['running'] }, { name: 'wait-interfaces', conditions: ['completed'] }] });
    expect(procOf(text, 'rsyslogd')).toMatchObject({ autostart: true });
  });

  it('refuses a state supd cannot wait for, naming it', () => {
    expect(errorsOf(`${head}[program:a]\ncommand=a\n[program:b]\ncommand=b\ndependent_startup=true\ndependent_startup_wait_for=a:fatal\n`)).toEqual([
      `${F}:7: [program:b] dependent_startup_wait_for=a:fatal: state 'fatal' of 'a:fatal': supd reads running and exited (as depends_on's running and completed)`,
    ]);
  });
});

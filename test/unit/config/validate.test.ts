import { describe, expect, it } from 'vitest';
import { configOf, errorsOf } from './fake-files.js';

const F = '/etc/supd/supd.conf';
const head = '[supervisord]\n'; // line 1

describe('a value supd cannot use', () => {
  // Each case: the line written at line 3 of [program:web], and the one error it must give.
  it.each([
    ['startsecs=abc', 'startsecs=abc: expected an integer'],
    ['autostart=perhaps', 'autostart=perhaps: expected true or false (or yes/no, on/off, 1/0)'],
    ['autorestart=maybe', 'autorestart=maybe: expected true, false or unexpected'],
    ['stopsignal=TERMINATE', 'stopsignal=TERMINATE: unknown signal; expected a name such as TERM, HUP, INT, QUIT, KILL, USR1, USR2 or a number'],
    ['exitcodes=0,300', 'exitcodes=0,300: expected a comma-separated list of exit codes (0-255)'],
    ['stdout_logfile_maxbytes=lots', 'stdout_logfile_maxbytes=lots: expected a byte size such as 1024, 500KB, 50MB or 1GB'],
    ['umask=999', 'umask=999: expected an octal number such as 022'],
    ['environment=A=user@host', 'environment=A=user@host: expected KEY=value pairs separated by commas; quote values containing spaces, commas or other punctuation (KEY="a b")'],
    ['priority=%(nope)s', 'priority=%(nope)s: %(nope)s cannot be expanded here; available: group_name, here, host_node_name, program_name, ENV_<variable> (write %% for a literal %)'],
    ['directory=%(ENV_NOPE)s', 'directory=%(ENV_NOPE)s: %(ENV_NOPE)s: environment variable NOPE is not set'],
    ['stopwaitsecs=%(ENV_APP)s', "stopwaitsecs=%(ENV_APP)s: expected an integer (it expands to 'shop')"],
    ['startretries=1.5', 'startretries=1.5: expected an integer or infinite'],
    ['killasgroup=false\nstopasgroup=true', 'killasgroup=false: cannot be false when stopasgroup=true'],
    ['process_name=web %(process_num)s', "process_name=web %(process_num)s: invalid name 'web 0': it contains ' '"],
  ])('%s gives exactly one error naming file, line, section and key', (line, message) => {
    expect(errorsOf(`${head}[program:web]\n${line}\ncommand=run\n`)).toEqual([`${F}:3: [program:web] ${message}`]);
  });

  it('reports a missing command at the section header', () => {
    expect(errorsOf(`${head}[program:web]\nautostart=true\n`)).toEqual([
      `${F}:2: [program:web] missing command= (it is required in this section)`,
    ]);
  });

  it('reports a command shlex cannot split, and an empty one', () => {
    expect(errorsOf(`${head}[program:web]\ncommand=sh -c "echo\n[program:b]\ncommand=\n`)).toEqual([
      `${F}:3: [program:web] command=sh -c "echo: can't parse command: No closing quotation`,
      `${F}:5: [program:b] command=: command is empty`,
    ]);
  });

  it('reports a bad %-expansion in the command', () => {
    expect(errorsOf(`${head}[program:web]\ncommand=date +%s\n`)).toEqual([
      `${F}:3: [program:web] command=date +%s: '%s' at index 6 has no (name); write %(name)s, or %% for a literal %`,
    ]);
  });

  it('collects every error of every section, not just the first', () => {
    expect(errorsOf(`${head}[program:a]\ncommand=run\nstartsecs=abc\nstartretries=x\n[program:b]\ncommand=run\nautorestart=maybe\n`)).toEqual([
      `${F}:4: [program:a] startsecs=abc: expected an integer`,
      `${F}:5: [program:a] startretries=x: expected an integer or infinite`,
      `${F}:8: [program:b] autorestart=maybe: expected true, false or unexpected`,
    ]);
  });

  it('refuses a config without [supervisord], as supervisord does', () => {
    expect(errorsOf('[program:web]\ncommand=run\n')).toEqual([
      `${F}: no [supervisord] section (supervisord requires one, in this file or an [include]d one)`,
    ]);
  });

  it('reports [fcgi-program:x] as not supported', () => {
    expect(errorsOf(`${head}[fcgi-program:api]\nsocket=tcp://localhost:8000\ncommand=run\n`)).toEqual([
      `${F}:2: [fcgi-program:api] is not supported by supd`,
    ]);
  });

  it('refuses a program name with a space, colon or slash', () => {
    expect(errorsOf(`${head}[program:my web]\ncommand=run\n`)).toEqual([`${F}:2: [program:my web] invalid name 'my web': it contains ' '`]);
  });

  it('requires both username and password on a server section, or neither', () => {
    expect(errorsOf(`${head}[unix_http_server]\nfile=/tmp/s.sock\nusername=u\n`)).toEqual([
      `${F}:2: [unix_http_server] incomplete authentication: give both username= and password=, or neither`,
    ]);
  });

  it('requires port= in [inet_http_server] and file= in [unix_http_server]', () => {
    expect(errorsOf(`${head}[inet_http_server]\nusername=u\npassword=p\n[unix_http_server]\n`)).toEqual([
      `${F}:2: [inet_http_server] missing port= (it is required in this section)`,
      `${F}:5: [unix_http_server] missing file= (it is required in this section)`,
    ]);
  });
});

describe('unknown keys and sections', () => {
  it('are warnings naming the key, and the config still loads', () => {
    const { warnings } = configOf(`${head}[program:web]\ncommand=run\nstartdelay=5\nhealthcheck=true\n[foo]\n`);
    expect(warnings).toEqual([
      `${F}:4: [program:web] unknown key 'startdelay' (ignored)`,
      `${F}:5: [program:web] unknown key 'healthcheck' (ignored)`,
      `${F}:6: [foo] unknown section (ignored)`,
    ]);
  });

  it('accepts [rpcinterface:x] and [ctlplugin:x] silently', () => {
    const { warnings } = configOf(
      `${head}[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n`,
    );
    expect(warnings).toEqual([]);
  });
});

describe('a [program:x] with every key left to its default', () => {
  it('gets supervisord 4.2.5 defaults', () => {
    const { config } = configOf(`${head}[program:web]\ncommand=run\n`);
    expect(config.groups).toHaveLength(1);
    expect(config.groups[0]).toMatchObject({ name: 'web', kind: 'program', priority: 999 });
    expect(config.groups[0]?.processes[0]).toEqual({
      name: 'web',
      programName: 'web',
      groupName: 'web',
      processNum: 0,
      numprocs: 1,
      command: 'run',
      priority: 999,
      autostart: true,
      startSecs: 1,
      startRetries: 3,
      autorestart: 'unexpected',
      exitCodes: [0],
      stopSignal: 'TERM',
      stopWaitMs: 10_000,
      stopAsGroup: false,
      killAsGroup: false,
      user: null,
      redirectStderr: false,
      stdout: { logfile: 'AUTO', logfileMaxBytes: 52428800, logfileBackups: 10, captureMaxBytes: 0, eventsEnabled: false, syslog: false },
      stderr: { logfile: 'AUTO', logfileMaxBytes: 52428800, logfileBackups: 10, captureMaxBytes: 0, eventsEnabled: false, syslog: false },
      environment: {},
      directory: null,
      umask: null,
      serverUrl: null,
      containerLogs: { enabled: false, format: 'prefixed', lineMaxBytes: 16 * 1024 },
      backoffDelayMs: 1000,
      backoffFactor: null,
      backoffLimitMs: 30_000,
      shutdownOn: null,
      stopAsTree: false,
      origin: { file: F, line: 2, section: 'program:web' },
    });
  });

  it('has supervisord defaults for [supervisord] and [supervisorctl]', () => {
    const { config } = configOf(head, {}, { TMPDIR: '/var/tmp' });
    expect(config.supervisord).toEqual({
      logfile: 'supervisord.log',
      logfileMaxBytes: 52428800,
      logfileBackups: 10,
      loglevel: 'info',
      pidfile: 'supervisord.pid',
      nodaemon: false,
      minfds: 1024,
      minprocs: 200,
      umask: 0o22,
      user: null,
      directory: null,
      identifier: 'supervisor',
      environment: {},
      childlogdir: '/var/tmp',
      stripAnsi: false,
      nocleanup: false,
      silent: false,
      forwardSignals: [],
      containerLogs: { enabled: false, format: 'prefixed', lineMaxBytes: 16 * 1024 },
      logFormat: 'text',
      shutdownStuckTimeoutMs: 30_000,
      jobOutputMaxBytes: 1024 * 1024,
      jobHistory: 100,
    });
    expect(config.supervisorctl).toMatchObject({ serverUrl: 'http://localhost:9001', prompt: 'supervisor' });
    expect(config.unixHttpServer).toBeNull();
    expect(config.inetHttpServer).toBeNull();
  });
});

describe('program settings', () => {
  it('makes killasgroup follow stopasgroup unless set', () => {
    const { config } = configOf(`${head}[program:web]\ncommand=run\nstopasgroup=true\n`);
    expect(config.groups[0]?.processes[0]).toMatchObject({ stopAsGroup: true, killAsGroup: true });
  });

  it('drops the stderr log when redirect_stderr=true, warning if one was named', () => {
    const { config, warnings } = configOf(`${head}[program:web]\ncommand=run\nredirect_stderr=true\nstderr_logfile=/var/log/e.log\n`);
    expect(config.groups[0]?.processes[0]?.stderr.logfile).toBeNull();
    expect(warnings).toEqual([`${F}:5: [program:web] stderr_logfile=/var/log/e.log: ignored because redirect_stderr=true`]);
  });

  it('reads NONE, AUTO and paths (with ~) for log files, any case', () => {
    const { config } = configOf(
      `${head}[program:web]\ncommand=run\nstdout_logfile=none\nstderr_logfile=~/logs/%(program_name)s.err\n`,
    );
    expect(config.groups[0]?.processes[0]?.stdout.logfile).toBeNull();
    expect(config.groups[0]?.processes[0]?.stderr.logfile).toBe('/home/u/logs/web.err');
  });

  it('keeps environment= pairs, multi-line and quoted, expanded per process', () => {
    const { config } = configOf(
      `${head}[program:web]\ncommand=run\nnumprocs=2\nprocess_name=w%(process_num)d\nenvironment=A="x,y",\n  N=%(process_num)d,\n  H=%(ENV_HOME)s\n`,
    );
    expect(config.groups[0]?.processes.map((p) => p.environment)).toEqual([
      { A: 'x,y', N: '0', H: '/home/u' },
      { A: 'x,y', N: '1', H: '/home/u' },
    ]);
  });

  it('lets later keys use the program environment as %(ENV_X)s, and [supervisord] environment everywhere', () => {
    const { config } = configOf(
      `[supervisord]\nenvironment=TOP=t\n[program:web]\nenvironment=MINE=m\ncommand=run %(ENV_MINE)s %(ENV_TOP)s\n`,
    );
    expect(config.groups[0]?.processes[0]?.command).toBe('run m t');
    expect(config.supervisord.environment).toEqual({ TOP: 't' });
  });

  it('reads the supd extension forward_signals', () => {
    const { config } = configOf('[supervisord]\nforward_signals=USR1 WINCH\n');
    expect(config.supervisord.forwardSignals).toEqual(['USR1', 'WINCH']);
  });
});

describe('expansion names per key', () => {
  it('offers program_name, group_name, host_node_name, here, process_num and numprocs to the command', () => {
    const { config } = configOf(
      `${head}[group:shop]\nprograms=web\n[program:web]\ncommand=run %(program_name)s %(group_name)s %(host_node_name)s %(here)s %(process_num)d/%(numprocs)d %%\n`,
    );
    expect(config.groups[0]?.processes[0]?.command).toBe('run web shop box1 /etc/supd 0/1 %');
  });

  it('does not offer process_num to a per-section key such as priority', () => {
    expect(errorsOf(`${head}[program:web]\ncommand=run\npriority=%(process_num)d\n`)[0]).toContain(
      'priority=%(process_num)d: %(process_num)s cannot be expanded here',
    );
  });

  it('expands %(here)s to the directory of the file the value was written in', () => {
    const { config } = configOf(`${head}[include]\nfiles=conf.d/*.conf\n`, {
      '/etc/supd/conf.d/web.conf': '[program:web]\ncommand=%(here)s/run\n',
    });
    expect(config.groups[0]?.processes[0]?.command).toBe('/etc/supd/conf.d/run');
  });
});

describe('numprocs', () => {
  it('names each process from process_name with %(process_num) formats', () => {
    const { config } = configOf(
      `${head}[program:worker]\ncommand=work --n %(process_num)d\nnumprocs=3\nnumprocs_start=8\nprocess_name=%(program_name)s_%(process_num)02d\n`,
    );
    const processes = config.groups[0]?.processes ?? [];
    expect(processes.map((p) => [p.name, p.processNum, p.command])).toEqual([
      ['worker_08', 8, 'work --n 8'],
      ['worker_09', 9, 'work --n 9'],
      ['worker_10', 10, 'work --n 10'],
    ]);
    expect(processes.map((p) => [p.name, p.numprocs, p.groupName])).toEqual([
      ['worker_08', 3, 'worker'],
      ['worker_09', 3, 'worker'],
      ['worker_10', 3, 'worker'],
    ]);
  });

  it('refuses numprocs > 1 when process_name lacks %(process_num)', () => {
    expect(errorsOf(`${head}[program:worker]\ncommand=work\nnumprocs=2\n`)).toEqual([
      `${F}:4: [program:worker] numprocs=2: numprocs=2 needs %(process_num) in process_name, e.g. process_name=%(program_name)s_%(process_num)02d`,
    ]);
    expect(errorsOf(`${head}[program:worker]\ncommand=work\nnumprocs=2\nprocess_name=w\n`)).toEqual([
      `${F}:5: [program:worker] process_name=w: numprocs=2 needs %(process_num) in process_name, e.g. process_name=%(program_name)s_%(process_num)02d`,
    ]);
  });

  it('accepts numprocs=0 or below as supervisord does, a group without processes, and says so', () => {
    for (const n of ['0', '-5']) {
      const { config, warnings } = configOf(`${head}[program:worker]
command=work
numprocs=${n}
`);
      expect(config.groups.map((g) => [g.name, g.processes.length])).toEqual([['worker', 0]]);
      expect(warnings).toEqual([`${F}:4: [program:worker] numprocs=${n}: this program has no processes (supervisord accepts it the same way)`]);
    }
  });

  it('accepts negative startsecs, startretries and stopwaitsecs as supervisord 4.2.5 does, and keeps them as written', () => {
    // supervisord's datatypes.integer takes any int for these (checked with its ServerOptions).
    const { config, warnings } = configOf(`${head}[program:w]
command=w
startsecs=-1
startretries=-5
stopwaitsecs=-2_0
`);
    expect(config.groups[0]?.processes.map((p) => [p.startSecs, p.startRetries, p.stopWaitMs])).toEqual([[-1, -5, -20_000]]);
    expect(warnings).toEqual([]);
  });

  it('accepts a negative numprocs_start as supervisord does', () => {
    const { config } = configOf(`${head}[program:w]
command=w
numprocs=2
numprocs_start=-1
process_name=w%(process_num)d
`);
    expect(config.groups[0]?.processes.map((p) => p.name)).toEqual(['w-1', 'w0']);
  });
});

describe('groups', () => {
  it('gives each program its own group unless a [group:g] lists it, ordered by (priority, name)', () => {
    const { config } = configOf(
      `${head}[program:b]\ncommand=b\n[program:a]\ncommand=a\npriority=5\n[program:web]\ncommand=w\npriority=2\n[program:api]\ncommand=x\npriority=1\n[group:shop]\nprograms=web,api\npriority=5\n`,
    );
    expect(config.groups.map((g) => [g.name, g.priority, g.processes.map((p) => p.name)])).toEqual([
      ['a', 5, ['a']],
      ['shop', 5, ['api', 'web']],
      ['b', 999, ['b']],
    ]);
    expect(config.groups[1]?.processes.map((p) => p.groupName)).toEqual(['shop', 'shop']);
  });

  it('starts event listener pools first (priority -1) and keeps their settings', () => {
    const { config } = configOf(
      `${head}[program:web]\ncommand=w\npriority=1\n[eventlistener:watch]\ncommand=l\nevents=PROCESS_STATE, tick_60\nbuffer_size=20\n`,
    );
    expect(config.groups.map((g) => [g.name, g.kind, g.priority])).toEqual([
      ['watch', 'eventlistener', -1],
      ['web', 'program', 1],
    ]);
    expect(config.groups[0]?.eventListener).toEqual({
      events: ['PROCESS_STATE', 'TICK_60'],
      bufferSize: 20,
      resultHandler: 'supervisor.dispatchers:default_handler',
    });
  });

  it.each([
    ['[eventlistener:watch]\ncommand=l\n', `${F}:2: [eventlistener:watch] missing events= (it is required in this section)`],
    ['[eventlistener:watch]\ncommand=l\nevents=NOPE\n', `${F}:4: [eventlistener:watch] events=NOPE: unknown event type NOPE`],
    ['[eventlistener:watch]\ncommand=l\nevents=TICK_5\nbuffer_size=0\n', `${F}:5: [eventlistener:watch] buffer_size=0: expected an integer >= 1`],
    [
      '[eventlistener:watch]\ncommand=l\nevents=TICK_5\nredirect_stderr=true\n',
      `${F}:5: [eventlistener:watch] redirect_stderr=true: not allowed in an event listener: stderr would interfere with the event listener protocol`,
    ],
  ])('refuses a broken event listener: %j', (section, message) => {
    expect(errorsOf(`${head}${section}`)).toEqual([message]);
  });

  it.each([
    ['[group:g]\nprograms=nope\n', `${F}:3: [group:g] programs=nope: names unknown program nope`],
    ['[program:a]\ncommand=a\n[group:g]\nprograms=a,a\n', `${F}:5: [group:g] programs=a,a: lists program a twice`],
    [
      '[program:a]\ncommand=a\n[group:g]\nprograms=a\n[group:h]\nprograms=a\n',
      `${F}:7: [group:h] programs=a: program a is already in [group:g]`,
    ],
    [
      '[program:a]\ncommand=a\n[program:web]\ncommand=w\n[group:web]\nprograms=a\n',
      `${F}:4: [program:web] group name 'web' is already used by [group:web], which does not list program web`,
    ],
    [
      '[program:a]\ncommand=a\n[eventlistener:a]\ncommand=l\nevents=TICK_5\n',
      `${F}:4: [eventlistener:a] group name 'a' is already used by [program:a]`,
    ],
    [
      '[program:a]\ncommand=a\nprocess_name=same\n[program:b]\ncommand=b\nprocess_name=same\n[group:g]\nprograms=a,b\n',
      `${F}:5: [program:b] two processes named 'same' in group g (from [program:a] and [program:b])`,
    ],
  ])('reports a name clash once: %j', (sections, message) => {
    expect(errorsOf(`${head}${sections}`)).toEqual([message]);
  });
});

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { configOf, errorsOf, fakeFiles } from './fake-files.js';

const F = '/etc/supd/supd.conf';

describe('[include] files=', () => {
  it('reads each glob relative to the main file, matches in sorted order, later files winning', () => {
    const { config } = configOf('[supervisord]\n[include]\nfiles=conf.d/*.conf /opt/extra.ini\n', {
      '/etc/supd/conf.d/b.conf': '[program:web]\ncommand=from-b\n',
      '/etc/supd/conf.d/a.conf': '[program:web]\ncommand=from-a\npriority=3\n[program:api]\ncommand=api\n',
      '/opt/extra.ini': '[program:web]\nautostart=false\n',
    });
    const web = config.groups.find((g) => g.name === 'web')?.processes[0];
    expect(web).toMatchObject({ command: 'from-b', priority: 3, autostart: false });
    // [program:api] was first seen in a.conf and keeps its origin there.
    expect(config.groups.find((g) => g.name === 'api')?.origin).toEqual({ file: '/etc/supd/conf.d/a.conf', line: 4, section: 'program:api' });
  });

  it('warns about a pattern that matches nothing and carries on', () => {
    const { warnings } = configOf('[supervisord]\n[include]\nfiles=none/*.conf\n');
    expect(warnings).toEqual([`${F}:3: [include] files=none/*.conf: no file matches include pattern /etc/supd/none/*.conf`]);
  });

  it('warns about an [include] in an included file and does not follow it', () => {
    const { config, warnings } = configOf('[supervisord]\n[include]\nfiles=conf.d/*.conf\n', {
      '/etc/supd/conf.d/a.conf': '[program:a]\ncommand=a\n[include]\nfiles=/etc/supd/more/*.conf\n',
      '/etc/supd/more/b.conf': '[program:b]\ncommand=b\n',
    });
    expect(config.groups.map((g) => g.name)).toEqual(['a']);
    expect(warnings).toEqual([
      "/etc/supd/conf.d/a.conf:3: [include] ignored: only the main config file's [include] is read, as in supervisord",
    ]);
  });

  it('expands %(here)s, %(host_node_name)s and %(ENV_X)s in files=', () => {
    const { config } = configOf('[supervisord]\n[include]\nfiles=%(here)s/%(ENV_APP)s-%(host_node_name)s.conf\n', {
      '/etc/supd/shop-box1.conf': '[program:a]\ncommand=a\n',
    });
    expect(config.groups.map((g) => g.name)).toEqual(['a']);
  });

  it('takes [supervisord] from an included file', () => {
    const { config } = configOf('[include]\nfiles=conf.d/*.conf\n', {
      '/etc/supd/conf.d/s.conf': '[supervisord]\nnodaemon=true\n',
    });
    expect(config.supervisord).toMatchObject({ nodaemon: true });
  });

  it('reports errors in included files with their own file and line, after the main file', () => {
    expect(
      errorsOf('[supervisord]\n[include]\nfiles=conf.d/*.conf\n[program:m]\ncommand=m\nstartsecs=x\n', {
        '/etc/supd/conf.d/a.conf': '[program:a]\ncommand=a\nstartsecs=abc\n',
      }),
    ).toEqual([
      `${F}:6: [program:m] startsecs=x: expected an integer`,
      '/etc/supd/conf.d/a.conf:3: [program:a] startsecs=abc: expected an integer',
    ]);
  });

  it('refuses an [include] without files=', () => {
    expect(errorsOf('[supervisord]\n[include]\n')).toEqual([`${F}:2: [include] missing files= (an [include] section needs one)`]);
  });
});

describe('the main file', () => {
  it('is one error naming the file when it cannot be read', () => {
    const r = loadConfig('/nope/supd.conf', fakeFiles(new Map()), {}, 'box1');
    expect(r.ok ? [] : r.errors.map((e) => e.message)).toEqual(['/nope/supd.conf: cannot read config file: no such file']);
  });
});

import { describe, expect, it } from 'vitest';
import { findConfigFile, resolveServerSettings } from '../../../src/cli/supctl/server-settings.js';

const none = { serverUrl: null, username: null, password: null };

describe('finding the server', () => {
  it('uses [supervisorctl] serverurl, username and password, expanding %(here)s and %(ENV_X)s', () => {
    const text = '[supervisorctl]\nserverurl = unix://%(here)s/run/supd.sock ; inline comment\nusername = %(ENV_WHO)s\npassword: pw\n';
    expect(resolveServerSettings(none, { file: '/etc/supd/supd.conf', text }, { WHO: 'admin' })).toEqual({
      serverUrl: 'unix:///etc/supd/run/supd.sock', username: 'admin', password: 'pw',
      source: { kind: 'config', config: { file: '/etc/supd/supd.conf', isSearched: false }, setting: '[supervisorctl] serverurl' },
    });
  });

  it('falls back to [unix_http_server] file and its credentials when [supervisorctl] has no serverurl', () => {
    const text = '[unix_http_server]\nfile=/run/supd.sock\nusername=u\npassword={SHA}abc\n\n[supervisorctl]\n';
    expect(resolveServerSettings(none, { file: '/etc/supd.conf', text }, {})).toMatchObject({
      serverUrl: 'unix:///run/supd.sock', username: 'u', password: '{SHA}abc', source: { kind: 'config', setting: '[unix_http_server] file' },
    });
  });

  it('falls back to [inet_http_server] port on localhost', () => {
    expect(resolveServerSettings(none, { file: '/e/s.conf', text: '[inet_http_server]\nport=*:9002\n' }, {}).serverUrl).toBe('http://localhost:9002');
    expect(resolveServerSettings(none, { file: '/e/s.conf', text: '[inet_http_server]\nport=9003\n' }, {}).serverUrl).toBe('http://localhost:9003');
  });

  it('reads only its own sections of a CRLF config, whatever other sections hold', () => {
    const text = '[program:web]\r\ncommand=sleep 1\r\nserverurl=unix:///wrong.sock\r\n\r\n[supervisorctl]\r\nserverurl=unix:///right.sock\r\nusername=u\r\n  continued\r\n[program:db]\r\nusername=wrong\r\n';
    expect(resolveServerSettings(none, { file: '/e/s.conf', text }, {})).toMatchObject({ serverUrl: 'unix:///right.sock', username: 'u\ncontinued', password: null });
  });

  it('finds its sections among hundreds of others, ignoring what follows a header and brackets inside lines', () => {
    const programs = Array.from({ length: 500 }, (_, i) => `[program:p${i}]\ncommand=sleep 1\nserverurl=unix:///wrong${i}.sock\n`).join('\n');
    const text = `${programs}\n[supervisorctl]   ; the client\nserverurl=unix:///right.sock\nusername=[u]\n  [not a header]\n${programs}[supervisorctl]\npassword=pw\n`;
    expect(resolveServerSettings(none, { file: '/e/s.conf', text }, {})).toMatchObject({ serverUrl: 'unix:///right.sock', username: '[u]\n[not a header]', password: 'pw' });
  });

  it('lets -s beat SUPCTL_SERVERURL, which beats the config', () => {
    const config = { file: '/e/s.conf', text: '[supervisorctl]\nserverurl=unix:///from/config.sock\n' };
    expect(resolveServerSettings(none, config, { SUPCTL_SERVERURL: 'unix:///from/env.sock' }).serverUrl).toBe('unix:///from/env.sock');
    expect(resolveServerSettings({ ...none, serverUrl: 'http://h:1' }, config, { SUPCTL_SERVERURL: 'unix:///e.sock' }).serverUrl).toBe('http://h:1');
  });

  it('defaults to supervisorctl’s http://localhost:9001 without any config', () => {
    expect(resolveServerSettings(none, null, {})).toEqual({
      serverUrl: 'http://localhost:9001', username: null, password: null, source: { kind: 'default', config: null },
    });
  });

  it('searches supd.conf before supervisord.conf, in the documented order', () => {
    const present = new Set(['/srv/etc/supd.conf', '/etc/supervisor/supervisord.conf', '/srv/supervisord.conf']);
    expect(findConfigFile('/srv', (p) => present.has(p))).toBe('/srv/etc/supd.conf');
    present.delete('/srv/etc/supd.conf');
    expect(findConfigFile('/srv', (p) => present.has(p))).toBe('/srv/supervisord.conf');
    expect(findConfigFile('/srv', () => false)).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { describeConnectionFailure } from '../../../src/cli/supctl/connection-error.js';
import { resolveServerSettings } from '../../../src/cli/supctl/server-settings.js';

const none = { serverUrl: null, username: null, password: null };
const DEBIAN = '/etc/supervisor/supervisord.conf';

describe('what supctl says when it cannot reach the server', () => {
  it('names a missing socket file and the config file, found without -c, that gave the address', () => {
    const { serverUrl, source } = resolveServerSettings(
      none,
      { file: DEBIAN, text: '[unix_http_server]\nfile=/var/run/supervisor.sock\n', isSearched: true },
      {},
    );
    expect(describeConnectionFailure('ENOENT', serverUrl, source)).toEqual(
      'cannot connect to unix:///var/run/supervisor.sock: no such socket file (is supd running?); ' +
        `the address is [unix_http_server] file in ${DEBIAN} (found without -c: use -c FILE to read another)`,
    );
  });

  it('tells a refused socket from a missing one', () => {
    const { serverUrl, source } = resolveServerSettings(none, { file: '/e/s.conf', text: '[supervisorctl]\nserverurl=unix:///run/s.sock\n' }, {});
    expect(describeConnectionFailure('ECONNREFUSED', serverUrl, source)).toEqual(
      'cannot connect to unix:///run/s.sock: connection refused (the socket file is there but nothing listens: has supd stopped?); ' +
        'the address is [supervisorctl] serverurl in /e/s.conf',
    );
  });

  it('says when the config has no control server at all, rather than asking whether supd runs', () => {
    const { serverUrl, source } = resolveServerSettings(none, { file: '/e/s.conf', text: '[program:web]\ncommand=sleep 1\n' }, {});
    expect(describeConnectionFailure('ECONNREFUSED', serverUrl, source)).toEqual(
      'cannot connect to http://localhost:9001: connection refused (is supd running and listening there?); ' +
        '/e/s.conf has no [unix_http_server] or [inet_http_server], so a supd run with it has no control server, ' +
        'and no [supervisorctl] serverurl: supctl tried the default http://localhost:9001',
    );
  });

  it('names -s, SUPCTL_SERVERURL, or the absence of any config', () => {
    const config = { file: '/e/s.conf', text: '[unix_http_server]\nfile=/x.sock\n' };
    expect(resolveServerSettings({ ...none, serverUrl: 'unix:///a.sock' }, config, {}).source).toEqual({ kind: 'option' });
    expect(resolveServerSettings(none, config, { SUPCTL_SERVERURL: 'unix:///b.sock' }).source).toEqual({ kind: 'env' });
    const { serverUrl, source } = resolveServerSettings(none, null, {});
    expect(describeConnectionFailure('ECONNREFUSED', serverUrl, source)).toMatch(
      /; no config file found, so supctl tried supervisorctl's default http:\/\/localhost:9001 \(use -c FILE or -s URL\)$/,
    );
  });
});

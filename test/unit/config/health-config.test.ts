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

/**
 * What supctl says when it cannot reach the server, in one line: why (no socket file, refused,
 * permission) and where the address came from (-s, SUPCTL_SERVERURL, which setting of which config
 * file, found with or without -c), or that the config has no control server at all. Pure.
 */
import type { ServerSource } from './server-settings.js';

export function describeConnectionFailure(code: string, serverUrl: string, source: ServerSource | undefined): string {
  return `cannot connect to ${serverUrl}: ${reasonOf(code, serverUrl)}${source === undefined ? '' : `; ${originOf(source, serverUrl)}`}`;
}

function reasonOf(code: string, serverUrl: string): string {
  const isUnix = serverUrl.startsWith('unix://');
  switch (code) {
    case 'ENOENT':
      return isUnix ? 'no such socket file (is supd running?)' : 'no such host';
    case 'ECONNREFUSED':
      return isUnix
        ? 'connection refused (the socket file is there but nothing listens: has supd stopped?)'
        : 'connection refused (is supd running and listening there?)';
    case 'EACCES':
      return 'permission denied (supctl may not open the socket: run it as a user who may)';
    default:
      return code;
  }
}

function originOf(source: ServerSource, serverUrl: string): string {
  switch (source.kind) {
    case 'option':
      return 'the address is from -s';
    case 'env':
      return 'the address is from SUPCTL_SERVERURL';
    case 'config':
      return `the address is ${source.setting} in ${source.config.file}${searchedNote(source.config.isSearched)}`;
    case 'default':
      if (source.config === null) return `no config file found, so supctl tried supervisorctl's default ${serverUrl} (use -c FILE or -s URL)`;
      return (
        `${source.config.file} has no [unix_http_server] or [inet_http_server], so a supd run with it has no control server, ` +
        `and no [supervisorctl] serverurl: supctl tried the default ${serverUrl}${searchedNote(source.config.isSearched)}`
      );
    default:
      return unreachable(source);
  }
}

function searchedNote(isSearched: boolean): string {
  return isSearched ? ' (found without -c: use -c FILE to read another)' : '';
}

function unreachable(value: never): never {
  throw new Error(`unknown server source ${JSON.stringify(value)}`);
}

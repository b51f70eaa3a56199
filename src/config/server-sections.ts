/**
 * [unix_http_server], [inet_http_server] and [supervisorctl] into their settings, as options.py
 * reads them (server_configs_from_parser, ClientOptions). Pure: chown= names a user the os layer
 * looks up, not this file.
 */
import { ConfigError } from './config-error.js';
import type { IniSection } from './dialect.js';
import { checkChown } from './host-checks.js';
import { defaultsOf, type SectionReader } from './section-reader.js';
import { INET_HTTP_SERVER_KEYS, SUPERVISORCTL_KEYS, UNIX_HTTP_SERVER_KEYS } from './supervisord-keys.js';
import type { InetHttpServerSettings, SupervisorctlSettings, UnixHttpServerSettings } from './types.js';

/** username and password come together or not at all (options.py _parse_username_and_password). */
function checkAuth(reader: SectionReader, section: IniSection, username: string | null, password: string | null): void {
  if ((username === null) !== (password === null)) {
    reader.error(
      new ConfigError(section.origin, 'incomplete authentication: give both username= and password=, or neither'),
    );
  }
}

export function readUnixHttpServerSection(reader: SectionReader, section: IniSection): UnixHttpServerSettings {
  reader.warnUnknownKeys(section, UNIX_HTTP_SERVER_KEYS);
  const { values: v, present } = reader.readKeys(section, UNIX_HTTP_SERVER_KEYS, reader.sectionNames(section));
  checkAuth(reader, section, v.username, v.password);
  const host = reader.ctx.host;
  if (host !== undefined) checkChown(host, reader, { name: 'chown', raw: present.chown, section: section.origin }, v.chown);
  // file= is required: when missing the error is reported and this value is never used.
  return { file: (v.file ?? '').trim(), chmod: v.chmod, chown: v.chown, username: v.username, password: v.password };
}

export function readInetHttpServerSection(reader: SectionReader, section: IniSection): InetHttpServerSettings {
  reader.warnUnknownKeys(section, INET_HTTP_SERVER_KEYS);
  const { values: v } = reader.readKeys(section, INET_HTTP_SERVER_KEYS, reader.sectionNames(section));
  checkAuth(reader, section, v.username, v.password);
  // port= is required: when missing the error is reported and this value is never used.
  const address = v.port ?? { host: '', port: 0 };
  return { host: address.host, port: address.port, username: v.username, password: v.password };
}

/** [supervisorctl], or its defaults when the section is absent. */
export function readSupervisorctlSection(reader: SectionReader, section: IniSection | undefined): SupervisorctlSettings {
  let v = defaultsOf(SUPERVISORCTL_KEYS);
  if (section !== undefined) {
    reader.warnUnknownKeys(section, SUPERVISORCTL_KEYS);
    v = reader.readKeys(section, SUPERVISORCTL_KEYS, reader.sectionNames(section)).values;
  }
  return {
    serverUrl: v.serverurl,
    username: v.username,
    password: v.password,
    prompt: v.prompt,
    historyFile: v.history_file === null ? null : reader.expandUser(v.history_file),
  };
}

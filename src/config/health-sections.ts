/**
 * supd's issue-14 config beyond supervisord: `[status_http_server]`. Pure, like the other section
 * readers; the keys are in health-keys.ts.
 */
import type { IniSection } from './dialect.js';
import { STATUS_HTTP_SERVER_KEYS } from './health-keys.js';
import type { SectionReader } from './section-reader.js';
import type { StatusHttpServerSettings } from './types.js';

export function readStatusHttpServerSection(reader: SectionReader, section: IniSection): StatusHttpServerSettings {
  reader.warnUnknownKeys(section, STATUS_HTTP_SERVER_KEYS);
  const { values: v } = reader.readKeys(section, STATUS_HTTP_SERVER_KEYS, reader.sectionNames(section));
  // port= is required: when missing the error is reported and this value is never used.
  return v.port ?? { host: '', port: 0 };
}

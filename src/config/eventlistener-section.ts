/**
 * The pool settings of one [eventlistener:x] (options.py process_groups_from_parser's
 * EventListenerPoolConfig): events=, buffer_size=, result_handler= and the keys refused in a
 * listener. Its processes are read by program-section.ts like any program's. Pure.
 */
import { ConfigError } from './config-error.js';
import type { IniSection } from './dialect.js';
import { isEventTypeName } from './event-types.js';
import { EVENTLISTENER_KEYS } from './program-keys.js';
import { isSupportedResultHandler, SUPPORTED_RESULT_HANDLERS } from './result-handlers.js';
import type { SectionReader } from './section-reader.js';
import type { EventListenerSettings } from './types.js';

type ListenerKey = keyof typeof EVENTLISTENER_KEYS;
const POOL_KEYS: readonly ListenerKey[] = ['priority', 'events', 'buffer_size', 'result_handler', 'redirect_stderr'];

export function readEventListenerPool(
  reader: SectionReader,
  section: IniSection,
  name: string,
): (EventListenerSettings & { readonly priority: number }) | null {
  const names = reader.sectionNames(section, {
    program_name: name,
    group_name: name,
    host_node_name: reader.ctx.hostNodeName,
  });
  const { values: v, present, failed } = reader.readKeys(section, EVENTLISTENER_KEYS, names, (k) => POOL_KEYS.includes(k));
  let ok = !failed;
  const eventsRaw = present.events;
  const events: string[] = [];
  for (const e of v.events ?? []) {
    const upper = e.toUpperCase();
    if (upper === '') continue;
    if (!isEventTypeName(upper)) {
      reader.error(new ConfigError(eventsRaw?.origin ?? section.origin, `unknown event type ${upper}`, 'events', eventsRaw?.value));
      ok = false;
    } else if (!events.includes(upper)) {
      events.push(upper);
    }
  }
  if (eventsRaw !== undefined && events.length === 0 && ok) {
    reader.error(new ConfigError(eventsRaw.origin, 'an event listener needs at least one event type', 'events', eventsRaw.value));
    ok = false;
  }
  const bufferRaw = present.buffer_size;
  if (bufferRaw !== undefined && v.buffer_size < 1) {
    reader.error(new ConfigError(bufferRaw.origin, 'expected an integer >= 1', 'buffer_size', bufferRaw.value));
    ok = false;
  }
  const redirectRaw = present.redirect_stderr;
  if (redirectRaw !== undefined && v.redirect_stderr) {
    reader.error(
      new ConfigError(
        redirectRaw.origin,
        'not allowed in an event listener: stderr would interfere with the event listener protocol',
        'redirect_stderr',
        redirectRaw.value,
      ),
    );
    ok = false;
  }
  const handlerRaw = present.result_handler;
  if (handlerRaw !== undefined && !isSupportedResultHandler(v.result_handler.trim())) {
    reader.error(
      new ConfigError(
        handlerRaw.origin,
        `supd cannot import Python result handlers; it runs ${SUPPORTED_RESULT_HANDLERS.join(' and ')}`,
        'result_handler',
        handlerRaw.value,
      ),
    );
    ok = false;
  }
  return ok ? { priority: v.priority, events, bufferSize: v.buffer_size, resultHandler: v.result_handler.trim() } : null;
}

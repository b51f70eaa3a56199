/**
 * The result_handler values supd runs in place of the Python functions supervisord imports
 * (config/result-handlers.ts lists them). Pure: the supervisor-stdout handler is given where its
 * text goes (supd's stdout, through the daemon's sink).
 */
import type { SupportedResultHandler } from '../config/result-handlers.js';
import { defaultResultHandler, type ResultHandler } from './listener-protocol.js';

/**
 * supervisor_stdout.event_handler (coderanger/supervisor-stdout): the listener echoes the event's
 * payload back as its RESULT, and the handler prints each line of the data as `NAME CHANNEL | line`
 * on supervisord's stdout, as Python's print('\n'.join(prefix + l for l in data.split('\n')))
 * does, so data ending in a newline also prints a last line holding only the prefix. What makes
 * the Python raise (no header line, a header word without exactly one ':', no processname or
 * channel, bytes that are not UTF-8) is an error, as it is for supervisord ("event caused an error").
 */
export function supervisorStdoutHandler(print: (text: string) => void): ResultHandler {
  return (result) => {
    const response = new TextDecoder('utf-8', { fatal: true }).decode(result);
    const newline = response.indexOf('\n');
    if (newline === -1) throw new Error('no header line in the result');
    const headers = new Map<string, string>();
    for (const word of response.slice(0, newline).split(/\s+/).filter((w) => w !== '')) {
      const parts = word.split(':');
      if (parts.length !== 2) throw new Error(`bad header word ${word}`);
      headers.set(parts[0]!, parts[1]!);
    }
    const processname = headers.get('processname');
    const channel = headers.get('channel');
    if (processname === undefined || channel === undefined) throw new Error('no processname or channel header');
    const prefix = `${processname} ${channel} | `;
    print(`${response.slice(newline + 1).split('\n').map((line) => prefix + line).join('\n')}\n`);
    return 'accepted';
  };
}

/** The handler for a result_handler value the config accepted. */
export function resultHandlerFor(spec: SupportedResultHandler, print: (text: string) => void): ResultHandler {
  switch (spec) {
    case 'supervisor.dispatchers:default_handler':
      return defaultResultHandler;
    case 'supervisor_stdout:event_handler':
      return supervisorStdoutHandler(print);
  }
}

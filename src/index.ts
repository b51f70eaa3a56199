/**
 * supd as a library: the helper for writing event listeners in TypeScript/JavaScript (the
 * counterpart of supervisor.childutils), and the pure config reader for tools that inspect
 * supervisord configs.
 */
export { listen, parseHeaders, parsePayload } from './listener.js';
export type { ListenerEvent, ReceivedEvent, ListenerStreams } from './listener.js';
export { loadConfig } from './config/load.js';
export type { SupdConfig, ProcessConfig, GroupConfig } from './config/types.js';

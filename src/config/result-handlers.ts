/**
 * The [eventlistener:x] result_handler values supd runs natively, as supervisord would import
 * them: its own default, and supervisor-stdout's handler (the plugin Docker images used to relay
 * program output). Any other value is a config error: supd cannot import Python. Data only; the
 * handlers themselves are in src/events/result-handlers.ts.
 */
export const SUPPORTED_RESULT_HANDLERS = ['supervisor.dispatchers:default_handler', 'supervisor_stdout:event_handler'] as const;

export type SupportedResultHandler = (typeof SUPPORTED_RESULT_HANDLERS)[number];

export function isSupportedResultHandler(spec: string): spec is SupportedResultHandler {
  return (SUPPORTED_RESULT_HANDLERS as readonly string[]).includes(spec);
}

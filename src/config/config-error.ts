/**
 * A mistake in the user's config. supd prints every one, one line each, and exits 2 before
 * starting anything. Warnings share the shape but never stop supd.
 */
import type { Origin } from './types.js';

function where(origin: Origin): string {
  // line 0 means "the file as a whole" (e.g. it cannot be read): no line number to point at.
  const at = origin.line > 0 ? `${origin.file}:${origin.line}:` : `${origin.file}:`;
  return origin.section === '' ? at : `${at} [${origin.section}]`;
}

/** A multi-line value (continuation lines) is shown on one line, so every message stays one line. */
function oneLine(raw: string): string {
  return raw.replace(/\r?\n/g, '\\n');
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly origin: Origin,
    readonly reason: string,
    readonly key?: string,
    readonly raw?: string,
  ) {
    super(key === undefined ? `${where(origin)} ${reason}` : `${where(origin)} ${key}=${oneLine(raw ?? '')}: ${reason}`);
  }
}

/**
 * Same naming as ConfigError; supd logs it as "warning: ..." and carries on. With a key and a raw
 * value it reads `file:line: [section] key=value: reason`; with a key only, the reason names the key
 * itself (`unknown key 'startdelay' (ignored)`).
 */
export class ConfigWarning {
  readonly message: string;
  constructor(
    readonly origin: Origin,
    readonly reason: string,
    readonly key?: string,
    readonly raw?: string,
  ) {
    this.message =
      key !== undefined && raw !== undefined
        ? `${where(origin)} ${key}=${oneLine(raw)}: ${reason}`
        : `${where(origin)} ${reason}`;
  }
}

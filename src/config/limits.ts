/**
 * Bounds on what the config loader reads and builds. supervisord has none: an [include] of
 * /dev/zero or a %(process_num)999999999d exhausts its memory. supd refuses past these, naming the
 * bound; real configs are a few KiB.
 */
const MIB = 1024 * 1024;

/** One config file, main or included. */
export const MAX_CONFIG_FILE_BYTES = 4 * MIB;
/** The main file and everything it includes, together. */
export const MAX_CONFIG_TOTAL_BYTES = 16 * MIB;
/** One value after %-expansion. */
export const MAX_EXPANDED_CHARS = 4 * MIB;

/** "4 MiB" for messages. */
export function describeBytes(bytes: number): string {
  return bytes % MIB === 0 ? `${bytes / MIB} MiB` : `${bytes} bytes`;
}

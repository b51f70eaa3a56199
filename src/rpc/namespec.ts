/**
 * supervisord's namespecs (options.py split_namespec, make_namespec): `group:name`, `group:*`
 * (a whole group) and `name` (meaning group == name). Pure; shared by methods.ts and supctl.
 */

export interface Namespec {
  readonly group: string;
  /** null means the whole group (`group:*` or `group:`). */
  readonly process: string | null;
}

export function splitNamespec(namespec: string): Namespec {
  const colon = namespec.indexOf(':');
  if (colon === -1) return { group: namespec, process: namespec };
  const process = namespec.slice(colon + 1);
  return { group: namespec.slice(0, colon), process: process === '' || process === '*' ? null : process };
}

/** A process's short name when it is alone in a group of the same name, else `group:name`. */
export function makeNamespec(group: string, process: string): string {
  return group === process ? process : `${group}:${process}`;
}

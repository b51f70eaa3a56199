/**
 * supervisord's XML-RPC fault codes (xmlrpc.py Faults), one table, and the Fault a method throws.
 * The fault string is built as supervisord's RPCError builds it: `BAD_NAME: web`, or the bare
 * name when there is no detail. Not the wire format: xmlrpc-codec.ts encodes faults.
 */

export const FAULTS = {
  UNKNOWN_METHOD: 1,
  INCORRECT_PARAMETERS: 2,
  BAD_ARGUMENTS: 3,
  SIGNATURE_UNSUPPORTED: 4,
  SHUTDOWN_STATE: 6,
  BAD_NAME: 10,
  BAD_SIGNAL: 11,
  NO_FILE: 20,
  NOT_EXECUTABLE: 21,
  FAILED: 30,
  ABNORMAL_TERMINATION: 40,
  SPAWN_ERROR: 50,
  ALREADY_STARTED: 60,
  NOT_RUNNING: 70,
  SUCCESS: 80,
  ALREADY_ADDED: 90,
  STILL_RUNNING: 91,
  CANT_REREAD: 92,
} as const;

export type FaultName = keyof typeof FAULTS;

/** The name of a fault code, or 'UNKNOWN' as supervisord's getFaultDescription answers. */
export function faultName(code: number): FaultName | 'UNKNOWN' {
  for (const [name, value] of Object.entries(FAULTS)) {
    if (value === code) return name as FaultName;
  }
  return 'UNKNOWN';
}

/** An XML-RPC fault: thrown by methods.ts, sent as <fault>, and thrown again by client.ts. */
export class Fault extends Error {
  override readonly name = 'Fault';
  constructor(
    readonly faultCode: number,
    readonly faultString: string,
  ) {
    super(faultString);
  }

  /** A fault as supervisord's RPCError(code, extra) makes it: `NAME: extra`, or `NAME` alone. */
  static of(name: FaultName, extra?: string | number | null): Fault {
    const text = extra === undefined || extra === null ? name : `${name}: ${String(extra)}`;
    return new Fault(FAULTS[name], text);
  }

  /** True when this fault carries the code of `name`. */
  is(name: FaultName): boolean {
    return this.faultCode === FAULTS[name];
  }
}

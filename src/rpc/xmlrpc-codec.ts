/**
 * XML-RPC values to text and back: methodCall, methodResponse and fault, in every type supervisord
 * and Python's xmlrpc.client use. Pure: strings in, values out. Output is byte-for-byte what
 * Python's xmlrpc.client.dumps writes. Input is read by xmlrpc-decode.ts (re-exported here). Not
 * the transport: see http-server.ts and client.ts.
 */
export { decodeMethodCall, decodeMethodResponse, XmlRpcParseError } from './xmlrpc-decode.js';

/**
 * A value XML-RPC can carry. Numbers are <int> when they are 32-bit integers and <double>
 * otherwise; wrap a number in XmlRpcDouble to force <double>. Dates travel as UTC, Uint8Array as
 * <base64>, null as <nil/> (an extension supervisord never sends).
 */
export type XmlRpcValue =
  | number
  | boolean
  | string
  | null
  | Date
  | Uint8Array
  | XmlRpcDouble
  | EncodedValue
  | readonly XmlRpcValue[]
  | XmlRpcStruct;

export interface XmlRpcStruct {
  readonly [member: string]: XmlRpcValue;
}

/** A number that must be sent as <double> even when it is integral (Python's float). */
export class XmlRpcDouble {
  constructor(readonly value: number) {}
}

/**
 * One <value> element already encoded by encodeValue, written into an answer as is: multicall
 * encodes each result as soon as it has it, so what it holds is the answer's text, never the values
 * too. Only ever sent; decoding never gives one.
 */
export class EncodedValue {
  constructor(readonly xml: string) {}
}

export interface MethodCall {
  readonly methodName: string;
  readonly params: readonly XmlRpcValue[];
}

export type MethodResponse =
  | { readonly isFault: false; readonly value: XmlRpcValue }
  | { readonly isFault: true; readonly faultCode: number; readonly faultString: string };

const MAXINT = 2 ** 31 - 1;
const MININT = -(2 ** 31);

// ---------------------------------------------------------------------------------------------
// Encoding, as Python's xmlrpc.client.Marshaller writes it.

export function encodeMethodCall(methodName: string, params: readonly XmlRpcValue[]): string {
  return `<?xml version='1.0'?>\n<methodCall>\n<methodName>${escapeText(methodName)}</methodName>\n${encodeParams(params)}</methodCall>\n`;
}

export function encodeMethodResponse(value: XmlRpcValue): string {
  return `<?xml version='1.0'?>\n<methodResponse>\n${encodeParams([value])}</methodResponse>\n`;
}

/** How large the pieces of encodeMethodResponseChunks are, in characters, when items allow. */
export const ANSWER_CHUNK_CHARS = 64 * 1024;

/**
 * encodeMethodResponse's text in pieces of about `chunkChars` characters, so that a large answer
 * (a multicall of thousands of log reads) is written to the socket piece by piece and never made
 * into one string. An array or struct at the top is cut between its items; a single item larger
 * than `chunkChars` is one piece.
 */
export function* encodeMethodResponseChunks(value: XmlRpcValue, chunkChars = ANSWER_CHUNK_CHARS): Generator<string, void, undefined> {
  const head = `<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n`;
  const tail = `</param>\n</params>\n</methodResponse>\n`;
  const isArray = Array.isArray(value);
  if (!isArray && !isStruct(value)) {
    yield `${head}${encodeValue(value)}${tail}`;
    return;
  }
  let pending = head + (isArray ? '<value><array><data>\n' : '<value><struct>\n');
  if (isArray) {
    for (const item of value as readonly XmlRpcValue[]) {
      pending += encodeValue(item);
      if (pending.length >= chunkChars) {
        yield pending;
        pending = '';
      }
    }
    yield `${pending}</data></array></value>\n${tail}`;
    return;
  }
  const struct = value as XmlRpcStruct;
  for (const name in struct) {
    if (!Object.hasOwn(struct, name)) continue;
    pending += `<member>\n<name>${escapeText(name)}</name>\n${encodeValue(struct[name] as XmlRpcValue)}</member>\n`;
    if (pending.length >= chunkChars) {
      yield pending;
      pending = '';
    }
  }
  yield `${pending}</struct></value>\n${tail}`;
}

export function encodeFault(faultCode: number, faultString: string): string {
  const body = encodeValue({ faultCode, faultString });
  return `<?xml version='1.0'?>\n<methodResponse>\n<fault>\n${body}</fault>\n</methodResponse>\n`;
}

function encodeParams(params: readonly XmlRpcValue[]): string {
  return `<params>\n${params.map((p) => `<param>\n${encodeValue(p)}</param>\n`).join('')}</params>\n`;
}

/** One <value> element, with Python's line breaks. */
export function encodeValue(value: XmlRpcValue): string {
  if (value === null) return '<value><nil/></value>';
  switch (typeof value) {
    case 'boolean':
      return `<value><boolean>${value ? 1 : 0}</boolean></value>\n`;
    case 'string':
      return `<value><string>${escapeText(value)}</string></value>\n`;
    case 'number':
      return Number.isInteger(value) && value >= MININT && value <= MAXINT
        ? `<value><int>${value}</int></value>\n`
        : `<value><double>${formatDouble(value)}</double></value>\n`;
    default:
      break;
  }
  if (value instanceof EncodedValue) return value.xml;
  if (value instanceof XmlRpcDouble) return `<value><double>${formatDouble(value.value)}</double></value>\n`;
  if (value instanceof Date) return `<value><dateTime.iso8601>${formatDate(value)}</dateTime.iso8601></value>\n`;
  if (value instanceof Uint8Array) return `<value><base64>\n${formatBase64(value)}</base64></value>\n`;
  // Appending in loops rather than map/join/Object.entries: getAllProcessInfo for 500 programs is
  // 6,500 members, and supd builds it at every `status`.
  let out: string;
  if (Array.isArray(value)) {
    out = '<value><array><data>\n';
    for (const item of value as readonly XmlRpcValue[]) out += encodeValue(item);
    return `${out}</data></array></value>\n`;
  }
  out = '<value><struct>\n';
  const struct = value as XmlRpcStruct;
  for (const name in struct) {
    if (!Object.hasOwn(struct, name)) continue;
    out += `<member>\n<name>${escapeText(name)}</name>\n${encodeValue(struct[name] as XmlRpcValue)}</member>\n`;
  }
  return `${out}</struct></value>\n`;
}

const NEEDS_ESCAPE = /[&<>]/;

/** Python's xmlrpc.client.escape: only &, < and >. */
function escapeText(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Python's repr(float): shortest round-trip digits, exponent below 1e-4 and from 1e16. */
export function formatDouble(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [mantissa = '', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 16) {
    const text = String(value);
    return text.includes('.') ? text : `${text}.0`;
  }
  const sign = exponent < 0 ? '-' : '+';
  return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

function formatDate(date: Date): string {
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return (
    `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`
  );
}

/** base64.encodebytes: lines of 76 characters, each ending in a newline. */
function formatBase64(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let out = '';
  for (let i = 0; i < text.length; i += 76) out += `${text.slice(i, i + 76)}\n`;
  return out;
}

function isStruct(value: XmlRpcValue): value is XmlRpcStruct {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) &&
    !(value instanceof Date) && !(value instanceof Uint8Array) && !(value instanceof XmlRpcDouble) && !(value instanceof EncodedValue)
  );
}

/** True when `value` is a struct (not an array, date, binary or null). */
export function isXmlRpcStruct(value: XmlRpcValue): value is XmlRpcStruct {
  return isStruct(value);
}

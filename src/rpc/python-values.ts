/**
 * How supervisord's Python sees an XML-RPC argument, where its answers depend on it: str() of a
 * value in a fault string (`INCORRECT_PARAMETERS: {'k': 1}`), int() of an offset or a signal,
 * and the truth of a flag such as `wait`. Pure: no XML here, see xmlrpc-codec.ts.
 */
import { formatDouble, isXmlRpcStruct, XmlRpcDouble, type XmlRpcValue } from './xmlrpc-codec.js';

/** Python's str(value) of a decoded XML-RPC value. */
export function pythonStr(value: XmlRpcValue): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('latin1'); // str(xmlrpc Binary)
  if (value instanceof Date) return formatDateTime(value); // str(xmlrpc DateTime)
  return pythonRepr(value);
}

/** Python's repr(value) of a decoded XML-RPC value. */
export function pythonRepr(value: XmlRpcValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : formatDouble(value);
  if (value instanceof XmlRpcDouble) return formatDouble(value.value);
  if (typeof value === 'string') return reprString(value);
  if (value instanceof Uint8Array) return `<xmlrpc.client.Binary>`;
  if (value instanceof Date) return `<DateTime '${formatDateTime(value)}'>`;
  if (Array.isArray(value)) return `[${(value as readonly XmlRpcValue[]).map(pythonRepr).join(', ')}]`;
  if (isXmlRpcStruct(value)) {
    return `{${Object.entries(value).map(([k, v]) => `${reprString(k)}: ${pythonRepr(v)}`).join(', ')}}`;
  }
  return String(value);
}

/** Python's int(value), or null where it raises (ValueError, TypeError). */
export function pythonInt(value: XmlRpcValue | undefined): number | null {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof XmlRpcDouble) return pythonInt(value.value);
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : null;
  if (typeof value === 'string' && /^\s*[+-]?\d+(_\d+)*\s*$/.test(value)) return Number.parseInt(value.replaceAll('_', ''), 10);
  return null;
}

/** Python's bool(value): empty strings, lists and structs and zero are false. */
export function pythonTruth(value: XmlRpcValue): boolean {
  if (value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (value instanceof XmlRpcDouble) return value.value !== 0;
  if (typeof value === 'string') return value !== '';
  if (value instanceof Uint8Array) return value.length > 0;
  if (value instanceof Date) return true;
  if (Array.isArray(value)) return value.length > 0;
  return Object.keys(value).length > 0;
}

function reprString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\' || ch === quote) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

function formatDateTime(date: Date): string {
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return (
    `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`
  );
}

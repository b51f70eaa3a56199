/**
 * XML-RPC values to text and back: methodCall, methodResponse and fault, in every type supervisord
 * and Python's xmlrpc.client use. Pure: strings in, values out. Output is byte-for-byte what
 * Python's xmlrpc.client.dumps writes. Input is read by saxes, a strict streaming XML parser that
 * knows only the five predefined entities and character references; any DOCTYPE (so any entity
 * declaration or external DTD) is refused. Not the transport: see http-server.ts and client.ts.
 */
import { SaxesParser } from 'saxes';

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
  | readonly XmlRpcValue[]
  | XmlRpcStruct;

export interface XmlRpcStruct {
  readonly [member: string]: XmlRpcValue;
}

/** A number that must be sent as <double> even when it is integral (Python's float). */
export class XmlRpcDouble {
  constructor(readonly value: number) {}
}

export interface MethodCall {
  readonly methodName: string;
  readonly params: readonly XmlRpcValue[];
}

export type MethodResponse =
  | { readonly isFault: false; readonly value: XmlRpcValue }
  | { readonly isFault: true; readonly faultCode: number; readonly faultString: string };

/** The request or response text is not XML-RPC: the server answers it with HTTP 400. */
export class XmlRpcParseError extends Error {
  override readonly name = 'XmlRpcParseError';
}

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

// ---------------------------------------------------------------------------------------------
// Decoding. saxes reads the XML (well-formedness, the five predefined entities, character
// references, CDATA) and hands over each element as it opens and closes; each element's meaning is
// worked out when it closes, from its tag, its own text and what its children meant, so no
// document tree is built: a 500-program getAllProcessInfo answer is half a megabyte, and supctl
// decodes it at every `status`.

/** A closed element: its tag and what it stood for (a value, a struct member, a param list...). */
interface Decoded {
  readonly tag: string;
  readonly meaning: unknown;
}

/** An element still open: its own character data (entities decoded, CDATA verbatim) and its closed children. */
interface Frame {
  readonly tag: string;
  text: string;
  readonly children: Decoded[];
}

const SCALARS: Readonly<Record<string, (text: string) => XmlRpcValue>> = {
  int: decodeInteger,
  i4: decodeInteger,
  i8: decodeInteger,
  i2: decodeInteger,
  i1: decodeInteger,
  'ex:i8': decodeInteger,
  'ex:i4': decodeInteger,
  'ex:i2': decodeInteger,
  'ex:i1': decodeInteger,
  boolean: decodeBoolean,
  string: (text) => text,
  double: decodeDouble,
  'ex:float': decodeDouble,
  'dateTime.iso8601': decodeDate,
  base64: decodeBase64,
  nil: () => null,
  'ex:nil': () => null,
};

/** Tags whose meaning is an XmlRpcValue, so they may stand inside <value>. */
const TYPES = new Set([...Object.keys(SCALARS), 'array', 'struct']);

export function decodeMethodCall(xml: string): MethodCall {
  const root = parseDocument(xml, 'methodCall');
  const nameElement = root.find((c) => c.tag === 'methodName');
  const methodName = (nameElement?.meaning as string | undefined) ?? '';
  // supervisord answers a request without a method name with HTTP 400 (xmlrpc.py continue_request).
  if (methodName === '') throw new XmlRpcParseError('no method name');
  const paramsElement = root.find((c) => c.tag === 'params');
  // Clients may leave out an empty <params> (xmlrpc.py: params is None -> ()).
  const params = paramsElement === undefined ? [] : (paramsElement.meaning as XmlRpcValue[]);
  return { methodName, params };
}

export function decodeMethodResponse(xml: string): MethodResponse {
  const root = parseDocument(xml, 'methodResponse');
  const [body] = root;
  if (body === undefined || root.length !== 1) throw new XmlRpcParseError('methodResponse must hold params or fault');
  if (body.tag === 'fault') {
    const value = body.meaning as XmlRpcValue;
    if (!isStruct(value) || typeof value.faultCode !== 'number' || typeof value.faultString !== 'string') {
      throw new XmlRpcParseError('fault must be a struct of faultCode and faultString');
    }
    return { isFault: true, faultCode: value.faultCode, faultString: value.faultString };
  }
  if (body.tag !== 'params') throw new XmlRpcParseError(`unexpected <${body.tag}> in methodResponse`);
  const params = body.meaning as XmlRpcValue[];
  if (params.length !== 1) throw new XmlRpcParseError('methodResponse must hold exactly one param');
  return { isFault: false, value: params[0] as XmlRpcValue };
}

/** The children of the document's single root element, which must be <rootTag>. */
function parseDocument(xml: string, rootTag: string): readonly Decoded[] {
  const document: Frame = { tag: '', text: '', children: [] };
  const open: Frame[] = [document];
  let current = document;
  // No position tracking: error messages lose line:column, and a half-megabyte answer decodes faster.
  const parser = new SaxesParser({ position: false });
  // saxes never expands entities a DTD declares, but a DOCTYPE (internal subset, external DTD) has
  // no business in XML-RPC: refuse it outright.
  parser.on('doctype', () => {
    throw new XmlRpcParseError('DOCTYPE and other declarations are not allowed');
  });
  parser.on('opentag', (tag) => {
    current = { tag: tag.name, text: '', children: [] };
    open.push(current);
  });
  parser.on('text', (text) => {
    current.text += text;
  });
  parser.on('cdata', (text) => {
    current.text += text;
  });
  parser.on('closetag', () => {
    const closed = open.pop() as Frame;
    current = open[open.length - 1] as Frame;
    current.children.push({ tag: closed.tag, meaning: closed.tag === rootTag && current === document ? closed.children : decodeElement(closed) });
  });
  try {
    parser.write(xml).close();
  } catch (error) {
    if (error instanceof XmlRpcParseError) throw error;
    throw new XmlRpcParseError(`malformed XML: ${(error as Error).message}`);
  }
  const [root] = document.children;
  if (document.children.length !== 1 || root?.tag !== rootTag) throw new XmlRpcParseError(`expected a single <${rootTag}> element`);
  return root.meaning as Decoded[];
}

/** What one closed element stands for; throws when its children do not fit its tag. */
function decodeElement(element: Frame): unknown {
  const { tag, text, children } = element;
  const scalar = SCALARS[tag];
  if (scalar !== undefined) {
    if (children.length !== 0) throw new XmlRpcParseError(`<${tag}> must hold only text`);
    return scalar(text);
  }
  switch (tag) {
    case 'value': {
      const [typed] = children;
      // <value>text</value> without a type is a string, whitespace and all (the XML-RPC spec).
      if (typed === undefined) return text;
      if (children.length !== 1) throw new XmlRpcParseError('<value> must hold one typed element');
      if (!TYPES.has(typed.tag)) throw new XmlRpcParseError(`unknown value type <${typed.tag}>`);
      return typed.meaning;
    }
    case 'array':
      return only(element, 'data');
    case 'data':
      return children.map((child) => expect(child, 'value', tag));
    case 'struct': {
      // A plain object without a prototype, so a member named __proto__ is only ever data.
      const out: Record<string, XmlRpcValue> = Object.create(null) as Record<string, XmlRpcValue>;
      for (const child of children) {
        const [name, value] = expect(child, 'member', tag) as [string, XmlRpcValue];
        out[name] = value;
      }
      return out;
    }
    case 'member': {
      const name = children.find((c) => c.tag === 'name');
      const value = children.find((c) => c.tag === 'value');
      if (name === undefined || value === undefined || children.length !== 2) {
        throw new XmlRpcParseError('struct member must hold a name and a value');
      }
      return [name.meaning, value.meaning];
    }
    case 'name':
      return text;
    case 'methodName':
      return text.trim();
    case 'params':
      return children.map((child) => expect(child, 'param', tag));
    case 'param':
    case 'fault':
      return only(element, 'value');
    default:
      // Meaningless on its own: its parent decides whether it may be there.
      return undefined;
  }
}

/** The meaning of element's single child, which must be a <tag>. */
function only(element: Frame, tag: string): unknown {
  const [child] = element.children;
  if (element.children.length !== 1 || child?.tag !== tag) {
    throw new XmlRpcParseError(`<${element.tag}> must hold exactly one <${tag}>`);
  }
  return child.meaning;
}

function expect(child: Decoded, tag: string, parentTag: string): unknown {
  if (child.tag !== tag) throw new XmlRpcParseError(`unexpected <${child.tag}> in ${parentTag}`);
  return child.meaning;
}

function decodeInteger(text: string): number {
  if (!/^\s*[+-]?[0-9]+\s*$/.test(text)) throw new XmlRpcParseError(`bad integer '${text}'`);
  return Number.parseInt(text, 10);
}

function decodeBoolean(text: string): boolean {
  const word = text.trim().toLowerCase();
  if (word === '1' || word === 'true') return true;
  if (word === '0' || word === 'false') return false;
  throw new XmlRpcParseError(`bad boolean '${text}'`);
}

function decodeDouble(text: string): number {
  const word = text.trim().toLowerCase();
  if (word === 'nan') return NaN;
  if (word === 'inf' || word === '+inf') return Infinity;
  if (word === '-inf') return -Infinity;
  if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?$/.test(word)) throw new XmlRpcParseError(`bad double '${text}'`);
  return Number(word);
}

function decodeDate(text: string): Date {
  const m = /^\s*(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):?(\d{2}):?(\d{2})\s*$/.exec(text);
  if (m === null) throw new XmlRpcParseError(`bad dateTime.iso8601 '${text}'`);
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}

function decodeBase64(text: string): Uint8Array {
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) throw new XmlRpcParseError('bad base64');
  return new Uint8Array(Buffer.from(compact, 'base64'));
}

function isStruct(value: XmlRpcValue): value is XmlRpcStruct {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) &&
    !(value instanceof Date) && !(value instanceof Uint8Array) && !(value instanceof XmlRpcDouble)
  );
}

/** True when `value` is a struct (not an array, date, binary or null). */
export function isXmlRpcStruct(value: XmlRpcValue): value is XmlRpcStruct {
  return isStruct(value);
}

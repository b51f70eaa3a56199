/**
 * XML-RPC values to text and back: methodCall, methodResponse and fault, in every type supervisord
 * and Python's xmlrpc.client use. Pure: strings in, values out. Output is byte-for-byte what
 * Python's xmlrpc.client.dumps writes. Input is parsed by fast-xml-parser with entities off; only
 * the five predefined entities and numeric character references are decoded, here, and any
 * DOCTYPE (so any entity declaration or external DTD) is refused. Not the transport: see
 * http-server.ts and client.ts.
 */
import { createRequire } from 'node:module';
import type { XMLParser as XMLParserClass } from 'fast-xml-parser';

// The package's single-file CommonJS build loads in ~8 ms where its ESM tree takes ~30 ms, and
// supctl pays this at every start.
const { XMLParser } = createRequire(import.meta.url)('fast-xml-parser') as { XMLParser: typeof XMLParserClass };

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
  if (Array.isArray(value)) {
    return `<value><array><data>\n${(value as readonly XmlRpcValue[]).map(encodeValue).join('')}</data></array></value>\n`;
  }
  const members = Object.entries(value as XmlRpcStruct)
    .map(([name, member]) => `<member>\n<name>${escapeText(name)}</name>\n${encodeValue(member)}</member>\n`)
    .join('');
  return `<value><struct>\n${members}</struct></value>\n`;
}

/** Python's xmlrpc.client.escape: only &, < and >. */
function escapeText(text: string): string {
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
// Decoding.

/** A node of fast-xml-parser's preserveOrder output: {tag: children} or {'#text': text}. */
type OrderedNode = Record<string, unknown>;

interface Element {
  readonly tag: string;
  readonly children: readonly Element[];
  /** The element's own character data, entities decoded, CDATA included verbatim. */
  readonly text: string;
}

const parser = new XMLParser({
  preserveOrder: true,
  trimValues: false,
  parseTagValue: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Entities are decoded by decodeEntities below, so the parser never expands anything.
  processEntities: false,
  htmlEntities: false,
  cdataPropName: '#cdata',
  commentPropName: false,
});

export function decodeMethodCall(xml: string): MethodCall {
  const root = parseDocument(xml, 'methodCall');
  const nameElement = root.children.find((c) => c.tag === 'methodName');
  const methodName = nameElement?.text.trim() ?? '';
  // supervisord answers a request without a method name with HTTP 400 (xmlrpc.py continue_request).
  if (methodName === '') throw new XmlRpcParseError('no method name');
  const paramsElement = root.children.find((c) => c.tag === 'params');
  // Clients may leave out an empty <params> (xmlrpc.py: params is None -> ()).
  const params = paramsElement === undefined ? [] : decodeParams(paramsElement);
  return { methodName, params };
}

export function decodeMethodResponse(xml: string): MethodResponse {
  const root = parseDocument(xml, 'methodResponse');
  const [body] = root.children;
  if (body === undefined || root.children.length !== 1) throw new XmlRpcParseError('methodResponse must hold params or fault');
  if (body.tag === 'fault') {
    const value = decodeValue(only(body, 'value'));
    if (!isStruct(value) || typeof value.faultCode !== 'number' || typeof value.faultString !== 'string') {
      throw new XmlRpcParseError('fault must be a struct of faultCode and faultString');
    }
    return { isFault: true, faultCode: value.faultCode, faultString: value.faultString };
  }
  if (body.tag !== 'params') throw new XmlRpcParseError(`unexpected <${body.tag}> in methodResponse`);
  const params = decodeParams(body);
  if (params.length !== 1) throw new XmlRpcParseError('methodResponse must hold exactly one param');
  return { isFault: false, value: params[0] as XmlRpcValue };
}

function parseDocument(xml: string, rootTag: string): Element {
  // A DOCTYPE is the only way to declare entities or pull in an external DTD: refuse it outright.
  const declaration = /<!(?!--|\[CDATA\[)/.exec(xml);
  if (declaration !== null) throw new XmlRpcParseError('DOCTYPE and other declarations are not allowed');
  let tree: unknown;
  try {
    tree = parser.parse(xml, true);
  } catch (error) {
    throw new XmlRpcParseError(`malformed XML: ${(error as Error).message}`);
  }
  const elements = toElements(tree as readonly OrderedNode[]);
  if (elements.length !== 1 || elements[0]?.tag !== rootTag) {
    throw new XmlRpcParseError(`expected a single <${rootTag}> element`);
  }
  return elements[0];
}

function toElements(nodes: readonly OrderedNode[]): Element[] {
  return nodes.flatMap((node) => {
    const tag = Object.keys(node).find((key) => key !== ':@');
    if (tag === undefined || tag === '#text' || tag === '#cdata') return [];
    const childNodes = node[tag] as readonly OrderedNode[];
    let text = '';
    for (const child of childNodes) {
      if ('#text' in child) text += decodeEntities(String(child['#text']));
      else if ('#cdata' in child) text += (child['#cdata'] as readonly OrderedNode[]).map((c) => String(c['#text'] ?? '')).join('');
    }
    return [{ tag, children: toElements(childNodes), text }];
  });
}

const ENTITY = /&(?:(lt|gt|amp|apos|quot)|#([0-9]+)|#x([0-9a-fA-F]+));|&/g;
const NAMED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

/** The five predefined entities and numeric character references; anything else is an error. */
function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (whole, named?: string, decimal?: string, hex?: string) => {
    if (named !== undefined) return NAMED[named] as string;
    const code = decimal !== undefined ? Number.parseInt(decimal, 10) : hex !== undefined ? Number.parseInt(hex, 16) : NaN;
    if (!isXmlChar(code)) throw new XmlRpcParseError(`bad entity or character reference near '${whole}'`);
    return String.fromCodePoint(code);
  });
}

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 || code === 0xa || code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff)
  );
}

function decodeParams(params: Element): XmlRpcValue[] {
  return params.children.map((param) => {
    if (param.tag !== 'param') throw new XmlRpcParseError(`unexpected <${param.tag}> in params`);
    return decodeValue(only(param, 'value'));
  });
}

function only(parent: Element, tag: string): Element {
  const [child] = parent.children;
  if (parent.children.length !== 1 || child?.tag !== tag) {
    throw new XmlRpcParseError(`<${parent.tag}> must hold exactly one <${tag}>`);
  }
  return child;
}

function decodeValue(value: Element): XmlRpcValue {
  if (value.tag !== 'value') throw new XmlRpcParseError(`expected <value>, got <${value.tag}>`);
  const [typed] = value.children;
  // <value>text</value> without a type is a string, whitespace and all (the XML-RPC spec).
  if (typed === undefined) return value.text;
  if (value.children.length !== 1) throw new XmlRpcParseError('<value> must hold one typed element');
  switch (typed.tag) {
    case 'int':
    case 'i4':
    case 'i8':
    case 'i2':
    case 'i1':
    case 'ex:i8':
    case 'ex:i4':
    case 'ex:i2':
    case 'ex:i1':
      return decodeInteger(typed.text);
    case 'boolean':
      return decodeBoolean(typed.text);
    case 'string':
      return typed.text;
    case 'double':
    case 'ex:float':
      return decodeDouble(typed.text);
    case 'dateTime.iso8601':
      return decodeDate(typed.text);
    case 'base64':
      return decodeBase64(typed.text);
    case 'nil':
    case 'ex:nil':
      return null;
    case 'array':
      return only(typed, 'data').children.map(decodeValue);
    case 'struct':
      return decodeStruct(typed);
    default:
      throw new XmlRpcParseError(`unknown value type <${typed.tag}>`);
  }
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

function decodeStruct(struct: Element): XmlRpcStruct {
  // A plain object without a prototype, so a member named __proto__ is only ever data.
  const out: Record<string, XmlRpcValue> = Object.create(null) as Record<string, XmlRpcValue>;
  for (const member of struct.children) {
    if (member.tag !== 'member') throw new XmlRpcParseError(`unexpected <${member.tag}> in struct`);
    const name = member.children.find((c) => c.tag === 'name');
    const value = member.children.find((c) => c.tag === 'value');
    if (name === undefined || value === undefined || member.children.length !== 2) {
      throw new XmlRpcParseError('struct member must hold a name and a value');
    }
    out[name.text] = decodeValue(value);
  }
  return out;
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

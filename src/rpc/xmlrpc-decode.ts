/**
 * XML-RPC text to values: methodCall (what supd's server reads) and methodResponse (what supctl
 * reads). Pure: a string in, values out. A recursive-descent reader of the XML that XML-RPC uses,
 * built for a cold start: it finds tags and text with indexOf and slices, so a 500-program
 * getAllProcessInfo answer (half a megabyte) is read in a few thousand steps per tag kind rather
 * than one step per character, and builds the values directly, with no document tree.
 *
 * XML it reads: an XML declaration, comments and processing instructions (skipped), elements with
 * attributes (ignored), the five predefined entities and character references, CDATA sections,
 * CR LF line ends (read as LF). It refuses, with XmlRpcParseError and never by hanging: any DOCTYPE
 * (so any entity declaration or external DTD), undeclared entities, a bare `&`, characters XML
 * forbids, unbalanced or unterminated markup, text outside the root element, and nesting deeper
 * than MAX_DEPTH. Not the encoder: see xmlrpc-codec.ts.
 */
import type { MethodCall, MethodResponse, XmlRpcStruct, XmlRpcValue } from './xmlrpc-codec.js';

/** The request or response text is not XML-RPC: the server answers it with HTTP 400. */
export class XmlRpcParseError extends Error {
  override readonly name = 'XmlRpcParseError';
}

/** Arrays and structs nested deeper than this are refused (the reader recurses once per level). */
export const MAX_DEPTH = 1000;

/** Characters XML 1.0 does not allow anywhere in a document, even escaped. */
const FORBIDDEN_CHARS = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
/** An element name (XML's NameStartChar NameChar*, with every non-ASCII character allowed). */
const NAME = /[A-Za-z_:\u00C0-\uFFFF][-A-Za-z0-9._:\u00B7-\uFFFF]*/y;
/** What may follow a tag's name up to its `>`: attributes (not read), then `>` or `/>`. */
const TAG_REST = /(?:[ \t\r\n]+[A-Za-z_:\u00C0-\uFFFF][-A-Za-z0-9._:\u00B7-\uFFFF]*[ \t\r\n]*=[ \t\r\n]*(?:"[^<"]*"|'[^<']*'))*[ \t\r\n]*(\/?)>/y;
const CHAR_REFERENCE = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/;

const LT = 0x3c;
const SLASH = 0x2f;
const GT = 0x3e;

export function decodeMethodCall(xml: string): MethodCall {
  return new Reader(xml).methodCall();
}

export function decodeMethodResponse(xml: string): MethodResponse {
  return new Reader(xml).methodResponse();
}

class Reader {
  private pos = 0;
  /** The name of the start tag read last, and whether it was an empty-element tag (`<nil/>`). */
  private tag = '';
  private empty = false;
  private readonly hasCr: boolean;
  /** Where the next '&' at or after `pos` is (2**32 - 1 when there is none): see skipText. */
  private nextAmp = -1;

  constructor(private readonly xml: string) {
    const bad = FORBIDDEN_CHARS.exec(xml);
    if (bad !== null) {
      this.pos = bad.index;
      this.malformed(`character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()} is not allowed in XML`);
    }
    this.hasCr = xml.includes('\r');
  }

  methodResponse(): MethodResponse {
    this.root('methodResponse');
    if (this.empty) throw new XmlRpcParseError('methodResponse must hold params or fault');
    this.skipText();
    if (this.atEndTag()) throw new XmlRpcParseError('methodResponse must hold params or fault');
    this.startTag();
    let response: MethodResponse;
    if (this.tag === 'params') {
      const params = this.params();
      if (params.length !== 1) throw new XmlRpcParseError('methodResponse must hold exactly one param');
      response = { isFault: false, value: params[0] as XmlRpcValue };
    } else if (this.tag === 'fault') {
      const fault = this.single('fault', 'value');
      if (!isPlainStruct(fault) || typeof fault.faultCode !== 'number' || typeof fault.faultString !== 'string') {
        throw new XmlRpcParseError('fault must be a struct of faultCode and faultString');
      }
      response = { isFault: true, faultCode: fault.faultCode, faultString: fault.faultString };
    } else {
      throw new XmlRpcParseError(`unexpected <${this.tag}> in methodResponse`);
    }
    this.skipText();
    if (!this.atEndTag()) throw new XmlRpcParseError('methodResponse must hold params or fault');
    this.endTag('methodResponse');
    this.end('methodResponse');
    return response;
  }

  methodCall(): MethodCall {
    this.root('methodCall');
    let methodName: string | null = null;
    let params: XmlRpcValue[] | null = null;
    if (!this.empty) {
      for (;;) {
        this.skipText();
        if (this.atEndTag()) break;
        this.startTag();
        if (this.tag === 'methodName') {
          if (methodName !== null) throw new XmlRpcParseError('more than one <methodName>');
          methodName = this.textOnly('methodName').trim();
        } else if (this.tag === 'params') {
          if (params !== null) throw new XmlRpcParseError('more than one <params>');
          params = this.params();
        } else {
          // Meaningless here, as for supervisord (Python's xmlrpc ignores unknown tags): skipped.
          this.skipElement(1);
        }
      }
      this.endTag('methodCall');
    }
    this.end('methodCall');
    // supervisord answers a request without a method name with HTTP 400 (xmlrpc.py continue_request).
    if (methodName === null || methodName === '') throw new XmlRpcParseError('no method name');
    // Clients may leave out an empty <params> (xmlrpc.py: params is None -> ()).
    return { methodName, params: params ?? [] };
  }

  // --- XML-RPC's elements. Each is called just after its start tag was read.

  /** <params> of <param>s, each holding one <value>. */
  private params(): XmlRpcValue[] {
    const params: XmlRpcValue[] = [];
    if (this.empty) return params;
    for (;;) {
      this.skipText();
      if (this.atEndTag()) break;
      this.startTag();
      if (this.tag !== 'param') throw new XmlRpcParseError(`unexpected <${this.tag}> in params`);
      params.push(this.single('param', 'value'));
    }
    this.endTag('params');
    return params;
  }

  /** An element (<param>, <fault>) that must hold exactly one <value>. */
  private single(parent: string, child: 'value'): XmlRpcValue {
    const problem = `<${parent}> must hold exactly one <${child}>`;
    if (this.empty) throw new XmlRpcParseError(problem);
    this.skipText();
    if (this.atEndTag()) throw new XmlRpcParseError(problem);
    this.startTag();
    if (this.tag !== child) throw new XmlRpcParseError(problem);
    const value = this.value(1);
    this.skipText();
    if (!this.atEndTag()) throw new XmlRpcParseError(problem);
    this.endTag(parent);
    return value;
  }

  /** <value>: one typed element, or text alone, which is a string, whitespace and all (the XML-RPC spec). */
  private value(depth: number): XmlRpcValue {
    if (this.empty) return '';
    const text = this.text();
    if (this.atEndTag()) {
      this.endTag('value');
      return text;
    }
    this.startTag();
    const value = this.typed(depth);
    this.skipText();
    if (!this.atEndTag()) throw new XmlRpcParseError('<value> must hold one typed element');
    this.endTag('value');
    return value;
  }

  private typed(depth: number): XmlRpcValue {
    const tag = this.tag;
    switch (tag) {
      case 'string':
        return this.textOnly(tag);
      case 'int':
      case 'i4':
        return decodeInteger(this.textOnly(tag));
      case 'struct':
        return this.struct(depth);
      case 'array':
        return this.array(depth);
      case 'boolean':
        return decodeBoolean(this.textOnly(tag));
      case 'double':
      case 'ex:float':
        return decodeDouble(this.textOnly(tag));
      case 'dateTime.iso8601':
        return decodeDate(this.textOnly(tag));
      case 'base64':
        return decodeBase64(this.textOnly(tag));
      case 'nil':
      case 'ex:nil':
        this.textOnly(tag);
        return null;
      case 'i8':
      case 'i2':
      case 'i1':
      case 'ex:i8':
      case 'ex:i4':
      case 'ex:i2':
      case 'ex:i1':
        return decodeInteger(this.textOnly(tag));
      default:
        throw new XmlRpcParseError(`unknown value type <${tag}>`);
    }
  }

  private struct(depth: number): XmlRpcStruct {
    // A plain object without a prototype, so a member named __proto__ is only ever data.
    const out = Object.create(null) as Record<string, XmlRpcValue>;
    if (this.empty) return out;
    if (depth >= MAX_DEPTH) throw new XmlRpcParseError(`values nested deeper than ${MAX_DEPTH}`);
    for (;;) {
      this.skipText();
      if (this.atEndTag()) break;
      this.startTag();
      if (this.tag !== 'member') throw new XmlRpcParseError(`unexpected <${this.tag}> in struct`);
      this.member(out, depth + 1);
    }
    this.endTag('struct');
    return out;
  }

  /** <member>: a <name> and a <value>, in either order, into `out`. */
  private member(out: Record<string, XmlRpcValue>, depth: number): void {
    let name: string | null = null;
    let value: XmlRpcValue | undefined;
    let count = 0;
    if (!this.empty) {
      for (;;) {
        this.skipText();
        if (this.atEndTag()) break;
        this.startTag();
        count += 1;
        if (this.tag === 'name' && name === null) name = this.textOnly('name');
        else if (this.tag === 'value' && value === undefined) value = this.value(depth);
        else break;
      }
    }
    if (name === null || value === undefined || count !== 2) throw new XmlRpcParseError('struct member must hold a name and a value');
    this.endTag('member');
    out[name] = value;
  }

  private array(depth: number): XmlRpcValue[] {
    const problem = '<array> must hold exactly one <data>';
    if (this.empty) throw new XmlRpcParseError(problem);
    if (depth >= MAX_DEPTH) throw new XmlRpcParseError(`values nested deeper than ${MAX_DEPTH}`);
    this.skipText();
    if (this.atEndTag()) throw new XmlRpcParseError(problem);
    this.startTag();
    if (this.tag !== 'data') throw new XmlRpcParseError(problem);
    const items: XmlRpcValue[] = [];
    if (!this.empty) {
      for (;;) {
        this.skipText();
        if (this.atEndTag()) break;
        if (this.startTag() !== 'value') throw new XmlRpcParseError(`unexpected <${this.tag}> in data`);
        items.push(this.value(depth + 1));
      }
      this.endTag('data');
    }
    this.skipText();
    if (!this.atEndTag()) throw new XmlRpcParseError(problem);
    this.endTag('array');
    return items;
  }

  /** The text of an element that may hold only text (a scalar, <name>, <methodName>), and its end tag. */
  private textOnly(tag: string): string {
    if (this.empty) return '';
    const text = this.text();
    if (!this.atEndTag()) throw new XmlRpcParseError(`<${tag}> must hold only text`);
    this.endTag(tag);
    return text;
  }

  /** An element nothing reads, skipped with all it holds (it must still be well-formed). */
  private skipElement(depth: number): void {
    if (this.empty) return;
    if (depth >= MAX_DEPTH) throw new XmlRpcParseError(`elements nested deeper than ${MAX_DEPTH}`);
    const tag = this.tag;
    for (;;) {
      this.skipText();
      if (this.atEndTag()) break;
      this.startTag();
      this.skipElement(depth + 1);
    }
    this.endTag(tag);
  }

  // --- XML itself.

  /** The prolog (declaration, comments, processing instructions) and the root's start tag. */
  private root(rootTag: string): void {
    if (this.xml.charCodeAt(0) === 0xfeff) this.pos = 1;
    this.misc();
    if (this.xml.startsWith('<!', this.pos)) throw new XmlRpcParseError('DOCTYPE and other declarations are not allowed');
    if (this.pos >= this.xml.length || this.xml.charCodeAt(this.pos) !== LT) throw new XmlRpcParseError(`expected a single <${rootTag}> element`);
    this.startTag();
    if (this.tag !== rootTag) throw new XmlRpcParseError(`expected a single <${rootTag}> element`);
  }

  /** After the root element: only comments, processing instructions and whitespace. */
  private end(rootTag: string): void {
    this.misc();
    if (this.pos !== this.xml.length) throw new XmlRpcParseError(`expected a single <${rootTag}> element`);
  }

  /** Skips whitespace, comments and processing instructions outside the root element. */
  private misc(): void {
    const xml = this.xml;
    for (;;) {
      while (this.pos < xml.length && isSpace(xml.charCodeAt(this.pos))) this.pos += 1;
      if (xml.startsWith('<!--', this.pos)) this.skipComment();
      else if (xml.startsWith('<?', this.pos)) this.skipProcessingInstruction();
      else return;
    }
  }

  private atEndTag(): boolean {
    return this.xml.charCodeAt(this.pos + 1) === SLASH;
  }

  /** Reads the start tag at `pos` (the `<` of one) into `tag` and `empty`; returns `tag`. */
  private startTag(): string {
    const xml = this.xml;
    NAME.lastIndex = this.pos + 1;
    if (!NAME.test(xml)) this.malformed('expected an element');
    const nameEnd = NAME.lastIndex;
    this.tag = xml.slice(this.pos + 1, nameEnd);
    const next = xml.charCodeAt(nameEnd);
    if (next === GT) {
      this.empty = false;
      this.pos = nameEnd + 1;
    } else if (next === SLASH && xml.charCodeAt(nameEnd + 1) === GT) {
      this.empty = true;
      this.pos = nameEnd + 2;
    } else {
      TAG_REST.lastIndex = nameEnd;
      const rest = TAG_REST.exec(xml);
      if (rest === null) this.malformed(`bad start tag <${this.tag}`);
      this.empty = rest[1] === '/';
      this.pos = TAG_REST.lastIndex;
    }
    return this.tag;
  }

  /** Reads `</tag>` at `pos` (the `<` of an end tag). */
  private endTag(tag: string): void {
    const xml = this.xml;
    let at = this.pos + 2 + tag.length;
    if (xml.startsWith(tag, this.pos + 2)) while (isSpace(xml.charCodeAt(at))) at += 1;
    if (!xml.startsWith(tag, this.pos + 2) || xml.charCodeAt(at) !== GT) this.malformed(`expected </${tag}>`);
    this.pos = at + 1;
  }

  /**
   * The character data from `pos` to the next start or end tag, entities decoded, CDATA as it is,
   * comments and processing instructions left out; `pos` is left at that tag's `<`.
   */
  private text(): string {
    const xml = this.xml;
    let out = '';
    for (;;) {
      const lt = xml.indexOf('<', this.pos);
      if (lt < 0) {
        this.pos = xml.length;
        this.malformed('the document ends inside an element');
      }
      if (lt > this.pos) out += this.characters(this.pos, lt);
      this.pos = lt;
      const next = xml.charCodeAt(lt + 1);
      if (next === 0x21 /* ! */) {
        if (xml.startsWith('<!--', lt)) this.skipComment();
        else if (xml.startsWith('<![CDATA[', lt)) out += this.cdata();
        else return out;
      } else if (next === 0x3f /* ? */) {
        this.skipProcessingInstruction();
      } else {
        return out;
      }
    }
  }

  /** text(), where the text means nothing (between elements): checked, not kept. */
  private skipText(): void {
    const xml = this.xml;
    const lt = xml.indexOf('<', this.pos);
    const next = xml.charCodeAt(lt + 1);
    if (lt >= 0 && next !== 0x21 && next !== 0x3f) {
      // The next '&' is looked for once per '&', not per call: a search to the end of a document
      // without one at every gap between tags would make reading it quadratic.
      if (this.nextAmp < this.pos) this.nextAmp = xml.indexOf('&', this.pos) >>> 0;
      if (this.nextAmp < lt) this.characters(this.pos, lt);
      this.pos = lt;
      return;
    }
    this.text();
  }

  private characters(from: number, to: number): string {
    let text = this.xml.slice(from, to);
    if (text.includes(']]>')) {
      this.pos = from + text.indexOf(']]>');
      this.malformed("']]>' is not allowed in text");
    }
    if (this.hasCr) text = text.replace(/\r\n?/g, '\n');
    return text.includes('&') ? this.entities(text, from) : text;
  }

  private entities(text: string, from: number): string {
    let out = '';
    let done = 0;
    for (let amp = text.indexOf('&'); amp >= 0; amp = text.indexOf('&', done)) {
      const semicolon = text.indexOf(';', amp);
      const name = semicolon < 0 || semicolon - amp > 12 ? null : text.slice(amp + 1, semicolon);
      const decoded = name === null ? null : entity(name);
      if (decoded === null) {
        this.pos = from + amp;
        this.malformed(name === null ? "'&' must start an entity or character reference (write &amp;)" : `unknown entity &${name};`);
      }
      out += text.slice(done, amp) + decoded;
      done = semicolon + 1;
    }
    return out + text.slice(done);
  }

  private cdata(): string {
    const close = this.xml.indexOf(']]>', this.pos + 9);
    if (close < 0) this.malformed('CDATA section is not closed');
    const text = this.xml.slice(this.pos + 9, close);
    this.pos = close + 3;
    return this.hasCr ? text.replace(/\r\n?/g, '\n') : text;
  }

  private skipComment(): void {
    const close = this.xml.indexOf('--', this.pos + 4);
    if (close < 0) this.malformed('comment is not closed');
    if (this.xml.charCodeAt(close + 2) !== GT) {
      this.pos = close;
      this.malformed("'--' is not allowed inside a comment");
    }
    this.pos = close + 3;
  }

  private skipProcessingInstruction(): void {
    const close = this.xml.indexOf('?>', this.pos + 2);
    if (close < 0) this.malformed('processing instruction is not closed');
    this.pos = close + 2;
  }

  private malformed(problem: string): never {
    throw new XmlRpcParseError(`malformed XML at offset ${this.pos}: ${problem}`);
  }
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x09 || code === 0x0d;
}

/** What `&name;` stands for, or null when XML does not define it. */
function entity(name: string): string | null {
  switch (name) {
    case 'amp':
      return '&';
    case 'lt':
      return '<';
    case 'gt':
      return '>';
    case 'quot':
      return '"';
    case 'apos':
      return "'";
    default: {
      const m = CHAR_REFERENCE.exec(name);
      if (m === null) return null;
      const code = m[1] === undefined ? Number(m[2]) : Number.parseInt(m[1], 16);
      return isXmlChar(code) ? String.fromCodePoint(code) : null;
    }
  }
}

/** XML 1.0's Char production. */
function isXmlChar(code: number): boolean {
  return (
    code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff)
  );
}

function decodeInteger(text: string): number {
  if (!/^\s*[+-]?[0-9]+\s*$/.test(text)) throw new XmlRpcParseError(`bad integer '${text}'`);
  return Number.parseInt(text, 10);
}

function decodeBoolean(text: string): boolean {
  if (text === '1') return true;
  if (text === '0') return false;
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

/** A decoded struct: the only decoded object that is not an array, Date or Uint8Array. */
function isPlainStruct(value: XmlRpcValue): value is XmlRpcStruct {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof Uint8Array);
}

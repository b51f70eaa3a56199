import { describe, expect, it } from 'vitest';
import {
  decodeMethodCall,
  decodeMethodResponse,
  encodeFault,
  encodeMethodCall,
  encodeMethodResponse,
  encodeMethodResponseChunks,
  EncodedValue,
  encodeValue,
  formatDouble,
  XmlRpcDouble,
  XmlRpcParseError,
  type XmlRpcValue,
} from '../../../src/rpc/xmlrpc-codec.js';

// Byte strings printed by /usr/bin/python3's xmlrpc.client.dumps (see the test titles for the call).
const PY_CALL =
  "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.m</methodName>\n<params>\n<param>\n<value><int>1</int></value>\n</param>\n<param>\n<value><boolean>1</boolean></value>\n</param>\n<param>\n<value><string>a&lt;&amp;&gt;'\"</string></value>\n</param>\n<param>\n<value><double>2.5</double></value>\n</param>\n<param>\n<value><struct>\n<member>\n<name>k</name>\n<value><array><data>\n<value><int>1</int></value>\n<value><string>b</string></value>\n</data></array></value>\n</member>\n<member>\n<name>e</name>\n<value><struct>\n</struct></value>\n</member>\n</struct></value>\n</param>\n<param>\n<value><base64>\nAGhp\n</base64></value>\n</param>\n<param>\n<value><dateTime.iso8601>20240102T03:04:05</dateTime.iso8601></value>\n</param>\n<param>\n<value><int>-7</int></value>\n</param>\n<param>\n<value><array><data>\n</data></array></value>\n</param>\n<param>\n<value><string></string></value>\n</param>\n</params>\n</methodCall>\n";
const PY_CALL_VALUES: XmlRpcValue[] = [
  1, true, 'a<&>\'"', new XmlRpcDouble(2.5), { k: [1, 'b'], e: {} }, new Uint8Array([0, 104, 105]),
  new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), -7, [], '',
];
const PY_NIL = "<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n<param>\n<value><nil/></value></param>\n</params>\n</methodCall>\n";
const PY_FAULT =
  "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>10</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>BAD_NAME: web</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n";
const PY_RESPONSE =
  "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n<member>\n<name>name</name>\n<value><string>web</string></value>\n</member>\n<member>\n<name>pid</name>\n<value><int>123</int></value>\n</member>\n<member>\n<name>description</name>\n<value><string>pid 123, uptime 0:00:05</string></value>\n</member>\n</struct></value>\n</param>\n</params>\n</methodResponse>\n";
const PY_B64_LONG =
  "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><base64>\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4\nOTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiYw==\n</base64></value>\n</param>\n</params>\n</methodResponse>\n";

function call(body: string): string {
  return `<?xml version="1.0"?><methodCall><methodName>m</methodName><params>${body}</params></methodCall>`;
}

describe('encoding', () => {
  it('writes a methodCall byte for byte as xmlrpc.client.dumps(params, "supervisor.m") does', () => {
    expect(encodeMethodCall('supervisor.m', PY_CALL_VALUES)).toBe(PY_CALL);
  });

  it('writes nil as Python does with allow_none', () => {
    expect(encodeMethodCall('m', [null])).toBe(PY_NIL);
  });

  it('writes a fault byte for byte as xmlrpc.client.dumps(Fault(10, "BAD_NAME: web"))', () => {
    expect(encodeFault(10, 'BAD_NAME: web')).toBe(PY_FAULT);
  });

  it('writes a response struct in insertion order as dumps(..., methodresponse=True)', () => {
    expect(encodeMethodResponse({ name: 'web', pid: 123, description: 'pid 123, uptime 0:00:05' })).toBe(PY_RESPONSE);
  });

  it('wraps base64 at 76 characters as base64.encodebytes does', () => {
    expect(encodeMethodResponse(new Uint8Array(Array.from({ length: 100 }, (_, i) => i)))).toBe(PY_B64_LONG);
  });

  it('formats doubles as Python repr(float)', () => {
    expect([1e16, 1e-5, 0.0001, 123456789.125, 2.0, 1.5e300].map(formatDouble)).toEqual([
      '1e+16', '1e-05', '0.0001', '123456789.125', '2.0', '1.5e+300',
    ]);
  });

  it('sends integers beyond 32 bits as double rather than an int Python would reject', () => {
    expect(encodeMethodResponse(2 ** 40)).toContain('<double>1099511627776.0</double>');
  });
});

describe('decoding', () => {
  it('reads every type from the request Python writes', () => {
    const { methodName, params } = decodeMethodCall(PY_CALL);
    expect(methodName).toBe('supervisor.m');
    expect(params).toEqual(PY_CALL_VALUES.map((v) => (v instanceof XmlRpcDouble ? v.value : v)));
  });

  it('reads nil', () => {
    expect(decodeMethodCall(PY_NIL).params).toEqual([null]);
  });

  it('round-trips nested values', () => {
    const value: XmlRpcValue = {
      s: ' spaced  text\n', n: -2147483648, b: false, list: [[1, 2], { x: 'y' }, [], ''],
      when: new Date(Date.UTC(1999, 11, 31, 23, 59, 59)), bin: new Uint8Array([255, 0, 1]), d: 0.5,
      unicode: 'héllo ☃ 𝄞',
    };
    const decoded = decodeMethodResponse(encodeMethodResponse(value));
    expect(decoded).toEqual({ isFault: false, value });
    expect(decodeMethodCall(encodeMethodCall('a.b', [value, 1, 'x'])).params).toEqual([value, 1, 'x']);
  });

  it('reads a fault', () => {
    expect(decodeMethodResponse(PY_FAULT)).toEqual({ isFault: true, faultCode: 10, faultString: 'BAD_NAME: web' });
  });

  it('treats an untyped <value> as a string, keeping its whitespace', () => {
    expect(decodeMethodCall(call('<param><value>  two words </value></param><param><value/></param>')).params).toEqual([
      '  two words ', '',
    ]);
  });

  it('accepts a call without <params>, as supervisord does', () => {
    expect(decodeMethodCall('<methodCall><methodName>system.listMethods</methodName></methodCall>')).toEqual({
      methodName: 'system.listMethods', params: [],
    });
  });

  it('decodes the five predefined entities, numeric references and CDATA', () => {
    const xml = call('<param><value><string>&lt;&gt;&amp;&apos;&quot;&#65;&#x263A;<![CDATA[<&amp;>]]></string></value></param>');
    expect(decodeMethodCall(xml).params).toEqual(['<>&\'"A☺<&amp;>']);
  });

  it('reads a response of nested arrays and structs, comments and CDATA included', () => {
    const xml =
      "<?xml version='1.0'?>\n<!-- from a proxy -->\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n" +
      '<value><struct>\n<member>\n<name>name</name>\n<value><string><![CDATA[a<b]]></string></value>\n</member>\n' +
      '<member>\n<name>when</name>\n<value><dateTime.iso8601>20240102T03:04:05</dateTime.iso8601></value>\n</member>\n' +
      '<member>\n<name>raw</name>\n<value><base64>\nAGhp\n</base64></value>\n</member>\n' +
      '<member>\n<name>list</name>\n<value><array><data>\n<value><array><data>\n</data></array></value>\n<value><struct>\n</struct></value>\n<value/>\n</data></array></value>\n</member>\n' +
      '</struct></value>\n</data></array></value>\n</param>\n</params>\n</methodResponse>\n';
    expect(decodeMethodResponse(xml)).toEqual({
      isFault: false,
      value: [{ name: 'a<b', when: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), raw: new Uint8Array([0, 104, 105]), list: [[], {}, ''] }],
    });
  });

  it('accepts i4, i8 and the words true/false', () => {
    const xml = call('<param><value><i4>5</i4></value></param><param><value><i8>-9</i8></value></param><param><value><boolean>true</boolean></value></param>');
    expect(decodeMethodCall(xml).params).toEqual([5, -9, true]);
  });

  it('gives struct members named __proto__ no power over the prototype', () => {
    const xml = call('<param><value><struct><member><name>__proto__</name><value><struct><member><name>polluted</name><value>1</value></member></struct></value></member></struct></value></param>');
    const [value] = decodeMethodCall(xml).params as [Record<string, unknown>];
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(value)).toEqual(['__proto__']);
  });
});

describe('refusing what is not XML-RPC', () => {
  it.each([
    ['a DOCTYPE with an internal entity (billion laughs)', '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><methodCall><methodName>&lol2;</methodName></methodCall>'],
    ['an external DTD', '<!DOCTYPE methodCall SYSTEM "http://example.com/x.dtd"><methodCall><methodName>m</methodName></methodCall>'],
    ['an external entity reference', '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><methodCall><methodName>&xxe;</methodName></methodCall>'],
    ['an undeclared entity', call('<param><value>&nbsp;</value></param>')],
    ['a bare ampersand', call('<param><value>a & b</value></param>')],
    ['a reference to a character XML forbids', call('<param><value>&#0;</value></param>')],
    ['unbalanced tags', '<methodCall><methodName>m</methodName><params></methodCall>'],
    ['text that is not XML', 'hello'],
    ['an empty body', ''],
    ['a methodCall without a methodName', '<methodCall><params/></methodCall>'],
    ['the wrong root element', '<methodResponse><params/></methodResponse>'],
    ['an unknown type', call('<param><value><float>1</float></value></param>')],
    ['a malformed integer', call('<param><value><int>12x</int></value></param>')],
    ['a malformed boolean', call('<param><value><boolean>2</boolean></value></param>')],
    ['a value with two types', call('<param><value><int>1</int><int>2</int></value></param>')],
    ['an element inside a scalar', call('<param><value><int><b/>1</int></value></param>')],
    ['a struct holding something other than members', call('<param><value><struct><x/></struct></value></param>')],
    ['a struct member without a value', call('<param><value><struct><member><name>a</name></member></struct></value></param>')],
    ['an array holding something other than values', call('<param><value><array><data><value>1</value><x/></data></array></value></param>')],
    ['a param without a value', call('<param><int>1</int></param>')],
    ['a second root element', '<methodCall><methodName>m</methodName></methodCall><methodCall/>'],
  ])('refuses %s', (_what, xml) => {
    expect(() => decodeMethodCall(xml)).toThrow(XmlRpcParseError);
  });

  it('refuses a response holding two params', () => {
    expect(() => decodeMethodResponse('<methodResponse><params><param><value>1</value></param><param><value>2</value></param></params></methodResponse>')).toThrow(XmlRpcParseError);
  });
});

describe('an answer in pieces', () => {
  const values: [string, XmlRpcValue][] = [
    ['a scalar', 'hello <world>'],
    ['an empty array', []],
    ['an empty struct', {}],
    ['a struct', { name: 'web', pid: 123, nested: [1, { a: true }] }],
    ['an array of structs', Array.from({ length: 300 }, (_, i) => ({ name: `p${i}`, description: 'x'.repeat(500) }))],
    ['pre-encoded values', [new EncodedValue(encodeValue('a & b')), new EncodedValue(encodeValue(7))]],
  ];

  it.each(values)('%s: the pieces together are exactly encodeMethodResponse', (_, value) => {
    expect([...encodeMethodResponseChunks(value, 4096)].join('')).toBe(encodeMethodResponse(value));
  });

  it('cuts a large array between items: no piece is much over the piece size, and none holds the whole answer', () => {
    const value = Array.from({ length: 2_000 }, () => 'y'.repeat(1_000));
    const pieces = [...encodeMethodResponseChunks(value, 64 * 1024)];
    expect(pieces.length).toBeGreaterThan(25);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThanOrEqual(64 * 1024 + 1_100);
    expect(pieces.reduce((sum, p) => sum + p.length, 0)).toBe(encodeMethodResponse(value).length);
  });

  it('writes a pre-encoded value as is, and it round-trips as the value it encodes', () => {
    const xml = encodeMethodResponse([new EncodedValue(encodeValue({ faultCode: 10, faultString: 'BAD_NAME: x' })), 'plain']);
    expect(decodeMethodResponse(xml)).toEqual({ isFault: false, value: [{ faultCode: 10, faultString: 'BAD_NAME: x' }, 'plain'] });
  });
});

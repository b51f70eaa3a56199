/**
 * The hand-written XML-RPC decoder: random values round-trip through the encoder, and malformed
 * input of every kind ends in XmlRpcParseError (never a hang, never another error). Fixed inputs
 * from Python's encoder are in xmlrpc-codec.test.ts; live answers of the real supervisord in
 * test/integration/rpc/decode-supervisord-answers.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeMethodCall,
  decodeMethodResponse,
  encodeFault,
  encodeMethodCall,
  encodeMethodResponse,
  XmlRpcDouble,
  XmlRpcParseError,
  type XmlRpcValue,
} from '../../../src/rpc/xmlrpc-codec.js';
import { MAX_DEPTH } from '../../../src/rpc/xmlrpc-decode.js';
import { seededRandom } from '../../support/seeded-random.js';

// Text XML can carry: no control characters but tab and LF (a CR is read as LF, as by every XML
// parser; Python's encoder sends it raw the same way), markup characters, entities' look-alikes,
// a CDATA end, non-ASCII and astral characters.
const PIECES = ['a', 'Z', ' ', '  ', '\t', '\n', '<', '>', '&', '"', "'", '&amp;', ']]>', '<![CDATA[x]]>', '<!-- c -->', 'é', '☃', '𝄞', '\u00a0', 'pid 12, uptime 0:00:01', '__proto__', '%'];

function randomText(next: () => number): string {
  let out = '';
  const n = Math.floor(next() * 6);
  for (let i = 0; i < n; i += 1) out += PIECES[Math.floor(next() * PIECES.length)];
  return out;
}

/** A random value, and what decoding its encoding must give (a double arrives as a plain number). */
function randomValue(next: () => number, depth: number): [XmlRpcValue, XmlRpcValue] {
  const kind = Math.floor(next() * (depth > 3 ? 8 : 10));
  switch (kind) {
    case 0: {
      const n = Math.floor(next() * 2 ** 32) - 2 ** 31;
      return [n, n];
    }
    case 1: {
      const b = next() < 0.5;
      return [b, b];
    }
    case 2: {
      const text = randomText(next);
      return [text, text];
    }
    case 3: {
      const d = [0.5, -1.25e-7, 1e300, 3.141592653589793, 2 ** 40, -(2 ** 53), NaN, Infinity, -Infinity, 1 / 3][Math.floor(next() * 10)] as number;
      return next() < 0.5 ? [new XmlRpcDouble(d), d] : [d, d];
    }
    case 4: {
      const date = new Date(Date.UTC(1000 + Math.floor(next() * 9000), Math.floor(next() * 12), 1 + Math.floor(next() * 28), Math.floor(next() * 24), Math.floor(next() * 60), Math.floor(next() * 60)));
      return [date, date];
    }
    case 5: {
      const bytes = new Uint8Array(Math.floor(next() * 120)).map(() => Math.floor(next() * 256));
      return [bytes, bytes];
    }
    case 6:
      return [null, null];
    case 7: {
      const n = next() < 0.5 ? 2 ** 31 : -(2 ** 31) - 1;
      return [n, n];
    }
    case 8: {
      const items: [XmlRpcValue[], XmlRpcValue[]] = [[], []];
      for (let i = Math.floor(next() * 5); i > 0; i -= 1) {
        const [value, decoded] = randomValue(next, depth + 1);
        items[0].push(value);
        items[1].push(decoded);
      }
      return items;
    }
    default: {
      const struct: [Record<string, XmlRpcValue>, Record<string, XmlRpcValue>] = [{}, {}];
      for (let i = Math.floor(next() * 5); i > 0; i -= 1) {
        const name = randomText(next);
        if (name === '__proto__') continue;
        const [value, decoded] = randomValue(next, depth + 1);
        struct[0][name] = value;
        struct[1][name] = decoded;
      }
      return struct;
    }
  }
}

describe('round trip through the encoder', () => {
  it.each(Array.from({ length: 8 }, (_, i) => i + 1))('decodes 250 random responses and calls back to their values (seed %i)', (seed) => {
    const next = seededRandom(seed);
    for (let i = 0; i < 250; i += 1) {
      const [value, expected] = randomValue(next, 0);
      expect({ i, decoded: decodeMethodResponse(encodeMethodResponse(value)) }).toEqual({ i, decoded: { isFault: false, value: expected } });
      expect({ i, decoded: decodeMethodCall(encodeMethodCall('supervisor.x', [value, expected])).params }).toEqual({ i, decoded: [expected, expected] });
    }
  });

  it('decodes a fault whose string holds markup characters', () => {
    expect(decodeMethodResponse(encodeFault(70, 'SPAWN_ERROR: <web> & "db"'))).toEqual({ isFault: true, faultCode: 70, faultString: 'SPAWN_ERROR: <web> & "db"' });
  });

  it('reads CR LF line ends and a lone CR as LF, as XML parsers do, and a &#13; reference as CR', () => {
    const xml = "<?xml version='1.0'?>\r\n<methodResponse>\r\n<params>\r\n<param>\r\n<value><string>a\r\nb\rc&#13;</string></value>\r\n</param>\r\n</params>\r\n</methodResponse>\r\n";
    expect(decodeMethodResponse(xml)).toEqual({ isFault: false, value: 'a\nb\nc\r' });
  });

  it('ignores attributes, whitespace inside tags, processing instructions and a byte order mark', () => {
    const xml = "\ufeff<?xml version='1.0' encoding='utf-8'?><?pi x?><methodResponse xmlns:ex=\"http://ws.apache.org/xmlrpc/namespaces/extensions\" ><params ><param><value\n><ex:nil/></value></param></params></methodResponse >";
    expect(decodeMethodResponse(xml)).toEqual({ isFault: false, value: null });
  });

  it('reads a 3 MB answer in time proportional to its size, with and without entities', () => {
    const programs = (text: string): XmlRpcValue[] => Array.from({ length: 5000 }, (_, i) => ({ name: `p${i}`, group: `p${i}`, description: text, pid: i, state: 20, statename: 'RUNNING', start: 1, stop: 0, now: 2, spawnerr: '', exitstatus: 0, logfile: '', stdout_logfile: '', stderr_logfile: '' }));
    for (const text of ['pid 1, uptime 0:00:01', 'a < b']) {
      const xml = encodeMethodResponse(programs(text));
      expect(xml.length).toBeGreaterThan(3_000_000);
      const started = performance.now();
      const decoded = decodeMethodResponse(xml);
      // Linear is ~0.1 s on a loaded 2-core machine; searching the rest of the document at each of
      // its 300,000 gaps between tags would take minutes.
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(decoded).toEqual({ isFault: false, value: programs(text) });
    }
  });

  it(`reads values nested ${MAX_DEPTH - 1} deep and refuses deeper ones`, () => {
    const nested = (n: number): string => `${'<value><array><data>'.repeat(n)}${'</data></array></value>'.repeat(n)}`;
    const response = (n: number): string => `<methodResponse><params><param>${nested(n)}</param></params></methodResponse>`;
    expect(decodeMethodResponse(response(MAX_DEPTH - 1)).isFault).toEqual(false);
    expect(() => decodeMethodResponse(response(MAX_DEPTH + 5))).toThrow(`values nested deeper than ${MAX_DEPTH}`);
    expect(() => decodeMethodResponse(response(20_000))).toThrow(XmlRpcParseError);
  });
});

const GOOD = encodeMethodResponse([{ name: 'web', pid: 12, description: 'a &lt; b', up: true, raw: new Uint8Array([1, 2, 3]), when: new Date(0), d: new XmlRpcDouble(1.5) }, null]);

function response(body: string): string {
  return `<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n${body}</param>\n</params>\n</methodResponse>\n`;
}

describe('malformed responses', () => {
  it('refuses every truncation of a good answer, quickly', () => {
    const started = performance.now();
    const outcomes = new Set<string>();
    for (let end = 0; end < GOOD.length - 1; end += 1) {
      try {
        decodeMethodResponse(GOOD.slice(0, end));
        outcomes.add(`accepted at ${end}: ${GOOD.slice(0, end)}`);
      } catch (error) {
        outcomes.add(error instanceof XmlRpcParseError ? 'XmlRpcParseError' : `${(error as Error).name} at ${end}`);
      }
    }
    // The last character is the final newline, after the root: dropping it leaves a whole document.
    expect([...outcomes]).toEqual(['XmlRpcParseError']);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('refuses every single-character corruption of a good answer that breaks it, with XmlRpcParseError only', () => {
    const outcomes = new Set<string>();
    for (let at = 0; at < GOOD.length; at += 1) {
      for (const c of ['<', '>', '&', '/', '"', 'x', '\0']) {
        try {
          decodeMethodResponse(GOOD.slice(0, at) + c + GOOD.slice(at + 1));
        } catch (error) {
          if (!(error instanceof XmlRpcParseError)) outcomes.add(`${(error as Error).name}: ${(error as Error).message} (${c} at ${at})`);
        }
      }
    }
    expect([...outcomes]).toEqual([]);
  });

  it.each([
    ['a DOCTYPE', `<!DOCTYPE methodResponse [<!ENTITY a "b">]>${response('<value>&a;</value>')}`],
    ['a DOCTYPE inside the root', response('<!DOCTYPE x><value>1</value>')],
    ['an undeclared entity', response('<value>&nbsp;</value>')],
    ['a bare ampersand', response('<value>a & b</value>')],
    ['an ampersand with a far-off semicolon', response('<value>&amp ok then;</value>')],
    ['a reference to a surrogate', response('<value>&#xD800;</value>')],
    ['a reference beyond Unicode', response('<value>&#x110000;</value>')],
    ['a reference to NUL', response('<value>&#0;</value>')],
    ['a raw control character', response('<value>\u0001</value>')],
    [']]> in text', response('<value>a]]>b</value>')],
    ['an unterminated comment', response('<value>1</value><!-- ')],
    ['-- inside a comment', response('<!-- a -- b --><value>1</value>')],
    ['an unterminated CDATA section', response('<value><![CDATA[abc</value>')],
    ['an unterminated processing instruction', response('<?pi <value>1</value>')],
    ['a mismatched end tag', response('<value><string>a</strong></value>')],
    ['an end tag with a longer name', response('<value><string>a</stringy></value>')],
    ['a start tag without its >', response('<value><string a</string></value>')],
    ['an attribute without quotes', response('<value a=b>1</value>')],
    ['an attribute without a value', response('<value a>1</value>')],
    ['text after the root', `${response('<value>1</value>')}junk`],
    ['text before the root', `junk${response('<value>1</value>')}`],
    ['a second root', `${response('<value>1</value>')}<methodResponse/>`],
    ['an empty root', '<methodResponse/>'],
    ['an empty params', '<methodResponse><params/></methodResponse>'],
    ['an empty param', '<methodResponse><params><param/></params></methodResponse>'],
    ['params and fault', `<methodResponse><params><param><value>1</value></param></params><fault><value>1</value></fault></methodResponse>`],
    ['a fault that is no struct', '<methodResponse><fault><value><int>1</int></value></fault></methodResponse>'],
    ['a fault without faultString', '<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1</int></value></member></struct></value></fault></methodResponse>'],
    ['an unknown type', response('<value><float>1</float></value>')],
    ['a type that names a prototype property', response('<value><toString>1</toString></value>')],
    ['an empty int', response('<value><int/></value>')],
    ['an int with a fraction', response('<value><int>1.5</int></value>')],
    ['a malformed double', response('<value><double>1.2.3</double></value>')],
    ['a malformed date', response('<value><dateTime.iso8601>yesterday</dateTime.iso8601></value>')],
    ['malformed base64', response('<value><base64>@@@@</base64></value>')],
    ['an array without data', response('<value><array/></value>')],
    ['an array with two data', response('<value><array><data/><data/></array></value>')],
    ['a member with two names', response('<value><struct><member><name>a</name><name>b</name></member></struct></value>')],
    ['a member with a third child', response('<value><struct><member><name>a</name><value>1</value><value>2</value></member></struct></value>')],
    ['an empty member', response('<value><struct><member/></struct></value>')],
    ['an element in a name', response('<value><struct><member><name><b/></name><value>1</value></member></struct></value>')],
    ['text only, no XML', 'Internal Server Error'],
    ['an HTML error page', '<html><body>500</body></html>'],
    ['an empty body', ''],
    ['whitespace only', ' \n '],
  ])('refuses %s', (_what, xml) => {
    expect(() => decodeMethodResponse(xml)).toThrow(XmlRpcParseError);
  });

  it('names where the XML broke', () => {
    const xml = response('<value>a & b</value>');
    expect(() => decodeMethodResponse(xml)).toThrow(`malformed XML at offset ${xml.indexOf('&')}: '&' must start an entity`);
  });
});

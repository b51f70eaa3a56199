import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expand } from '../../../src/config/expand.js';

const names = new Map<string, string | number>([
  ['program_name', 'web'],
  ['group_name', 'shop'],
  ['process_num', 3],
  ['numprocs', 10],
  ['host_node_name', 'box1'],
  ['here', '/etc/supd'],
  ['ENV_HOME', '/home/u'],
]);
const run = (t: string) => {
  const r = expand(t, names);
  return r.ok ? r.value : `ERR ${r.reason}`;
};

describe('%-expansion, as Python `template % expansions`', () => {
  // Expected values are Python 3's output for the same format strings.
  it.each([
    ['%(program_name)s_%(process_num)02d', 'web_03'],
    ['%(program_name)s_%(process_num)03d', 'web_003'],
    ['%(group_name)s/%(host_node_name)s/%(here)s', 'shop/box1//etc/supd'],
    ['%(numprocs)d of %(process_num)d', '10 of 3'],
    ['%(ENV_HOME)s/app', '/home/u/app'],
    ['%%', '%'],
    ['100%% sure', '100% sure'],
    ['celery -n seer@%%h', 'celery -n seer@%h'],
    ['%(process_num)x', '3'],
    ['%(process_num)5s|', '    3|'],
    ['%(program_name)-6s|', 'web   |'],
    ['%(process_num)+d', '+3'],
    ['%(program_name)r', "'web'"],
    ['%(process_num).3d', '003'],
    ['%(process_num)05.1f', '003.0'],
    ['%(process_num)e', '3.000000e+00'],
    ['%(process_num)g', '3'],
    ['%(program_name).2s', 'we'],
    ['no percent at all', 'no percent at all'],
  ])('expands %j to %j', (template, expected) => {
    expect(run(template)).toBe(expected);
  });

  it('names an unknown name and lists what is available', () => {
    expect(run('%(nope)s')).toBe(
      'ERR %(nope)s cannot be expanded here; available: group_name, here, host_node_name, numprocs, process_num, program_name, ENV_<variable> (write %% for a literal %)',
    );
  });

  it('names the variable when an ENV_ name is not set', () => {
    expect(run('%(ENV_MISSING)s')).toBe('ERR %(ENV_MISSING)s: environment variable MISSING is not set');
  });

  it('refuses a malformed %, a number format for text, and a % without a name', () => {
    expect(run('date +%s')).toMatch(/^ERR '%s' at index 6 has no \(name\)/);
    expect(run('%z')).toMatch(/^ERR unsupported format character 'z' \(0x7a\) at index 1/);
    expect(run('50%')).toMatch(/^ERR incomplete format/);
    expect(run('%(program_name)')).toMatch(/^ERR incomplete format/);
    expect(run('%(program_name)d')).toBe('ERR %(program_name)d: %d format: a real number is required, not str');
  });
});

describe('%-conversions exactly as Python 3 formats them', () => {
  /** Python's own output for each case, from scripts/python-format-oracle.py. */
  const oracle = JSON.parse(readFileSync(new URL('./python-format.json', import.meta.url), 'utf8')) as [
    string,
    string | number,
    ['ok' | 'err', string],
  ][];

  it(`gives Python's output or Python's error text for ${oracle.length} conversions`, () => {
    const differ = oracle.flatMap(([template, value, [kind, expected]]) => {
      const r = expand(template, new Map([['v', value]]));
      const same = kind === 'ok' ? r.ok && r.value === expected : !r.ok && r.reason.includes(expected);
      return same ? [] : [{ template, value, python: expected, supd: r.ok ? r.value : r.reason }];
    });
    expect(differ).toEqual([]);
  });

  it('formats precisions beyond 100 and ties half to even, as Python does', () => {
    expect(run('%(process_num).101f')).toBe(`3.${'0'.repeat(101)}`);
    expect(run('%(process_num).150g')).toBe('3');
    expect(expand('%(n).0e', new Map([['n', 25]]))).toEqual({ ok: true, value: '2e+01' });
  });

  it("refuses %c out of range and over-long widths with Python's words, or the size bound", () => {
    expect(expand('%(n)c', new Map([['n', 1114112]]))).toEqual({ ok: false, reason: '%(n)c: %c arg not in range(0x110000)' });
    expect(run('%(process_num)99999999999999999999d')).toBe('ERR %(process_num)d: width too big');
    expect(run('%(process_num)999999999d')).toBe(
      'ERR %(process_num)d: expands to more than 4 MiB, the most supd accepts in one value',
    );
  });
});

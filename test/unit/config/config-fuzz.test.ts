/**
 * Fuzzing the config loader: seeded mutations of the real-world configs (../shared/configs, read
 * in place) must each end as a loaded config or config errors, never an exception, a hang, or the
 * loader's last-resort "bug in supd" error. SUPD_FUZZ_SEED and SUPD_FUZZ_CASES change the run;
 * a failure names the seed and case, so it can be replayed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { EVENTLISTENER_KEYS, GROUP_KEYS, PROGRAM_KEYS } from '../../../src/config/program-keys.js';
import { SUPERVISORD_KEYS, UNIX_HTTP_SERVER_KEYS } from '../../../src/config/supervisord-keys.js';
import { REAL_CONFIGS, REAL_CONFIGS_ABSENT_NOTE, REAL_CONFIGS_DIR } from '../../support/real-configs.js';
import { seededRandom } from '../../support/seeded-random.js';
import { fakeFiles } from './fake-files.js';

const SEED = Number(process.env['SUPD_FUZZ_SEED'] ?? 20261203);
const CASES = Number(process.env['SUPD_FUZZ_CASES'] ?? 400);
/** The whole run; a case slower than this alone is a hang. */
const RUN_BUDGET_MS = 20_000;
const CASE_BUDGET_MS = 10_000;

const KEYS = [
  ...Object.keys(PROGRAM_KEYS),
  ...Object.keys(EVENTLISTENER_KEYS),
  ...Object.keys(GROUP_KEYS),
  ...Object.keys(SUPERVISORD_KEYS),
  ...Object.keys(UNIX_HTTP_SERVER_KEYS),
  'files',
  'port',
];
const VALUES = [
  '', '0', '-5', '1', '99999999999999999999999', '1e3', '0x10', '017', 'true', 'maybe', 'AUTO', 'NONE', 'syslog',
  '%(process_num)d', '%(process_num)999999999d', '%(process_num).101f', '%(process_num).150g', '%(process_num)c',
  '%(numprocs)99999999999999999999d', '%(ENV_HOME)s', '%(ENV_NOPE)s', '%(program_name)*d', '%s', '%', '%%', '%(',
  '%(here)r', '%(group_name)a', 'KEY="unterminated', 'A=1,B="x,y"', "sh -c 'a ; b'", '"', 'TERM', 'SIGKILL', 'KILL9',
  '1,2,3', 'unexpected', '50MB', '-1KB', '9999999999GB', 'root', 'nosuchuser:nogroup', '127.0.0.1:0', ':9001',
  '*:99999', '/dev/zero', 'é☃😀', ' \t ', 'x'.repeat(5000), 'PROCESS_STATE,TICK_5', 'NOPE_EVENT',
];
const SECTIONS = [
  '[program:]', '[program:fz]', '[program:a b]', '[group:g]', '[eventlistener:ev]', '[fcgi-program:f]', '[include]',
  '[unix_http_server]', '[inet_http_server]', '[supervisorctl]', '[DEFAULT]', '[supervisord]', '[rpcinterface:x]',
  '[', '[]', '[program:fz', '[group:]',
];
const BYTES = [[0xff], [0xc3], [0xef, 0xbb, 0xbf], [0x00], [0xed, 0xa0, 0x80], [0x0d], [0x09], [0x5b], [0x25]];

type Mutation = (lines: string[], pick: <T>(items: readonly T[]) => T, n: (max: number) => number) => void;

const MUTATIONS: Mutation[] = [
  (l, _p, n) => void l.splice(n(l.length), 1),
  (l, _p, n) => {
    const i = n(l.length);
    l.splice(i, 0, l[i] ?? '');
  },
  (l, _p, n) => {
    const [i, j] = [n(l.length), n(l.length)];
    [l[i], l[j]] = [l[j] ?? '', l[i] ?? ''];
  },
  (l, p, n) => void l.splice(n(l.length + 1), 0, `${p(KEYS)}=${p(VALUES)}`),
  (l, p, n) => void l.splice(n(l.length + 1), 0, p(SECTIONS)),
  (l, p, n) => {
    const i = n(l.length);
    const eq = (l[i] ?? '').indexOf('=');
    if (eq !== -1) l[i] = `${(l[i] ?? '').slice(0, eq + 1)}${p(VALUES)}`;
  },
  (l, _p, n) => {
    const i = n(l.length);
    l[i] = `  ${l[i] ?? ''}`;
  },
  (l, p, n) => {
    const i = n(l.length);
    const line = l[i] ?? '';
    const at = n(line.length + 1);
    l[i] = line.slice(0, at) + p(['%', '(', ')', '=', ':', ';', '#', '"', "'", '\\', ',', '[', ']', '%(process_num)', '\t']) + line.slice(at);
  },
  (l, _p, n) => void l.splice(n(l.length + 1)),
];

/** One mutated config as bytes (some mutations insert bytes that are not UTF-8). */
function mutate(text: string, random: () => number): Uint8Array {
  const n = (max: number) => Math.floor(random() * Math.max(max, 1));
  const pick = <T>(items: readonly T[]): T => items[n(items.length)] as T;
  const lines = text.split('\n');
  const rounds = 1 + n(4);
  for (let r = 0; r < rounds; r++) pick(MUTATIONS)(lines, pick, n);
  const encoded = Buffer.from(lines.join('\n'), 'utf8');
  if (random() < 0.1) {
    const at = n(encoded.length + 1);
    return Buffer.concat([encoded.subarray(0, at), Buffer.from(pick(BYTES)), encoded.subarray(at)]);
  }
  return encoded;
}

it.skipIf(REAL_CONFIGS_DIR !== null)(REAL_CONFIGS_ABSENT_NOTE, () => undefined);

describe.skipIf(REAL_CONFIGS_DIR === null)('the config loader under fuzzing', () => {
  it(`ends every mutated real config (seed ${SEED}, ${CASES} cases) as a config or config errors, in time`, () => {
    const sources = REAL_CONFIGS.map((name) => ({ name, text: readFileSync(join(REAL_CONFIGS_DIR ?? '', name), 'utf8') }));
    const random = seededRandom(SEED);
    const env = { HOME: '/root', SUPERVISORD_STOPWAITSECS: '30', PORT: '9091', POSTGREY_DELAY: '300' };
    const problems: string[] = [];
    const started = performance.now();
    let ran = 0;
    for (let i = 0; i < CASES && performance.now() - started < RUN_BUDGET_MS; i++, ran++) {
      const source = sources[Math.floor(random() * sources.length)]!;
      const file = `/etc/supervisor/${source.name}`;
      const bytes = mutate(source.text, random);
      const label = `seed ${SEED} case ${i} (${source.name})`;
      const t0 = performance.now();
      try {
        const r = loadConfig(file, fakeFiles(new Map([[file, bytes]])), env, 'box1');
        const messages = r.ok ? [] : r.errors.map((e) => e.message);
        if (!r.ok && messages.length === 0) problems.push(`${label}: refused without an error`);
        for (const m of messages) {
          if (/a bug in supd|cannot be read \(/.test(m)) problems.push(`${label}: ${m}`);
          if (!m.startsWith(file) && !m.startsWith('/etc/supervisor')) problems.push(`${label}: error names no file: ${m}`);
        }
      } catch (e) {
        problems.push(`${label}: threw ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      }
      const took = performance.now() - t0;
      if (took > CASE_BUDGET_MS) problems.push(`${label}: took ${Math.round(took)} ms`);
    }
    expect(problems).toEqual([]);
    expect(ran).toBeGreaterThanOrEqual(Math.min(CASES, 200));
  });
});

import { describe, expect, it } from 'vitest';
import {
  autorestart,
  bool,
  byteSize,
  exitcodes,
  inetAddress,
  integer,
  keyValuePairs,
  logfile,
  octal,
  signalList,
  signalName,
} from '../../../src/config/values.js';

const value = <T>(r: { ok: true; value: T } | { ok: false; reason: string }) => (r.ok ? r.value : `ERR ${r.reason}`);

describe('value parsers, as supervisord datatypes.py', () => {
  it('reads booleans in any case and refuses anything else', () => {
    expect(['yes', 'TRUE', 'On', '1', 'no', 'False', 'off', '0'].map((s) => value(bool(s)))).toEqual([
      true, true, true, true, false, false, false, false,
    ]);
    expect(bool('maybe')).toMatchObject({ ok: false });
  });

  it('reads integers as Python int() does', () => {
    expect([' 5 ', '-3', '+2', '1_000'].map((s) => value(integer(s)))).toEqual([5, -3, 2, 1000]);
    expect(value(integer('abc'))).toBe('ERR expected an integer');
    expect(integer('1.5')).toMatchObject({ ok: false });
  });

  it('reads byte sizes with KB, MB and GB in any case', () => {
    expect(['0', '1024', '10kb', '50MB', '1GB'].map((s) => value(byteSize(s)))).toEqual([
      0, 1024, 10240, 50 * 1024 * 1024, 1024 ** 3,
    ]);
    expect(byteSize('50 megs')).toMatchObject({ ok: false });
  });

  it('reads umask as octal, with or without a leading 0 or 0o', () => {
    expect(['022', '22', '0o22', '0777'].map((s) => value(octal(s)))).toEqual([18, 18, 18, 511]);
    expect(octal('8')).toMatchObject({ ok: false });
  });

  it('reads signals by name, with or without SIG, any case, or by number', () => {
    expect(['TERM', 'SIGTERM', 'term', 'hup', '9', 'SIGUSR1', 'CLD', 'IOT', 'RTMIN'].map((s) => value(signalName(s)))).toEqual([
      'TERM', 'TERM', 'TERM', 'HUP', 'KILL', 'USR1', 'CHLD', 'ABRT', 'RTMIN',
    ]);
    expect(signalName('TERMINATE')).toMatchObject({ ok: false });
    expect(signalName('33')).toMatchObject({ ok: false });
  });

  it('reads the real-time signals between RTMIN and RTMAX by name or number (supd extension)', () => {
    expect(['34', 'RTMIN+1', 'sigrtmin+2', '36', 'RTMAX-1', '63', 'RTMIN+30', '64', 'RTMAX-0'].map((s) => value(signalName(s)))).toEqual([
      'RTMIN', 'RTMIN+1', 'RTMIN+2', 'RTMIN+2', 'RTMAX-1', 'RTMAX-1', 'RTMAX', 'RTMAX', 'RTMAX',
    ]);
    expect(['RTMIN+31', 'RTMAX-31', 'RTMIN-1', '65', 'RTMIN+'].map((s) => signalName(s).ok)).toEqual([false, false, false, false, false]);
  });

  it('reads forward_signals as a whitespace or comma list', () => {
    expect(value(signalList('USR1 WINCH,SIGHUP'))).toEqual(['USR1', 'WINCH', 'HUP']);
    expect(value(signalList(''))).toEqual([]);
    expect(signalList('USR1 NOPE')).toMatchObject({ ok: false });
  });

  it('reads exit codes as a comma list of 0..255', () => {
    expect(value(exitcodes('0,2, 3'))).toEqual([0, 2, 3]);
    expect(value(exitcodes(''))).toEqual([]);
    expect(exitcodes('256')).toMatchObject({ ok: false });
    expect(exitcodes('0,x')).toMatchObject({ ok: false });
  });

  it('reads autorestart as true, false or unexpected', () => {
    expect(['true', 'yes', 'false', '0', 'UNEXPECTED'].map((s) => value(autorestart(s)))).toEqual([
      'true', 'true', 'false', 'false', 'unexpected',
    ]);
    expect(value(autorestart('maybe'))).toBe('ERR expected true, false or unexpected');
  });

  it('reads logfile targets, NONE and AUTO in any case', () => {
    expect(['NONE', 'none', 'off', 'AUTO', 'auto', '/var/log/x.log', 'syslog'].map((s) => value(logfile(s)))).toEqual([
      null, null, null, 'AUTO', 'AUTO', '/var/log/x.log', { syslog: true },
    ]);
  });

  it('reads inet ports as port or host:port', () => {
    expect(value(inetAddress('9001'))).toEqual({ host: '', port: 9001 });
    expect(value(inetAddress('127.0.0.1:9001'))).toEqual({ host: '127.0.0.1', port: 9001 });
    expect(value(inetAddress('*:80'))).toEqual({ host: '', port: 80 });
    expect(inetAddress('host:')).toMatchObject({ ok: false });
    expect(inetAddress('70000')).toMatchObject({ ok: false });
  });
});

describe('environment= (dict_of_key_value_pairs)', () => {
  // Expected values are what supervisord 4.2.5 returns for the same strings.
  it.each([
    ['A="x,y",B=2', { A: 'x,y', B: '2' }],
    ["A='a b',B=\"c\"", { A: 'a b', B: 'c' }],
    ['A=1,\n  B=2', { A: '1', B: '2' }],
    ['PATH="/usr/bin:/bin",HOME=/home/u', { PATH: '/usr/bin:/bin', HOME: '/home/u' }],
    ['A=x#y,B=2', { A: 'x' }],
    ['', {}],
  ])('parses %j as supervisord does', (raw, expected) => {
    expect(value(keyValuePairs(raw))).toEqual(expected);
  });

  it.each(['A=user@host', 'A=1 B=2', 'A=', 'A="unclosed'])('refuses %j as supervisord does', (raw) => {
    expect(keyValuePairs(raw)).toMatchObject({ ok: false });
  });
});

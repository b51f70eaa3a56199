// The pure part of user= resolution: /etc/passwd text in, an entry or supervisord's words out.
import { describe, expect, it } from 'vitest';
import { findUser, parsePasswd } from '../../../src/os/passwd.js';

const PASSWD = `root:x:0:0:root:/root:/bin/bash
# a comment
+nisuser::::::
broken:line
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
app:x:1000:1001:App,,,:/home/app:/bin/sh
`;

describe('parsePasswd', () => {
  it('keeps well-formed entries and skips comments, NIS lines and malformed lines', () => {
    expect(parsePasswd(PASSWD).map((e) => e.name)).toEqual(['root', 'nobody', 'app']);
    expect(parsePasswd(PASSWD)[2]).toEqual({ name: 'app', uid: 1000, gid: 1001, home: '/home/app', shell: '/bin/sh' });
  });
});

describe('findUser', () => {
  const entries = parsePasswd(PASSWD);
  it('finds a user by name', () => {
    expect(findUser(entries, 'app')).toMatchObject({ ok: true, entry: { uid: 1000, gid: 1001 } });
  });
  it('treats digits as a uid, as supervisord tries int() first', () => {
    expect(findUser(entries, '65534')).toMatchObject({ ok: true, entry: { name: 'nobody' } });
  });
  it("reports an unknown name in supervisord's words", () => {
    expect(findUser(entries, 'bob')).toEqual({ ok: false, reason: "Can't find username 'bob'" });
  });
  it("reports an unknown uid in supervisord's words", () => {
    expect(findUser(entries, '4242')).toEqual({ ok: false, reason: "Can't find uid 4242" });
  });
});

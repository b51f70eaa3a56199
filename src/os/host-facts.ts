/**
 * The HostFacts adapter: the config layer's questions about this machine (config/host-checks.ts),
 * answered from /etc/passwd, /etc/group, stat and spawn.ts's own command check, so --check and a
 * real spawn agree on what can run.
 */
import { statSync } from 'node:fs';
import type { HostFacts } from '../config/host-checks.js';
import { findUser, readPasswdFile } from './passwd.js';
import { checkCommand } from './spawn.js';
import { describeSpawnFailure } from './spawn-failure.js';
import { findGroupId, readGroupFile } from './users.js';

export function nodeHostFacts(): HostFacts {
  // Read once per load: a config names a few users, and the files do not change in between.
  let passwd: ReturnType<typeof readPasswdFile> | undefined;
  let groups: string | undefined;
  return {
    userProblem(user) {
      passwd ??= readPasswdFile();
      const found = findUser(passwd, user);
      return found.ok ? null : found.reason;
    },
    groupProblem(group) {
      groups ??= readGroupFile();
      return findGroupId(groups, group) === null ? `Can't find group '${group}'` : null;
    },
    isDirectory(path) {
      try {
        return statSync(path).isDirectory();
      } catch {
        return false;
      }
    },
    commandProblem(argv, env, cwd) {
      const failure = checkCommand({ argv, env, cwd, umask: null, user: null });
      return failure === null ? null : describeSpawnFailure(failure);
    },
  };
}

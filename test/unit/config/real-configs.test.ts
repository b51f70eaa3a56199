/**
 * The real-world configs in /work/shared/configs (see its README): supd must reach supervisord
 * 4.2.5's verdict on each, in the same environment. Checks that need the disk or the user database
 * (log directories, user=) belong to the os layer, so the configs supervisord refuses only for
 * those reasons load here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { REAL_CONFIGS, REAL_CONFIGS_ABSENT_NOTE, REAL_CONFIGS_DIR } from '../../support/real-configs.js';

const DIR = REAL_CONFIGS_DIR ?? '';
const present = REAL_CONFIGS_DIR !== null;
const configs = REAL_CONFIGS;

/** Each file read as itself; its [include] globs find nothing, as they do on this machine. */
const files = {
  readFile: (path: string) => readFileSync(path, 'utf8'),
  glob: () => [],
};
// litellm reads SUPERVISORD_STOPWAITSECS and sentry-seer PORT, as their images set them.
const env = { HOME: '/root', SUPERVISORD_STOPWAITSECS: '30', PORT: '9091' };

/** The errors supd must give for the configs supervisord refuses for a config reason. */
const REFUSED: Record<string, (file: string) => string[]> = {
  'ddev-nginx-fpm.conf': (f) => [`${f}: no [supervisord] section (supervisord requires one, in this file or an [include]d one)`],
  'docker-mailserver.conf': (f) => [
    expect.stringMatching(new RegExp(`^${f}:\\d+: \\[program:postgrey\\] command=.*: %\\(ENV_POSTGREY_DELAY\\)s: environment variable POSTGREY_DELAY is not set$`)),
    expect.stringMatching(new RegExp(`^${f}:\\d+: \\[program:fetchmail\\] command=.*: %\\(ENV_FETCHMAIL_POLL\\)s: environment variable FETCHMAIL_POLL is not set$`)),
  ],
};

describe.skipIf(!present)('real-world configs from /work/shared/configs', () => {
  it.each(configs)('%s gets the verdict supervisord 4.2.5 gives it', (name) => {
    const path = `${DIR}/${name}`;
    const result = loadConfig(path, files, env, 'box1');
    const messages = result.ok ? [] : result.errors.map((e) => e.message);
    if (readFileSync(path, 'utf8').includes('[fcgi-program:')) {
      expect(messages).toEqual([expect.stringMatching(/^.*:\d+: \[fcgi-program:[^\]]+\] is not supported by supd$/)]);
    } else {
      expect(messages).toEqual(REFUSED[name]?.(path) ?? []);
    }
  });
});

it.skipIf(present)(REAL_CONFIGS_ABSENT_NOTE, () => undefined);

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../../src/events/payloads.js';

const DOC = readFileSync(resolve(import.meta.dirname, '../../../docs/events.md'), 'utf8');

describe('docs/events.md', () => {
  it('has a row for every event type supd knows', () => {
    const missing = Object.keys(EVENT_TYPES).filter((name) => !new RegExp(`^\\| \\*?${name}\\*? \\|`, 'm').test(DOC));
    expect(missing).toEqual([]);
  });
});

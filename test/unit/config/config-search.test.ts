import { describe, expect, it } from 'vitest';
import { findConfigFile } from '../../../src/config/config-search.js';

describe('findConfigFile', () => {
  it('prefers supd.conf in the working directory', () => {
    const all = new Set(['/srv/supd.conf', '/srv/etc/supd.conf', '/etc/supervisord.conf']);
    expect(findConfigFile((p) => all.has(p), '/srv')).toBe('/srv/supd.conf');
  });

  it('falls back through supd names, then supervisord names, in order', () => {
    const order = [
      '/srv/etc/supd.conf',
      '/etc/supd/supd.conf',
      '/srv/supervisord.conf',
      '/etc/supervisord.conf',
      '/etc/supervisor/supervisord.conf',
    ];
    for (let i = 0; i < order.length; i++) {
      const existing = new Set(order.slice(i));
      expect(findConfigFile((p) => existing.has(p), '/srv/')).toBe(order[i]);
    }
  });

  it('returns null when nothing exists', () => {
    expect(findConfigFile(() => false, '/srv')).toBeNull();
  });
});

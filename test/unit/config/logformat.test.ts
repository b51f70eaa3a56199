import { describe, expect, it } from 'vitest';
import { configOf, errorsOf } from './fake-files.js';

const program = '[program:web]\ncommand=/bin/web\n';

describe('[supervisord] logformat (supd extension)', () => {
  it("is text, supervisord's format, when unset", () => {
    expect(configOf(`[supervisord]\n${program}`).config.supervisord.logFormat).toBe('text');
  });

  it('follows container_logs_format=json when unset, so supd and its programs log alike', () => {
    expect(configOf(`[supervisord]\ncontainer_logs=true\ncontainer_logs_format=json\n${program}`).config.supervisord.logFormat).toBe('json');
  });

  it('is what it says when set', () => {
    expect(configOf(`[supervisord]\nlogformat=JSON\n${program}`).config.supervisord.logFormat).toBe('json');
    expect(configOf(`[supervisord]\nlogformat=text\ncontainer_logs_format=json\n${program}`).config.supervisord.logFormat).toBe('text');
  });

  it('refuses anything else, naming the key', () => {
    expect(errorsOf(`[supervisord]\nlogformat=xml\n${program}`).join('\n')).toMatch(/logformat=xml: expected text or json/);
  });
});

import { describe, expect, it } from 'vitest';
import { renderActionHelp } from '../../../src/cli/supctl/action-help.js';
import { COMMANDS } from '../../../src/cli/supctl/commands.js';

describe('supctl help ACTION', () => {
  it("prints that action's usage and examples only", () => {
    expect(renderActionHelp('tail')?.split('\n')).toEqual([
      'Usage: supctl tail [-f|-N] NAME [stdout|stderr]',
      '',
      'Show (or follow) a process log',
      '',
      'Examples:',
      "  supctl tail -f NAME           follow NAME's stdout (Ctrl-C to stop)",
      "  supctl tail -100 NAME         the last 100 bytes of NAME's stdout",
      "  supctl tail NAME stderr       the last 1600 bytes of NAME's stderr",
    ]);
  });

  it('has help for every action and none for a name that is not one', () => {
    const missing = Object.keys(COMMANDS).filter((name) => !renderActionHelp(name)?.startsWith(`Usage: supctl ${name}`));
    expect(missing).toEqual([]);
    expect(renderActionHelp('nosuch')).toBeNull();
    expect(renderActionHelp('constructor')).toBeNull();
  });
});

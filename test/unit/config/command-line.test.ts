import { describe, expect, it } from 'vitest';
import { CommandSyntaxError, splitCommand } from '../../../src/config/command-line.js';

describe('splitCommand, as Python shlex.split', () => {
  // Expected values are Python's shlex.split output for the same strings.
  it.each([
    ['nginx -g "daemon off;"', ['nginx', '-g', 'daemon off;']],
    ['a "b c" d\\ e \'f\\g\'', ['a', 'b c', 'd e', 'f\\g']],
    ['echo "a\\"b" "c\\d" "e\\\\f"', ['echo', 'a"b', 'c\\d', 'e\\f']],
    ["a '' b", ['a', '', 'b']],
    ['a"b c"d', ['ab cd']],
    ['  spaced\tout\nlines  ', ['spaced', 'out', 'lines']],
    ['echo # not a comment', ['echo', '#', 'not', 'a', 'comment']],
    ['', []],
  ])('splits %j', (command, argv) => {
    expect(splitCommand(command)).toEqual(argv);
  });

  it.each([
    ['a "b', 'No closing quotation'],
    ["a 'b", 'No closing quotation'],
    ['a b\\', 'No escaped character'],
  ])('refuses %j: %s', (command, reason) => {
    expect(() => splitCommand(command)).toThrow(CommandSyntaxError);
    expect(() => splitCommand(command)).toThrow(reason);
  });
});

/**
 * Splits a program's command into argv exactly as supervisord does at spawn time (process.py
 * get_execv_args: Python shlex.split, POSIX mode, no comments). Pure; no $PATH lookup here.
 */

/** A command shlex cannot split; `reason` is Python's own wording ("No closing quotation"). */
export class CommandSyntaxError extends Error {
  override readonly name = 'CommandSyntaxError';
  constructor(
    readonly command: string,
    readonly reason: string,
  ) {
    super(`can't parse command ${JSON.stringify(command)}: ${reason}`);
  }
}

const WHITESPACE = new Set(' \t\r\n');

/**
 * Python `shlex.split(command)`: whitespace separates words; '...' is literal; in "..." a backslash
 * escapes only `"` and `\`; outside quotes a backslash escapes any character; `''` is an empty word.
 * Throws CommandSyntaxError on an unclosed quote or a trailing backslash.
 */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false; // true once the current word has any character or quote
  let i = 0;
  while (i < command.length) {
    const c = command[i++] as string;
    if (WHITESPACE.has(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (c === '\\') {
      if (i >= command.length) throw new CommandSyntaxError(command, 'No escaped character');
      word += command[i++];
      inWord = true;
    } else if (c === "'") {
      const end = command.indexOf("'", i);
      if (end === -1) throw new CommandSyntaxError(command, 'No closing quotation');
      word += command.slice(i, end);
      i = end + 1;
      inWord = true;
    } else if (c === '"') {
      inWord = true;
      for (;;) {
        if (i >= command.length) throw new CommandSyntaxError(command, 'No closing quotation');
        const d = command[i++] as string;
        if (d === '"') break;
        if (d === '\\') {
          if (i >= command.length) throw new CommandSyntaxError(command, 'No escaped character');
          const e = command[i++] as string;
          // POSIX shells: inside double quotes only the quote and the backslash can be escaped.
          word += e === '"' || e === '\\' ? e : `\\${e}`;
        } else {
          word += d;
        }
      }
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

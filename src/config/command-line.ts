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

/** The end of a run of characters taken as they are: up to whitespace, a backslash or a quote. */
const PLAIN_RUN = /[^ \t\r\n\\'"]+/y;
/** Inside "...": up to the closing quote or a backslash. */
const QUOTED_RUN = /[^"\\]+/y;

/** The run of `pattern` starting at `from`, as [text, next index]; text is '' when there is none. */
function runAt(pattern: RegExp, command: string, from: number): [string, number] {
  pattern.lastIndex = from;
  const m = pattern.exec(command);
  return m === null ? ['', from] : [m[0], from + m[0].length];
}

/**
 * Python `shlex.split(command)`: whitespace separates words; '...' is literal; in "..." a backslash
 * escapes only `"` and `\`; outside quotes a backslash escapes any character; `''` is an empty word.
 * Throws CommandSyntaxError on an unclosed quote or a trailing backslash. Runs of ordinary
 * characters are taken as slices: a 4 MB command costs a few times its size, not forty.
 */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  let parts: string[] = [];
  let inWord = false; // true once the current word has any character or quote
  let i = 0;
  const endWord = () => {
    if (inWord) words.push(parts.join(''));
    parts = [];
    inWord = false;
  };
  while (i < command.length) {
    const c = command[i] as string;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      endWord();
      i++;
    } else if (c === '\\') {
      if (i + 1 >= command.length) throw new CommandSyntaxError(command, 'No escaped character');
      parts.push(command[i + 1] as string);
      i += 2;
      inWord = true;
    } else if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end === -1) throw new CommandSyntaxError(command, 'No closing quotation');
      parts.push(command.slice(i + 1, end));
      i = end + 1;
      inWord = true;
    } else if (c === '"') {
      inWord = true;
      i++;
      for (;;) {
        const [run, next] = runAt(QUOTED_RUN, command, i);
        parts.push(run);
        i = next;
        if (i >= command.length) throw new CommandSyntaxError(command, 'No closing quotation');
        const d = command[i++] as string;
        if (d === '"') break;
        // d is a backslash.
        if (i >= command.length) throw new CommandSyntaxError(command, 'No escaped character');
        const e = command[i++] as string;
        // POSIX shells: inside double quotes only the quote and the backslash can be escaped.
        parts.push(e === '"' || e === '\\' ? e : `\\${e}`);
      }
    } else {
      const [run, next] = runAt(PLAIN_RUN, command, i);
      parts.push(run);
      i = next;
      inWord = true;
    }
  }
  endWord();
  return words;
}

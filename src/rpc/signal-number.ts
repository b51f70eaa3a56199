/**
 * supervisord's signal_number (datatypes.py) for signalProcess, exactly: Python's int() of the
 * value, else a name looked up in the signal module with SIG prepended unless present (any case),
 * and only numbers in SIGNUMS, the values of every name of dir(signal) that starts with SIG. On
 * Linux that is 0-31, 34 (SIGRTMIN) and 64 (SIGRTMAX); 0 comes from SIG_DFL and SIG_BLOCK, which
 * signal_number therefore accepts as names too. Nothing else: RTMIN+1 and 35 are refused.
 */
import { SIGNAL_NUMBERS, signalName as parseSignal } from '../config/values.js';
import { pythonInt } from './python-values.js';
import type { XmlRpcValue } from './xmlrpc-codec.js';

/** Python 3's signal module on Linux: every name dir(signal) lists that starts with SIG. */
const PYTHON_SIGNAL_NAMES: ReadonlyMap<string, number> = new Map([
  ...Object.entries(SIGNAL_NUMBERS).map(([name, n]): [string, number] => [`SIG${name}`, n]),
  ['SIG_DFL', 0], ['SIG_IGN', 1], ['SIG_BLOCK', 0], ['SIG_UNBLOCK', 1], ['SIG_SETMASK', 2],
]);

/** datatypes.SIGNUMS */
const SIGNUMS: ReadonlySet<number> = new Set(PYTHON_SIGNAL_NAMES.values());

/** The signal number supervisord's signal_number() gives `value`, or null where it raises. */
export function signalNumber(value: XmlRpcValue): number | null {
  let number = pythonInt(value);
  if (number === null) {
    if (typeof value !== 'string') return null;
    let name = value.trim().toUpperCase();
    if (!name.startsWith('SIG')) name = `SIG${name}`;
    number = PYTHON_SIGNAL_NAMES.get(name) ?? null;
  }
  return number !== null && SIGNUMS.has(number) ? number : null;
}

/**
 * For supd's own methods (supd.signalJob), which take any Linux signal as the config does: its
 * canonical name without SIG ("HUP", "RTMIN+2"), or null.
 */
export function signalName(value: string | number): string | null {
  const parsed = parseSignal(String(value));
  return parsed.ok ? parsed.value : null;
}

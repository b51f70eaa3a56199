/**
 * supervisord's signal_number (datatypes.py) for signalProcess: a name with or without SIG, any
 * case, or a number; answered as the signal's name without SIG ("HUP"), or null when it is not a
 * signal. Node's table of this platform's signals stands in for Python's signal module.
 */
import { constants } from 'node:os';

const BY_NAME: ReadonlyMap<string, number> = new Map(Object.entries(constants.signals));
const BY_NUMBER: ReadonlyMap<number, string> = new Map(
  [...BY_NAME].filter(([name]) => name !== 'SIGIOT' && name !== 'SIGPOLL' && name !== 'SIGUNUSED').map(([name, n]) => [n, name]),
);

export function signalName(value: string | number): string | null {
  const text = String(value).trim();
  let number: number | undefined;
  if (/^[+-]?\d+$/.test(text)) {
    number = Number.parseInt(text, 10);
  } else {
    const upper = text.toUpperCase();
    number = BY_NAME.get(upper.startsWith('SIG') ? upper : `SIG${upper}`);
  }
  const name = number === undefined ? undefined : BY_NUMBER.get(number);
  return name === undefined ? null : name.slice(3);
}

/** The number of a signal named without SIG ("TERM" -> 15), or null. */
export function signalNumber(name: string): number | null {
  return BY_NAME.get(`SIG${name}`) ?? null;
}

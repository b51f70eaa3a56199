/**
 * Counts XML-RPC calls by method and fault for /metrics, around any dispatcher. A name that is
 * no method (UNKNOWN_METHOD) is counted as "unknown", so callers cannot grow the label set.
 */
import { Fault, faultName } from './faults.js';
import type { RpcDispatcher } from './methods.js';

export interface CountedDispatcher extends RpcDispatcher {
  /** Calls so far, one row per method and fault ("none" for a success). */
  counts(): { method: string; fault: string; count: number }[];
}

export function countCalls(inner: RpcDispatcher): CountedDispatcher {
  const counts = new Map<string, { method: string; fault: string; count: number }>();
  const add = (method: string, fault: string): void => {
    const key = `${method}\0${fault}`;
    const row = counts.get(key);
    if (row === undefined) counts.set(key, { method, fault, count: 1 });
    else row.count += 1;
  };
  return {
    async call(methodName, params) {
      try {
        const value = await inner.call(methodName, params);
        add(methodName, 'none');
        return value;
      } catch (error) {
        if (error instanceof Fault) {
          const name = faultName(error.faultCode);
          add(name === 'UNKNOWN_METHOD' ? 'unknown' : methodName, name);
        }
        throw error;
      }
    },
    counts: () => [...counts.values()].map((row) => ({ ...row })),
  };
}

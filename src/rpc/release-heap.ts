/**
 * One full garbage collection after an answer of megabytes. supd runs with --no-memory-reducer
 * (v8-tuning.ts: an idle supd must not wake every 8 s), so V8 never collects while supd is idle and
 * the pages a large answer used stay resident: a 15 MiB answer left RssAnon 36 MB higher for good
 * (docs/benchmark.md). A forced collection frees them at once, for the cost of one full GC, paid
 * only after an answer that large.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Answers from this size on are followed by a full collection. */
export const RELEASE_AFTER_BYTES = 4 * 1024 * 1024;

type Gc = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

let gc: Gc | null = null;

/** Runs a full collection once the current I/O callbacks are done (the answer is written first). */
export function releaseHeapSoon(): void {
  if (gc === null) {
    // --expose-gc set now reaches only contexts made from now on: take gc() from a new one.
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as Gc;
  }
  const collect = gc;
  // 'last-resort' (V8's CollectAllAvailableGarbage) also unmaps the pages a plain full collection
  // keeps pooled for reuse: those were most of what stayed resident.
  setImmediate(() => collect({ type: 'major', execution: 'sync', flavor: 'last-resort' }));
}

import { describe, expect, it } from 'vitest';
import { fullCollection, HeapTrim } from '../../../src/daemon/heap-trim.js';

const MiB = 1024 * 1024;

/** A HeapTrim on virtual time: timers are a list the test runs, RSS is a number the test sets. */
function harness(options: { quietMs?: number; maxDelayMs?: number; minGrowthBytes?: number } = {}) {
  let now = 0;
  let rss = 40 * MiB;
  const timers: { at: number; run: () => void }[] = [];
  const collections: number[] = [];
  const trim = new HeapTrim({
    clock: () => now,
    residentBytes: () => rss,
    collect: () => {
      collections.push(now);
      rss = 42 * MiB;
    },
    setTimer: (run, ms) => {
      const timer = { at: now + ms, run };
      timers.push(timer);
      return timer;
    },
    clearTimer: (timer) => timers.splice(timers.indexOf(timer as (typeof timers)[number]), 1),
    ...options,
  });
  return {
    trim,
    collections,
    pendingTimers: () => timers.length,
    setRss: (bytes: number) => (rss = bytes),
    /** Moves time to `to`, running every timer due on the way. */
    advance(to: number) {
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (next === undefined || next.at > to) break;
        timers.shift();
        now = next.at;
        next.run();
      }
      now = to;
    },
    at: (t: number) => (now = t),
  };
}

describe('HeapTrim', () => {
  it('arms nothing while there is no activity', () => {
    const h = harness();
    h.advance(60_000);
    expect({ timers: h.pendingTimers(), collections: h.collections }).toEqual({ timers: 0, collections: [] });
  });

  it('collects once after a burst that grew RSS, when supd has been quiet for quietMs', () => {
    const h = harness({ quietMs: 2_000 });
    for (let t = 0; t <= 1_000; t += 100) {
      h.at(t);
      h.setRss((40 + t / 10) * MiB);
      h.trim.activity();
    }
    h.advance(2_500);
    expect(h.collections).toEqual([]);
    h.advance(10_000);
    expect({ collections: h.collections, timers: h.pendingTimers() }).toEqual({ collections: [3_000], timers: 0 });
  });

  it('does not collect when RSS grew less than the bound since the last collection', () => {
    const h = harness({ minGrowthBytes: 8 * MiB });
    h.setRss(47 * MiB);
    h.trim.activity();
    h.advance(60_000);
    expect({ collections: h.collections, timers: h.pendingTimers() }).toEqual({ collections: [], timers: 0 });
  });

  it('measures growth from what the last collection left, not from the start', () => {
    const h = harness({ quietMs: 1_000, minGrowthBytes: 8 * MiB });
    h.setRss(100 * MiB);
    h.trim.activity();
    h.advance(5_000); // collects; RSS is now 42 MiB
    h.setRss(49 * MiB); // 7 MiB above what is left: not worth it
    h.trim.activity();
    h.advance(10_000);
    h.setRss(51 * MiB);
    h.trim.activity();
    h.advance(15_000);
    expect(h.collections).toEqual([1_000, 11_000]);
  });

  it('collects at the latest maxDelayMs after the first activity while activity goes on', () => {
    const h = harness({ quietMs: 2_000, maxDelayMs: 10_000 });
    h.setRss(100 * MiB);
    for (let t = 0; t <= 30_000; t += 500) {
      h.advance(t);
      h.trim.activity();
    }
    expect(h.collections[0]).toBeGreaterThanOrEqual(10_000);
    expect(h.collections[0]).toBeLessThanOrEqual(12_000);
  });

  it('cancels its pending check on dispose', () => {
    const h = harness();
    h.setRss(100 * MiB);
    h.trim.activity();
    h.trim.dispose();
    h.advance(60_000);
    expect({ collections: h.collections, timers: h.pendingTimers() }).toEqual({ collections: [], timers: 0 });
  });
});

describe('fullCollection', () => {
  it('is available on this Node and frees what nothing references', async () => {
    const collect = fullCollection();
    expect(collect).toEqual(expect.any(Function));
    let garbage: number[][] | null = Array.from({ length: 200 }, () => Array.from({ length: 1_000 }, (_, i) => i));
    const weak = new WeakRef(garbage[0] as number[]);
    garbage = null;
    // A WeakRef keeps its target alive until the end of the job that made it.
    await new Promise((resolve) => setImmediate(resolve));
    collect?.();
    expect(weak.deref()).toBeUndefined();
  });
});

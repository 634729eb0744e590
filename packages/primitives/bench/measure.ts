import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
/** A full GC between runs, outside the timing, so no variant pays for another one's garbage. */
const gc = runInNewContext("gc") as () => void;

export interface Variant {
  readonly key: string;
  readonly name: string;
  /** Runs once; returns the count the variant must produce (events, or bytes for the raw read). */
  readonly fn: () => Promise<number>;
  readonly expected: number;
}

/**
 * Warms every variant up, then runs them round-robin `runs` times (so a noisy neighbour slows all of
 * them alike) and returns each one's median wall time in ms.
 */
export async function measureInterleaved(
  variants: readonly Variant[],
  runs: number,
  warmup = 3,
): Promise<Map<string, number>> {
  const times = new Map<string, number[]>(variants.map((v) => [v.key, []]));
  for (let round = -warmup; round < runs; round++) {
    for (const v of variants) {
      gc();
      const started = performance.now();
      const count = await v.fn();
      const ms = performance.now() - started;
      if (count !== v.expected) throw new Error(`${v.name}: expected ${v.expected}, got ${count}`);
      if (round >= 0) times.get(v.key)!.push(ms);
    }
  }
  const medians = new Map<string, number>();
  for (const [key, list] of times) {
    list.sort((a, b) => a - b);
    medians.set(key, list[Math.floor(list.length / 2)]!);
  }
  return medians;
}

export const perSecond = (events: number, ms: number) => Math.round(events / (ms / 1000));
export const fmt = (n: number) => n.toLocaleString("en-US");

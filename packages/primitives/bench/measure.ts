export interface Variant {
  readonly key: string;
  readonly name: string;
  /** Runs once; returns the count the variant must produce (events, or bytes for the raw read). */
  readonly fn: () => Promise<number>;
  readonly expected: number;
}

export interface Timing {
  readonly median: number;
  readonly min: number;
}

/**
 * Runs each variant in a block (warm-up, then `runs` timed runs), so its garbage is collected on its own
 * time, and repeats all blocks `passes` times so load drift on a shared machine hits every variant.
 * Returns the median and minimum wall time in ms over all timed runs of each variant.
 */
export async function measure(
  variants: readonly Variant[],
  runs: number,
  passes = 2,
  warmup = 3,
): Promise<Map<string, Timing>> {
  const times = new Map<string, number[]>(variants.map((v) => [v.key, []]));
  for (let pass = 0; pass < passes; pass++) {
    for (const v of variants) {
      for (let i = -warmup; i < runs; i++) {
        const started = performance.now();
        const count = await v.fn();
        const ms = performance.now() - started;
        if (count !== v.expected) throw new Error(`${v.name}: expected ${v.expected}, got ${count}`);
        if (i >= 0) times.get(v.key)!.push(ms);
      }
    }
  }
  const out = new Map<string, Timing>();
  for (const [key, list] of times) {
    list.sort((a, b) => a - b);
    out.set(key, { median: list[Math.floor(list.length / 2)]!, min: list[0]! });
  }
  return out;
}

export const perSecond = (events: number, ms: number) => Math.round(events / (ms / 1000));
export const fmt = (n: number) => n.toLocaleString("en-US");

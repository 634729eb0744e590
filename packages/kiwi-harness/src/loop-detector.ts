import { createHash } from "node:crypto";
import type { ToolCall, ToolResult } from "@kiwi/spec";

export type LoopPattern = "identical_calls" | "alternating_calls" | "identical_results";

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

const digest = (v: unknown) =>
  createHash("sha256")
    .update(JSON.stringify(canonical(v)))
    .digest("base64url")
    .slice(0, 16);

/**
 * Watches a thread's tool calls for loops beyond identical repeats: the same call N times in the window,
 * an A-B-A-B cycle, or the same result coming back N times. `observe` returns the pattern when one is
 * seen (each detection clears the window, so the next one means the model kept going).
 */
export class LoopDetector {
  readonly #calls: string[] = [];
  readonly #results: string[] = [];

  constructor(
    readonly window = 12,
    readonly repeats = 3,
  ) {}

  observe(calls: readonly ToolCall[], results: readonly ToolResult[]): LoopPattern | undefined {
    for (const c of calls) this.#push(this.#calls, digest({ n: c.name, a: c.arguments }));
    for (const r of results) this.#push(this.#results, digest(r.content));
    const pattern = this.#detect();
    if (pattern) {
      this.#calls.length = 0;
      this.#results.length = 0;
    }
    return pattern;
  }

  #push(list: string[], item: string) {
    list.push(item);
    if (list.length > this.window) list.shift();
  }

  #detect(): LoopPattern | undefined {
    const c = this.#calls;
    const tail = (list: string[], n: number) => list.slice(-n);
    const same = (xs: string[]) => xs.length > 0 && xs.every((x) => x === xs[0]);
    if (c.length >= this.repeats && same(tail(c, this.repeats))) return "identical_calls";
    // A-B-A-B: period two, seen twice, two different calls
    const last4 = tail(c, 4);
    if (last4.length === 4 && last4[0] === last4[2] && last4[1] === last4[3] && last4[0] !== last4[1])
      return "alternating_calls";
    if (this.#results.length >= this.repeats && same(tail(this.#results, this.repeats)))
      return "identical_results";
    return undefined;
  }
}

import type { Usage } from "@kiwi/spec";

export function zeroUsage(): Usage {
  return { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_creation_tokens: 0 };
}

/** Adds `b` into `a` (mutates and returns `a`). */
export function addUsage(a: Usage, b: Usage): Usage {
  a.input_tokens += b.input_tokens;
  a.output_tokens += b.output_tokens;
  a.cache_read_tokens += b.cache_read_tokens;
  a.cache_creation_tokens += b.cache_creation_tokens;
  return a;
}

// Test support (not exported): pricing data written the way a provider ships it, and a usage builder.
import type { Usage } from "@kiwi/spec";

export const usage = (u: Partial<Usage>): Usage => ({
  input_tokens: 0,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_creation_tokens: 0,
  ...u,
});

/** Two models: one whose price changed on 2025-06-10, one with limits but no price. */
export const HISTORY = `
version: 1
source: test
retrieved: "2026-01-01"
tiers:
  fast: model-a-20250101
  balanced: model-a
models:
  - id: model-a
    aliases: [model-a-20250101]
    context_window: 100000
    max_output_tokens: 8000
    prices:
      - effective_from: "2025-01-01"
        input_per_mtok: 10
        output_per_mtok: 40
        cache_read_per_mtok: 1
        cache_write_per_mtok: 12.5
      - effective_from: "2025-06-10"
        input_per_mtok: 2
        output_per_mtok: 8
        cache_read_per_mtok: 0.2
        cache_write_per_mtok: 2.5
  - id: limits-only
    context_window: 50000
    max_output_tokens: 4000
    prices: []
`;

/** The root fields of a valid file, for validation cases to append their `models` to. */
export const ONE_MODEL = "version: 1\nsource: s\nretrieved: '2025-01-01'\n";

import { defineConfig } from "vitest/config";

// One file, steps in order (pack → install → use). Each step spawns real processes (pnpm, npm, node,
// npx kiwi) on a shared, loaded machine, so the timeouts are generous; the whole file aims at < 3 min.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 240_000,
    fileParallelism: false,
  },
});

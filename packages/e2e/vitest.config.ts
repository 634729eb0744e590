import { defineConfig } from "vitest/config";

// One file, steps in order (pack → install → use). Each step spawns real processes (pnpm, npm, node,
// npx kiwi) on a shared, loaded machine, so the timeouts are generous; the whole file aims at < 3 min.
export default defineConfig({
  test: {
    // Every test file gets a temp folder of its own and fails when it leaves anything in it.
    setupFiles: ["../../scripts/temp-folder-guard.ts"],
    testTimeout: 120_000,
    hookTimeout: 240_000,
    fileParallelism: false,
  },
});

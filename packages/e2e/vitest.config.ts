import { defineConfig } from "vitest/config";

// One file, steps in order (pack → install → use). Each step spawns real processes (pnpm, npm, node,
// npx kiwi) on a shared, loaded machine. Every command has its own timeout (runCommand: an install 150 s
// with a prebuilt SQLite binary, 15 min when it compiles one); the test timeout is only a backstop above
// those, so a slow install fails with the command's own message, not vitest's. The file aims at < 3 min.
export default defineConfig({
  test: {
    // Every test file gets a temp folder of its own and fails when it leaves anything in it.
    setupFiles: ["../../scripts/temp-folder-guard.ts"],
    testTimeout: 1_200_000,
    hookTimeout: 240_000,
    fileParallelism: false,
  },
});

import { defineConfig } from "vitest/config";

// The property and security batteries here run tens of thousands of cases: CPU-bound for seconds, more
// on a loaded 2-core machine. They check outcomes, never speed, so a slow run must not fail them.
export default defineConfig({
  test: {
    // Every test file gets a temp folder of its own and fails when it leaves anything in it.
    setupFiles: ["../../scripts/temp-folder-guard.ts"],
    testTimeout: 60_000,
  },
});

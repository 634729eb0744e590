import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Every test file gets a temp folder of its own and fails when it leaves anything in it.
    setupFiles: ["../../scripts/temp-folder-guard.ts"],
    // Tests start processes and servers; CI shares a loaded 2-core machine, where 5 s is not enough.
    testTimeout: 30_000,
  },
});

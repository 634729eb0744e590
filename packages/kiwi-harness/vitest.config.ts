import { defineConfig } from "vitest/config";

// These tests drive real child processes, SQLite files and loopback servers; on a loaded 2-core machine
// a run can take several seconds. They assert outcomes and orderings, never speed.
export default defineConfig({
  test: {
    // Every test file gets a temp folder of its own and fails when it leaves anything in it.
    setupFiles: ["../../scripts/temp-folder-guard.ts"],
    testTimeout: 30_000,
  },
});

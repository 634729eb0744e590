import { defineConfig } from "vitest/config";

// These tests drive a real PostgreSQL and real worker processes (each launching DBOS, waiting out leases);
// on a loaded 2-core machine a test can take many seconds. They assert outcomes and orderings, never speed.
export default defineConfig({
  test: {
    // Every test file gets a temp folder of its own and fails when it leaves anything in it.
    setupFiles: ["../../scripts/temp-folder-guard.ts"],
    testTimeout: 90_000,
    hookTimeout: 30_000,
  },
});

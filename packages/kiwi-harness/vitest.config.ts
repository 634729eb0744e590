import { defineConfig } from "vitest/config";

// These tests drive real child processes, SQLite files and loopback servers; on a loaded 2-core machine
// a run can take several seconds. They assert outcomes and orderings, never speed.
export default defineConfig({
  test: { testTimeout: 30_000 },
});

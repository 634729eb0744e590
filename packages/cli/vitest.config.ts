import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Every test file gets a temp folder of its own and fails when it leaves anything in it.
    setupFiles: ["../../scripts/temp-folder-guard.ts"],
    // Most tests start the real `kiwi` binary (often several processes): on a loaded shared machine a
    // process start alone can take seconds, so vitest's 5 s default fails tests that are not slow.
    testTimeout: 60_000,
  },
});

import { defineConfig } from "vitest/config";

export default defineConfig({
  // Every test file gets a temp folder of its own and fails when it leaves anything in it.
  test: { setupFiles: ["../../scripts/temp-folder-guard.ts"] },
});

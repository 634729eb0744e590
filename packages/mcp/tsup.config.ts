import { defineConfig } from "tsup";

export default defineConfig({
  // bin.ts starts with `#!/usr/bin/env node`, which esbuild keeps at the top of dist/bin.js.
  entry: { index: "src/index.ts", bin: "src/bin.ts" },
  format: ["esm"],
  dts: { entry: { index: "src/index.ts" } },
  clean: true,
  target: "node20",
  sourcemap: true,
});

import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/engine.ts"],
  format: ["esm"],
  dts: true,
  clean: true,
  target: "node20",
  sourcemap: true,
});

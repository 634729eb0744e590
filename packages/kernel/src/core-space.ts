import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The bundled core space: the `.ai` folder shipped inside this package (`bundle/.ai`, copied from the
 * repository's `.ai` at build time). This file sits one level below the package root both as source
 * (src/) and built (dist/), so the same relative URL works in both.
 */
export function bundledCoreSpace(): string | undefined {
  const dir = fileURLToPath(new URL("../bundle/.ai", import.meta.url));
  return existsSync(dir) ? dir : undefined;
}

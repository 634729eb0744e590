// Copies the repository's core bundle (../../.ai) into bundle/.ai so the package ships it.
// Only item folders and AGENTS.md travel; thread data, keys and local files never do.
import { cpSync, existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(pkg, "..", "..", ".ai");
const target = join(pkg, "bundle", ".ai");
if (!existsSync(source)) {
  console.error(`copy-bundle: ${source} not found (the core bundle lives at the repository root)`);
  process.exit(1);
}
rmSync(join(pkg, "bundle"), { recursive: true, force: true });
for (const entry of ["AGENTS.md", "directives", "tools", "knowledge"]) {
  if (existsSync(join(source, entry))) cpSync(join(source, entry), join(target, entry), { recursive: true });
}

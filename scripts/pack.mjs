#!/usr/bin/env node
// `npm run pack -- [--pack-destination <dir>] [--json]`: packs exactly what a release publishes — every
// package under packages/* and plugins/* that is not private — with the pinned pnpm (`workspace:` ranges
// become versions). A plain `pnpm -r pack` would also pack the private ones (the e2e test, the plugin
// templates, the examples).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const readJson = (file) => JSON.parse(readFileSync(file, "utf8"));
const filters = [];
for (const group of ["packages", "plugins"]) {
  for (const name of readdirSync(join(root, group)).sort()) {
    const manifest = join(root, group, name, "package.json");
    if (name.startsWith("_") || !existsSync(manifest) || readJson(manifest).private === true) continue;
    filters.push("--filter", `./${group}/${name}`);
  }
}
const pnpm = readJson(join(root, "package.json")).packageManager;
const args = process.argv.slice(2);
if (!args.includes("--pack-destination")) args.push("--pack-destination", join(root, "packs"));
const result = spawnSync("npx", ["--yes", pnpm, "-r", ...filters, "pack", ...args], {
  cwd: root,
  stdio: "inherit",
});
process.exit(result.status ?? 1);

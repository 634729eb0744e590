#!/usr/bin/env node
// Regenerates packages/kernel/schemas/*.schema.json from the zod schemas, which are the single source of
// truth (editors use the JSON files to validate .ai/** YAML). Commit the result; a test fails when the
// committed files and the zod schemas disagree.
//
//   node packages/kernel/scripts/generate-schemas.mjs          write the files
//   node packages/kernel/scripts/generate-schemas.mjs --check  exit 1 if a file is out of date
//
// tsx loads the TypeScript sources directly, so no build is needed first.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { tsImport } from "tsx/esm/api";

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, "..", "schemas");
const { generateJsonSchemas, jsonSchemaFileText } = await tsImport(
  "../src/schema/json-schemas.ts",
  import.meta.url,
);
const check = process.argv.includes("--check");

let stale = 0;
mkdirSync(outDir, { recursive: true });
for (const [name, schema] of Object.entries(generateJsonSchemas())) {
  const file = join(outDir, `${name}.schema.json`);
  const text = jsonSchemaFileText(schema);
  const current = existsSync(file) ? readFileSync(file, "utf8") : undefined;
  if (current === text) continue;
  if (check) {
    console.error(`out of date: ${file}`);
    stale++;
  } else {
    writeFileSync(file, text);
    console.log(`wrote ${file}`);
  }
}
if (stale > 0) {
  console.error("run: node packages/kernel/scripts/generate-schemas.mjs");
  process.exit(1);
}

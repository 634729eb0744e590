import { readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// `kiwi demo` imports @kiwi/fake-llm at run time, where vitest is not installed: the entry's
// whole import graph must stay on node builtins and type-only imports.

const SRC = dirname(fileURLToPath(import.meta.url));
const IMPORT = /^\s*(import|export)\s+(type\s+)?[^;]*?from\s+"([^"]+)";/gms;

async function runtimeGraph(entry: string): Promise<{ files: Set<string>; packages: Set<string> }> {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const source = await readFile(file, "utf8");
    for (const match of source.matchAll(IMPORT)) {
      const [, , typeOnly, specifier] = match;
      if (typeOnly || !specifier) continue;
      if (specifier.startsWith(".")) queue.push(`${resolve(dirname(file), specifier)}.ts`);
      else packages.add(specifier);
    }
  }
  return { files, packages };
}

describe("the @kiwi/fake-llm entry", () => {
  it("imports at run time only node builtins and its own files, never vitest", async () => {
    const { files, packages } = await runtimeGraph(resolve(SRC, "index.ts"));
    const builtins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);
    expect([...packages].filter((name) => !builtins.has(name))).toEqual([]);
    const relative = [...files].map((file) => file.slice(SRC.length + 1)).sort();
    expect(relative.some((file) => file.endsWith(".test.ts"))).toBe(false);
    expect(relative.length).toBeGreaterThan(5);
  });
});

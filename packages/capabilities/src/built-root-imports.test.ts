import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// @kiwi/capabilities is pure policy (tokens, scopes, attenuation, the guard); file I/O lives in
// @kiwi/sandbox. This reads what the package really ships (dist/, built before tests run) and follows
// every module it loads, its own chunks and other @kiwi packages included, to prove it.
const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const FILE_IO =
  /^(node:)?(fs|fs\/promises|path|path\/posix|path\/win32|child_process|os|net|worker_threads)$/;
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g;

function entryOf(dir: string): string {
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
    exports: { ".": { import: string } };
  };
  return join(dir, manifest.exports["."].import);
}

/** Every bare specifier reachable from `entry`, with the file that imports it. */
function reachableImports(entry: string): Map<string, string> {
  const found = new Map<string, string>();
  const seen = new Set<string>();
  const queue = [entry];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const [, specifier] of readFileSync(file, "utf8").matchAll(SPECIFIER)) {
      if (specifier === undefined) continue;
      if (specifier.startsWith(".")) queue.push(resolve(dirname(file), specifier));
      else {
        if (!found.has(specifier)) found.set(specifier, file);
        // Follow the workspace's own packages too: their file I/O would load with this root.
        const workspace = join(dirname(file), "..", "node_modules", specifier);
        if (specifier.startsWith("@kiwi/") && existsSync(workspace)) queue.push(entryOf(workspace));
      }
    }
  }
  return found;
}

describe("the built root of @kiwi/capabilities", () => {
  it("loads no file-system, path or process module, directly or through a @kiwi dependency", () => {
    const entry = entryOf(packageDir);
    expect(existsSync(entry), `${entry} is missing: build the package first`).toBe(true);
    const imports = reachableImports(entry);
    // The walk really read the bundle: it found the dependencies the package is known to use.
    expect([...imports.keys()]).toEqual(expect.arrayContaining(["jose", "@kiwi/spec"]));
    const fileIo = [...imports].filter(([specifier]) => FILE_IO.test(specifier));
    expect(fileIo.map(([specifier, from]) => `${specifier} (imported by ${from})`)).toEqual([]);
  });
});

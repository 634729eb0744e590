// The entries documented as runtime-neutral (no `node:` module, so they bundle for a browser, a worker or
// an edge runtime) must stay that way: bundle each built entry with everything it imports — other @kiwi
// packages and third-party dependencies included — and list every Node built-in the graph reaches.
import { builtinModules } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const builtins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);

/** Entry file (built) → the package folder whose node_modules resolve its imports. */
const NEUTRAL: Record<string, string> = {
  "@kiwi/spec": "packages/spec/dist/index.js",
  "@kiwi/primitives": "packages/primitives/dist/index.js",
  "@kiwi/sinks": "packages/sinks/dist/index.js",
  "@kiwi/agent-harness": "packages/agent-harness/dist/index.js",
  "@kiwi/provider-utils": "packages/provider-utils/dist/index.js",
};

/** Every Node built-in the entry's whole import graph reaches, with the file that imports it. */
async function nodeImports(entry: string): Promise<string[]> {
  const found: string[] = [];
  await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    write: false,
    platform: "neutral",
    // Resolve packages the way a bundler for a browser or worker would (the "import"/"default" conditions).
    mainFields: ["module", "main"],
    conditions: ["import", "default"],
    logLevel: "silent",
    plugins: [
      {
        name: "node-builtins",
        setup(b) {
          b.onResolve({ filter: /.*/ }, (args) => {
            if (!builtins.has(args.path)) return undefined;
            found.push(`${args.path} (from ${args.importer.slice(root.length + 1)})`);
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  return found;
}

describe("runtime-neutral entries", () => {
  for (const [name, entry] of Object.entries(NEUTRAL)) {
    it(`${name} imports no Node built-in, directly or through its dependencies`, async () => {
      expect(await nodeImports(entry)).toEqual([]);
    });
  }

  it("the check sees a Node built-in when one is there", async () => {
    // @kiwi/primitives/node runs child processes: the same bundling must report child_process (tsup's
    // output drops the `node:` prefix, so both spellings count as built-ins).
    const found = await nodeImports("packages/primitives/dist/node.js");
    expect(found.some((line) => /^(node:)?child_process /.test(line))).toBe(true);
  });
});

// Node-only but pure policy: @kiwi/capabilities (tokens, scopes, attenuation, the guard) does no file I/O —
// that is @kiwi/sandbox. It may use node:crypto for tokens, never the file system, paths or processes.
const FILE_IO =
  /^(node:)?(fs|fs\/promises|path|path\/posix|path\/win32|child_process|os|net|worker_threads) /;

describe("pure-policy entries", () => {
  it("@kiwi/capabilities loads no file-system, path or process module, directly or through its dependencies", async () => {
    const found = await nodeImports("packages/capabilities/dist/index.js");
    expect(found.filter((line) => FILE_IO.test(line))).toEqual([]);
    // The bundle was really walked: the built-in its tokens use is seen.
    expect(found.some((line) => /^(node:)?crypto /.test(line))).toBe(true);
  });
});

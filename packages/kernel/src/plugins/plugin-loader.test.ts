import { existsSync } from "node:fs";
import { readFile, symlink } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createKernel } from "../create-kernel";
import { createItem, fixture, ok, tempDir, toolYaml, writeRaw } from "../test-support/fixture";
import { PluginLoader } from "./plugin-loader";

const kind = {
  name: "thing",
  specificationVersion: "thing-v1",
  shape: z.object({ specificationVersion: z.literal("thing-v1"), id: z.string(), greet: z.function() }),
};

const moduleSource = (version = "thing-v1") => `
export function createThing(settings) {
  return { specificationVersion: "${version}", id: "thing", greet: () => "hi " + settings.name };
}
createThing.settingsSchema = {
  "~standard": {
    version: 1,
    vendor: "test",
    validate: (v) => typeof v?.name === "string" ? { value: v } : { issues: [{ message: "name must be a string", path: ["name"] }] },
  },
};
export const notAFactory = 42;
`;

describe("PluginLoader", () => {
  it("imports a path module inside the space, validates options and checks the version tag and shape", async () => {
    const project = await tempDir("plugins");
    await writeRaw(project, ".ai/tools/things/thing.mjs", moduleSource());
    const definitionFile = join(project, ".ai/tools/things/thing.yaml");
    const loader = new PluginLoader({ projectRoot: project });
    const decl = {
      module: "./thing.mjs",
      export: "createThing",
      definitionFile,
      spaceRoot: join(project, ".ai"),
    };
    const thing = await loader.instantiate(decl, kind, { name: "Ada" });
    expect(thing.greet()).toBe("hi Ada");
    await expect(loader.instantiate(decl, kind, { name: 3 })).rejects.toMatchObject({
      code: "PLUGIN_INVALID",
      message: expect.stringMatching(/name: name must be a string/),
    });
    await expect(loader.instantiate({ ...decl, export: "missing" }, kind)).rejects.toMatchObject({
      code: "PLUGIN_INVALID",
      message: expect.stringContaining("thing.yaml"),
    });
    await expect(loader.instantiate({ ...decl, export: "notAFactory" }, kind)).rejects.toMatchObject({
      code: "PLUGIN_INVALID",
    });
  });

  it("says clearly when a plugin speaks a spec version it does not know", async () => {
    const project = await tempDir("plugins");
    await writeRaw(project, ".ai/tools/thing2.mjs", moduleSource("thing-v2"));
    const loader = new PluginLoader({ projectRoot: project });
    const decl = {
      module: "./thing2.mjs",
      export: "createThing",
      definitionFile: join(project, ".ai/tools/t.yaml"),
      spaceRoot: join(project, ".ai"),
    };
    await expect(loader.instantiate(decl, kind, { name: "x" })).rejects.toMatchObject({
      code: "PLUGIN_INVALID",
      message: expect.stringMatching(/'thing-v2'.*knows 'thing-v1'/),
    });
  });

  it("resolves package modules from the project and names what to install when missing", async () => {
    const project = await tempDir("plugins");
    await writeRaw(
      project,
      "node_modules/kiwi-thing/package.json",
      JSON.stringify({
        name: "kiwi-thing",
        version: "1.2.3",
        type: "module",
        exports: { ".": "./index.js" },
      }),
    );
    await writeRaw(project, "node_modules/kiwi-thing/index.js", moduleSource());
    const loader = new PluginLoader({ projectRoot: project });
    const decl = {
      module: "kiwi-thing",
      export: "createThing",
      definitionFile: join(project, ".ai/tools/t.yaml"),
      spaceRoot: join(project, ".ai"),
    };
    expect((await loader.instantiate(decl, kind, { name: "B" })).greet()).toBe("hi B");
    await expect(loader.instantiate({ ...decl, module: "kiwi-absent" }, kind)).rejects.toMatchObject({
      code: "PLUGIN_LOAD_FAILED",
      message: expect.stringContaining("npm install kiwi-absent"),
    });
  });

  it("refuses a path module that escapes its space", async () => {
    const project = await tempDir("plugins");
    await writeRaw(project, "evil.mjs", moduleSource());
    await writeRaw(project, ".ai/tools/x.yaml", "");
    const loader = new PluginLoader({ projectRoot: project });
    const decl = {
      module: "../../evil.mjs",
      export: "createThing",
      definitionFile: join(project, ".ai/tools/x.yaml"),
      spaceRoot: join(project, ".ai"),
    };
    await expect(loader.instantiate(decl, kind, { name: "x" })).rejects.toMatchObject({
      code: "PATH_OUTSIDE_PROJECT",
    });
  });
});

describe("plugin spaces", () => {
  it("discovers items shipped by an installed package with a kiwi field", async () => {
    const f = await fixture();
    // Publish a signed tool from a scratch project, then install it as a package of the real project.
    await createItem(f, "tool", "plugged", toolYaml({ id: "plugged" }), { category: "vendor" });
    const signed = await readFile(join(f.projectRoot, ".ai/tools/vendor/plugged.yaml"));
    await f.kernel.execute({
      item_type: "tool",
      action: "delete",
      item_id: "plugged",
      parameters: { confirm: true },
    });
    await writeRaw(
      f.projectRoot,
      "package.json",
      JSON.stringify({ name: "app", dependencies: { "kiwi-vendor-tools": "1.0.0" } }),
    );
    await writeRaw(
      f.projectRoot,
      "node_modules/kiwi-vendor-tools/package.json",
      JSON.stringify({ name: "kiwi-vendor-tools", version: "1.0.0", kiwi: { items: "items" } }),
    );
    await writeRaw(f.projectRoot, "node_modules/kiwi-vendor-tools/items/tools/vendor/plugged.yaml", signed);
    const kernel = await createKernel({
      personAtTerminal: true,
      projectRoot: f.projectRoot,
      userSpace: f.userSpace,
      coreSpace: false,
      indexTtlMs: 0,
    });
    expect(kernel.spaces.map((s) => s.name)).toEqual(["project", "user", "plugin:kiwi-vendor-tools"]);
    const r = await kernel.execute({ item_type: "tool", action: "run", item_id: "plugged" });
    expect(r.success).toBe(true);
    const hit = await kernel.search({ item_type: "tool", query: "plugged" });
    expect((ok(hit).results as { space: string }[])[0]?.space).toBe("plugin:kiwi-vendor-tools");
  });

  it("adds the plugin packages a host installed (pluginPackagesFrom) when the project lacks them", async () => {
    const f = await fixture();
    await createItem(f, "tool", "plugged", toolYaml({ id: "plugged" }), { category: "vendor" });
    const signed = await readFile(join(f.projectRoot, ".ai/tools/vendor/plugged.yaml"));
    await f.kernel.execute({
      item_type: "tool",
      action: "delete",
      item_id: "plugged",
      parameters: { confirm: true },
    });
    const vendor = (root: string) => [
      writeRaw(
        root,
        "node_modules/kiwi-vendor-tools/package.json",
        JSON.stringify({ name: "kiwi-vendor-tools", version: "1.0.0", kiwi: { items: "items" } }),
      ),
      writeRaw(root, "node_modules/kiwi-vendor-tools/items/tools/vendor/plugged.yaml", signed),
    ];
    // The host: a package folder (like @kiwi/cli's) that depends on the plugin package.
    const host = await tempDir("host");
    await writeRaw(
      host,
      "package.json",
      JSON.stringify({ name: "host", dependencies: { "kiwi-vendor-tools": "1" } }),
    );
    await Promise.all(vendor(host));
    const open = () =>
      createKernel({
        personAtTerminal: true,
        projectRoot: f.projectRoot,
        userSpace: f.userSpace,
        coreSpace: false,
        indexTtlMs: 0,
        pluginPackagesFrom: [host],
      });
    const kernel = await open();
    const space = kernel.spaces.find((s) => s.name === "plugin:kiwi-vendor-tools");
    expect(space?.root).toBe(join(host, "node_modules/kiwi-vendor-tools/items"));
    expect((await kernel.execute({ item_type: "tool", action: "run", item_id: "plugged" })).success).toBe(
      true,
    );
    // A project that installs the package itself uses its own copy; the host's is not added twice.
    await writeRaw(
      f.projectRoot,
      "package.json",
      JSON.stringify({ name: "app", dependencies: { "kiwi-vendor-tools": "1.0.0" } }),
    );
    await Promise.all(vendor(f.projectRoot));
    const own = await open();
    const spaces = own.spaces.filter((s) => s.name === "plugin:kiwi-vendor-tools");
    expect(spaces.map((s) => s.root)).toEqual([join(f.projectRoot, "node_modules/kiwi-vendor-tools/items")]);
  });
});

// Real folders laid out the way package managers install Kiwi. The item (a copy of a core or plugin item,
// as `kiwi init` makes) names `kiwi-sinks/node`, a dependency of the package that ships the item
// (`kiwi-core`, standing in for @kiwi/kernel and its bundle), never of the project itself.
describe("package modules of a shipped item resolve from the package that ships it", () => {
  const SINK_DEF = [
    "tool_id: thing_sink",
    "tool_type: sink",
    'version: "1.0.0"',
    "description: A plugin shipped by a package and copied into the project",
    'module: "kiwi-sinks/node"',
    "export: createThing",
    "requires: none",
    "",
  ].join("\n");
  const DEF_PATH = "tools/sinks/thing_sink.yaml";

  async function sinksPackage(dir: string) {
    await writeRaw(
      dir,
      "package.json",
      JSON.stringify({
        name: "kiwi-sinks",
        version: "1.0.0",
        type: "module",
        exports: { "./node": "./node.js" },
      }),
    );
    await writeRaw(dir, "node.js", moduleSource());
  }

  async function corePackage(dir: string, definition: string | Uint8Array = SINK_DEF) {
    await writeRaw(
      dir,
      "package.json",
      JSON.stringify({
        name: "kiwi-core",
        version: "1.0.0",
        type: "module",
        dependencies: { "kiwi-sinks": "1.0.0" },
      }),
    );
    await writeRaw(dir, `bundle/.ai/${DEF_PATH}`, definition);
  }

  /**
   * pnpm's strict layout: the project's node_modules holds only its direct dependency (a symlink into the
   * .pnpm store); kiwi-sinks sits in the store, linked next to kiwi-core only.
   */
  async function pnpmProject(project: string, definition: string | Uint8Array = SINK_DEF) {
    const store = join(project, "node_modules/.pnpm");
    await corePackage(join(store, "kiwi-core@1.0.0/node_modules/kiwi-core"), definition);
    await sinksPackage(join(store, "kiwi-sinks@1.0.0/node_modules/kiwi-sinks"));
    await symlink(
      "../../kiwi-sinks@1.0.0/node_modules/kiwi-sinks",
      join(store, "kiwi-core@1.0.0/node_modules/kiwi-sinks"),
    );
    await symlink(".pnpm/kiwi-core@1.0.0/node_modules/kiwi-core", join(project, "node_modules/kiwi-core"));
    await writeRaw(
      project,
      "package.json",
      JSON.stringify({ name: "app", private: true, dependencies: { "kiwi-core": "1.0.0" } }),
    );
    await writeRaw(project, `.ai/${DEF_PATH}`, definition);
    // The path a host sees: through the project's node_modules symlink, not the store.
    return join(project, "node_modules/kiwi-core/bundle/.ai");
  }

  const declIn = (spaceRoot: string, shippedWith?: string[]) => ({
    module: "kiwi-sinks/node",
    export: "createThing",
    definitionFile: join(spaceRoot, DEF_PATH),
    spaceRoot,
    ...(shippedWith ? { shippedWith } : {}),
  });

  it("pnpm (strict node_modules): the project's copy resolves through the store, the project alone cannot", async () => {
    const project = await tempDir("pnpm-layout");
    const core = await pnpmProject(project);
    expect(existsSync(join(project, "node_modules/kiwi-sinks"))).toBe(false);
    const loader = new PluginLoader({ projectRoot: project });
    const copy = declIn(join(project, ".ai"));
    await expect(loader.instantiate(copy, kind, { name: "x" })).rejects.toMatchObject({
      code: "PLUGIN_LOAD_FAILED",
      message: expect.stringContaining("cannot find package 'kiwi-sinks'"),
    });
    const fixed = { ...copy, shippedWith: [join(core, DEF_PATH)] };
    expect((await loader.instantiate(fixed, kind, { name: "pnpm" })).greet()).toBe("hi pnpm");
    // The shipped definition itself, seen through the symlink, resolves from the store as Node would.
    const loader2 = new PluginLoader({ projectRoot: project });
    expect((await loader2.instantiate(declIn(core), kind, { name: "core" })).greet()).toBe("hi core");
  });

  it("a global kiwi: a project with no node_modules resolves from the global install's own tree", async () => {
    const base = await tempDir("global-layout");
    // npm install -g nests a package's dependencies under it: <prefix>/lib/node_modules/<cli>/node_modules.
    const cli = join(base, "prefix/lib/node_modules/kiwi-cli");
    await writeRaw(cli, "package.json", JSON.stringify({ name: "kiwi-cli", version: "1.0.0" }));
    await corePackage(join(cli, "node_modules/kiwi-core"));
    await sinksPackage(join(cli, "node_modules/kiwi-sinks"));
    const project = join(base, "project");
    await writeRaw(project, `.ai/${DEF_PATH}`, SINK_DEF);
    const loader = new PluginLoader({ projectRoot: project });
    const copy = declIn(join(project, ".ai"));
    await expect(loader.instantiate(copy, kind, { name: "x" })).rejects.toMatchObject({
      code: "PLUGIN_LOAD_FAILED",
    });
    const shipped = join(cli, "node_modules/kiwi-core/bundle/.ai", DEF_PATH);
    expect((await loader.instantiate({ ...copy, shippedWith: [shipped] }, kind, { name: "g" })).greet()).toBe(
      "hi g",
    );
  });

  it("the kernel passes the core space's definition of the same item: a kiwi-init copy works under pnpm", async () => {
    // Sign the definition with the user's key once, then lay out the package and the project's copy.
    const signer = await fixture();
    await createItem(signer, "tool", "thing_sink", SINK_DEF, { category: "sinks" });
    const signed = await readFile(join(signer.projectRoot, ".ai", DEF_PATH));
    const project = await tempDir("pnpm-kernel");
    const core = await pnpmProject(project, signed);
    const open = (coreSpace: string | false) =>
      createKernel({
        personAtTerminal: true,
        projectRoot: project,
        userSpace: signer.userSpace,
        coreSpace,
        indexTtlMs: 0,
      });

    const kernel = await open(core);
    const thing = await kernel.instantiatePlugin({ itemId: "thing_sink", kind, settings: { name: "init" } });
    expect(thing.greet()).toBe("hi init");
    // Without the package that ships it, the copy names what to install (as before).
    const alone = await open(false);
    await expect(
      alone.instantiatePlugin({ itemId: "thing_sink", kind, settings: { name: "x" } }),
    ).rejects.toMatchObject({
      code: "PLUGIN_LOAD_FAILED",
      message: expect.stringContaining("npm install kiwi-sinks"),
    });
    // A copy naming another module is not the shipped item: it resolves from the project only.
    ok(
      await signer.kernel.execute({
        item_type: "tool",
        action: "delete",
        item_id: "thing_sink",
        parameters: { confirm: true },
      }),
    );
    await createItem(signer, "tool", "thing_sink", SINK_DEF.replace("kiwi-sinks/", "kiwi-sinks-fork/"), {
      category: "sinks",
    });
    await writeRaw(project, `.ai/${DEF_PATH}`, await readFile(join(signer.projectRoot, ".ai", DEF_PATH)));
    await expect(
      kernel.instantiatePlugin({ itemId: "thing_sink", kind, settings: { name: "x" } }),
    ).rejects.toMatchObject({
      code: "PLUGIN_LOAD_FAILED",
      message: expect.stringContaining("kiwi-sinks-fork"),
    });
  });
});

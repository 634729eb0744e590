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
    const { readFile } = await import("node:fs/promises");
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
});

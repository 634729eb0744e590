import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createKernel } from "../create-kernel";
import { createItem, fixture, tempDir, toolYaml, writeRaw } from "../test-support/fixture";

describe("a host's own plugin packages (pluginPackages)", () => {
  it("join the plugin spaces after the project's dependencies, once, whatever the project depends on", async () => {
    const f = await fixture();
    await createItem(f, "tool", "builtin", toolYaml({ id: "builtin" }), { category: "host" });
    const signed = await readFile(join(f.projectRoot, ".ai/tools/host/builtin.yaml"));
    await f.kernel.execute({
      item_type: "tool",
      action: "delete",
      item_id: "builtin",
      parameters: { confirm: true },
    });
    // The host's package lives outside the project (a global install, the CLI's own node_modules).
    const host = await tempDir("host-package");
    await writeRaw(host, "package.json", JSON.stringify({ name: "kiwi-host", kiwi: { items: "items" } }));
    await writeRaw(host, "items/tools/host/builtin.yaml", signed);
    const open = (dependencies: Record<string, string>) =>
      writeRaw(f.projectRoot, "package.json", JSON.stringify({ name: "app", dependencies })).then(() =>
        createKernel({
          personAtTerminal: true,
          projectRoot: f.projectRoot,
          userSpace: f.userSpace,
          coreSpace: false,
          indexTtlMs: 0,
          pluginPackages: [host, host],
        }),
      );
    const kernel = await open({});
    expect(kernel.spaces.map((s) => s.name)).toEqual(["project", "user", "plugin:kiwi-host"]);
    expect((await kernel.execute({ item_type: "tool", action: "run", item_id: "builtin" })).success).toBe(
      true,
    );
    // A project that depends on the package itself finds it there, not twice.
    await writeRaw(
      f.projectRoot,
      "node_modules/kiwi-host/package.json",
      JSON.stringify({ name: "kiwi-host", kiwi: { items: "items" } }),
    );
    await writeRaw(f.projectRoot, "node_modules/kiwi-host/items/tools/host/builtin.yaml", signed);
    const again = await open({ "kiwi-host": "*" });
    expect(again.spaces.map((s) => [s.name, s.root])).toEqual([
      ["project", expect.any(String)],
      ["user", expect.any(String)],
      ["plugin:kiwi-host", join(f.projectRoot, "node_modules/kiwi-host/items")],
    ]);
  });
});

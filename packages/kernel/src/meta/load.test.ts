import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createKernel } from "../create-kernel";
import { createDirectoryRegistry } from "../spaces/directory-space";
import { createItem, fixture, ok, tempDir, toolYaml } from "../test-support/fixture";

describe("load", () => {
  it("reads a verified item without copying", async () => {
    const f = await fixture();
    await createItem(f, "tool", "greet", toolYaml({ id: "greet" }));
    const r = await f.kernel.load({ item_type: "tool", item_id: "greet" });
    expect(r).toMatchObject({
      success: true,
      mode: "read_only",
      id: "greet",
      space: "project",
      version: "1.0.0",
    });
    expect(String(ok(r).content)).toContain("tool_id: greet");
  });

  it("copies user → project byte for byte, is idempotent, and never overwrites a different file", async () => {
    const f = await fixture();
    await createItem(f, "tool", "greet", toolYaml({ id: "greet" }), { location: "user", category: "x" });
    const r = await f.kernel.load({
      item_type: "tool",
      item_id: "greet",
      source: "user",
      destination: "project",
    });
    expect(r).toMatchObject({ success: true, copied: true, path: "project:tools/x/greet.yaml" });
    const a = await readFile(join(f.userSpace, "tools/x/greet.yaml"));
    const b = await readFile(join(f.projectRoot, ".ai/tools/x/greet.yaml"));
    expect(b.equals(a)).toBe(true);
    const again = await f.kernel.load({
      item_type: "tool",
      item_id: "greet",
      source: "user",
      destination: "project",
    });
    expect(again).toMatchObject({ success: true, copied: false });
    await f.kernel.execute({
      item_type: "tool",
      action: "update",
      item_id: "greet",
      parameters: { content: toolYaml({ id: "greet", config: "  v: 1\n" }) },
    });
    const clash = await f.kernel.load({
      item_type: "tool",
      item_id: "greet",
      source: "user",
      destination: "project",
    });
    expect(clash.success === false && clash.error.code).toBe("ITEM_EXISTS");
  });

  it("copies from a directory registry into the project", async () => {
    const registryRoot = await tempDir("registry");
    const publisher = await fixture();
    await createItem(publisher, "tool", "greet", toolYaml({ id: "greet" }), { category: "shared" });
    const { cp } = await import("node:fs/promises");
    await cp(join(publisher.projectRoot, ".ai"), registryRoot, { recursive: true });
    // The consumer trusts the publisher's key, and reads the registry last.
    const consumer = await fixture();
    const key = await publisher.kernel.signingKey();
    const kernel = await createKernel({
      personAtTerminal: true,
      projectRoot: consumer.projectRoot,
      userSpace: consumer.userSpace,
      coreSpace: false,
      pluginSpaces: false,
      registry: createDirectoryRegistry({ name: "team", root: registryRoot }),
      trustedKeys: [{ pem: key.publicKeyPem, origin: "team-publisher" }],
    });
    const found = await kernel.search({ item_type: "tool", query: "greet", source: "all" });
    expect((ok(found).results as { space: string }[])[0]?.space).toBe("registry:team");
    const local = await kernel.search({ item_type: "tool", query: "greet" });
    expect(ok(local).results).toEqual([]);
    const r = await kernel.load({
      item_type: "tool",
      item_id: "greet",
      source: "registry",
      destination: "project",
    });
    expect(r).toMatchObject({ success: true, copied: true, path: "project:tools/shared/greet.yaml" });
    expect((await kernel.execute({ item_type: "tool", action: "run", item_id: "greet" })).success).toBe(true);
  });
});

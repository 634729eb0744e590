import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  createItem,
  directiveMd,
  fixture,
  ok,
  toolYaml,
  treeDigest,
  writeRaw,
} from "../test-support/fixture";

describe("execute create / update / delete / sign", () => {
  it("creates a signed item in the category folder and refuses to create it twice", async () => {
    const f = await fixture();
    const r = await createItem(f, "tool", "greet", toolYaml({ id: "greet" }), { category: "examples" });
    expect(r).toMatchObject({
      status: "created",
      path: "project:tools/examples/greet.yaml",
      space: "project",
    });
    const text = await readFile(join(f.projectRoot, ".ai/tools/examples/greet.yaml"), "utf8");
    expect(text).toMatch(/^# kiwi:signature v1 key=ed25519:\S+ ts=\S+ sig=\S+\ntool_id: greet\n/);
    const again = await f.kernel.execute({
      item_type: "tool",
      action: "create",
      item_id: "greet",
      parameters: { content: toolYaml({ id: "greet" }) },
    });
    expect(again.success === false && again.error.code).toBe("ITEM_EXISTS");
  });

  it("writes nothing when the content does not validate, and names file, field and fix", async () => {
    const f = await fixture();
    const before = await treeDigest(f.projectRoot);
    const r = await f.kernel.execute({
      item_type: "directive",
      action: "create",
      item_id: "deploy",
      parameters: { content: directiveMd({ name: "deploy" }).replace('version="1.0.0"', "") },
    });
    expect(r.success === false && r.error.code).toBe("VALIDATION_FAILED");
    expect(r.success === false && r.error.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          file: expect.stringContaining("deploy.md"),
          field: expect.any(String),
          message: expect.any(String),
        }),
      ]),
    );
    expect(await treeDigest(f.projectRoot)).toBe(before);
  });

  it("updates an existing item (re-signing it) and refuses to update a missing one", async () => {
    const f = await fixture();
    await createItem(f, "tool", "greet", toolYaml({ id: "greet" }));
    const r = await f.kernel.execute({
      item_type: "tool",
      action: "update",
      item_id: "greet",
      parameters: { content: toolYaml({ id: "greet", config: "  v: 2\n" }) },
    });
    expect(r).toMatchObject({ success: true, status: "updated" });
    const run = await f.kernel.execute({ item_type: "tool", action: "run", item_id: "greet" });
    expect((ok(run).result as { config: unknown }).config).toEqual({ v: 2 });
    const missing = await f.kernel.execute({
      item_type: "tool",
      action: "update",
      item_id: "nope",
      parameters: { content: toolYaml({ id: "nope" }) },
    });
    expect(missing.success === false && missing.error.code).toBe("ITEM_NOT_FOUND");
  });

  it("drops a signature line supplied in content and signs with the user key", async () => {
    const f = await fixture();
    const forged = `# kiwi:signature v1 key=ed25519:AAAAAAAAAAAAAAAA ts=2020-01-01T00:00:00Z sig=${"A".repeat(86)}\n${toolYaml({ id: "greet" })}`;
    await createItem(f, "tool", "greet", forged);
    const key = await f.kernel.signingKey();
    const text = await readFile(join(f.projectRoot, ".ai/tools/greet.yaml"), "utf8");
    expect(text.split("\n")[0]).toContain(`key=${key.keyId}`);
    expect(text.match(/kiwi:signature/g)).toHaveLength(1);
  });

  it("deletes only with confirm: true", async () => {
    const f = await fixture();
    await createItem(f, "tool", "greet", toolYaml({ id: "greet" }));
    const no = await f.kernel.execute({ item_type: "tool", action: "delete", item_id: "greet" });
    expect(no.success === false && no.error.code).toBe("CONFIRMATION_REQUIRED");
    const yes = await f.kernel.execute({
      item_type: "tool",
      action: "delete",
      item_id: "greet",
      parameters: { confirm: true },
    });
    expect(yes).toMatchObject({ success: true, status: "deleted" });
    await expect(stat(join(f.projectRoot, ".ai/tools/greet.yaml"))).rejects.toThrow();
    const run = await f.kernel.execute({ item_type: "tool", action: "run", item_id: "greet" });
    expect(run.success === false && run.error.code).toBe("ITEM_NOT_FOUND");
  });

  it("signs a batch with a glob and reports each failure", async () => {
    const f = await fixture();
    await writeRaw(f.projectRoot, ".ai/tools/a/greet_one.yaml", toolYaml({ id: "greet_one" }));
    await writeRaw(f.projectRoot, ".ai/tools/b/greet_two.yaml", toolYaml({ id: "greet_two" }));
    await writeRaw(f.projectRoot, ".ai/tools/b/greet_bad.yaml", "tool_id: greet_bad\n");
    await writeRaw(f.projectRoot, ".ai/tools/b/other.yaml", toolYaml({ id: "other" }));
    const r = await f.kernel.execute({ item_type: "tool", action: "sign", item_id: "greet_*" });
    expect(r).toMatchObject({
      success: true,
      status: "partial",
      total: 3,
      summary: "signed 2/3 tools, 1 failed",
    });
    expect(
      (ok(r).failed as { item: string; error: { code: string } }[]).map((x) => [x.item, x.error.code]),
    ).toEqual([["b/greet_bad", "VALIDATION_FAILED"]]);
    expect((await f.kernel.execute({ item_type: "tool", action: "run", item_id: "greet_two" })).success).toBe(
      true,
    );
    expect((await f.kernel.execute({ item_type: "tool", action: "run", item_id: "other" })).success).toBe(
      false,
    );
    const scoped = await f.kernel.execute({ item_type: "tool", action: "sign", item_id: "b/*" });
    expect(ok(scoped).total).toBe(3);
    const none = await f.kernel.execute({ item_type: "tool", action: "sign", item_id: "zzz*" });
    expect(none.success === false && none.error.code).toBe("ITEM_NOT_FOUND");
  });

  it("passes writes through the guard with the space and path", async () => {
    const seen: unknown[] = [];
    const f = await fixture({ authorizer: (r) => void seen.push(r) });
    await createItem(f, "tool", "greet", toolYaml({ id: "greet" }), { location: "user", category: "x" });
    expect(seen).toContainEqual(
      expect.objectContaining({
        kind: "item.write",
        action: "create",
        path: "tools/x/greet.yaml",
        space: "user",
      }),
    );
  });
});

import { KiwiError } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { createItem, directiveMd, fixture, knowledgeMd, ok, toolYaml } from "../test-support/fixture";

describe("search", () => {
  it("scores name matches above content matches and orders ties stably by space then id", async () => {
    const f = await fixture();
    await createItem(f, "tool", "deploy_app", toolYaml({ id: "deploy_app" }), { category: "ops" });
    await createItem(
      f,
      "tool",
      "backup",
      toolYaml({ id: "backup", params: "  - name: deploy_target\n    type: string" }),
      { category: "ops" },
    );
    await createItem(f, "tool", "zeta", toolYaml({ id: "zeta" }));
    await createItem(f, "tool", "alpha", toolYaml({ id: "alpha" }));
    const r = await f.kernel.search({ item_type: "tool", query: "deploy" });
    expect(r.success).toBe(true);
    const ids = (ok(r).results as { id: string }[]).map((h) => h.id);
    expect(ids).toEqual(["deploy_app", "backup"]);
    const all = await f.kernel.search({ item_type: "tool", query: "" });
    expect((ok(all).results as { id: string }[]).map((h) => h.id)).toEqual([
      "alpha",
      "backup",
      "deploy_app",
      "zeta",
    ]);
    // Same query, same answer.
    expect(await f.kernel.search({ item_type: "tool", query: "deploy" })).toEqual(r);
  });

  it("lets the project shadow the user space and says so", async () => {
    const f = await fixture();
    await createItem(f, "tool", "greet", toolYaml({ id: "greet" }), { location: "user" });
    await createItem(f, "tool", "greet", toolYaml({ id: "greet" }));
    const r = await f.kernel.search({ item_type: "tool", query: "greet" });
    const hits = ok(r).results as { space: string; shadowed_by?: string }[];
    expect(hits.map((h) => [h.space, h.shadowed_by])).toEqual([
      ["project", undefined],
      ["user", "project"],
    ]);
    const onlyUser = await f.kernel.search({ item_type: "tool", query: "greet", source: "user" });
    expect((ok(onlyUser).results as { space: string }[]).map((h) => h.space)).toEqual(["user"]);
  });

  it("finds items by description and category, respects limit and reports total", async () => {
    const f = await fixture();
    for (const n of ["a1", "a2", "a3"])
      await createItem(f, "directive", n, directiveMd({ name: n, category: "deploys" }), {
        category: "deploys",
      });
    const r = await f.kernel.search({ item_type: "directive", query: "deployments", limit: 2 });
    expect(ok(r).total).toBe(3);
    expect((ok(r).results as unknown[]).length).toBe(2);
  });

  it("refuses bad arguments and a foreign project_path", async () => {
    const f = await fixture();
    const bad = await f.kernel.search({ item_type: "widget" as "tool", query: "x" });
    expect(bad.success).toBe(false);
    if (!bad.success) expect(bad.error.code).toBe("INVALID_INPUT");
    const other = await f.kernel.search({ item_type: "tool", query: "x", project_path: "/" });
    expect(other.success === false && other.error.code).toBe("PROJECT_MISMATCH");
    const same = await f.kernel.search({ item_type: "tool", query: "x", project_path: f.projectRoot });
    expect(same.success).toBe(true);
  });

  it("leaves out categories the guard refuses", async () => {
    const f = await fixture({
      authorizer: (r) => {
        if (r.kind === "item.read" && r.action === "search" && r.category === "secret") {
          throw new KiwiError({ code: "CAPABILITY_DENIED", message: "no" });
        }
      },
    });
    await createItem(f, "knowledge", "plans", knowledgeMd({ id: "plans", category: "secret" }), {
      category: "secret",
    });
    await createItem(f, "knowledge", "notes", knowledgeMd({ id: "notes", category: "open" }), {
      category: "open",
    });
    const r = ok(await f.kernel.search({ item_type: "knowledge", query: "" }));
    expect((r.results as { id: string }[]).map((h) => h.id)).toEqual(["notes"]);
    expect(r.total).toBe(1);
  });

  it("sees a project override of another space's item on the next lookup", async () => {
    const f = await fixture({ indexTtlMs: 0 });
    await createItem(f, "tool", "greet", toolYaml({ id: "greet", config: "  from: user\n" }), {
      location: "user",
    });
    const first = ok(await f.kernel.execute({ item_type: "tool", action: "run", item_id: "greet" }));
    expect((first.result as { config: unknown }).config).toEqual({ from: "user" });
    // Another process signs a project copy: precedence must switch without a search in between.
    const { createKernel } = await import("../create-kernel");
    const other = await createKernel({
      personAtTerminal: true,
      projectRoot: f.projectRoot,
      userSpace: f.userSpace,
      coreSpace: false,
      pluginSpaces: false,
    });
    await other.execute({
      item_type: "tool",
      action: "create",
      item_id: "greet",
      parameters: { content: toolYaml({ id: "greet", config: "  from: project\n" }) },
    });
    const second = ok(await f.kernel.execute({ item_type: "tool", action: "run", item_id: "greet" }));
    expect((second.result as { config: unknown }).config).toEqual({ from: "project" });
  });

  it("reports unsigned and modified items as unverified", async () => {
    const f = await fixture();
    const { writeRaw } = await import("../test-support/fixture");
    await writeRaw(f.projectRoot, ".ai/tools/loose.yaml", toolYaml({ id: "loose" }));
    const r = await f.kernel.search({ item_type: "tool", query: "loose" });
    const hit = (ok(r).results as { status: string; problem?: string }[])[0];
    expect(hit?.status).toBe("unverified");
    expect(hit?.problem).toMatch(/not signed/);
  });

  it("reports an invalid item in results instead of hiding it", async () => {
    const f = await fixture();
    const { writeSignedRaw } = await import("../test-support/fixture");
    // Signed (so it is parsed) but not a valid tool: an unsigned one would be reported unverified.
    await writeSignedRaw(f, {
      itemType: "tool",
      relPath: ".ai/tools/broken.yaml",
      id: "broken",
      body: "tool_id: broken\nversion: 1.0\n",
    });
    const r = await f.kernel.search({ item_type: "tool", query: "broken" });
    const hit = (ok(r).results as { id: string; status: string; problem?: string }[])[0];
    expect(hit?.status).toBe("invalid");
    expect(hit?.problem).toMatch(/broken\.yaml/);
  });
});

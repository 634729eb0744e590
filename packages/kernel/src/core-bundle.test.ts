import { describe, expect, it } from "vitest";
import { bundledCoreSpace } from "./core-space";
import { createKernel } from "./create-kernel";
import { entryProblem } from "./library/library";
import { tempDir } from "./test-support/fixture";

// The bundle shipped with the package (copied from the repository's .ai at build time) must verify as
// core on a machine that has never seen the maintainers' key: a failure here means an item was edited
// without running `npx tsx packages/kernel/scripts/sign-core-bundle.ts`.
describe("bundled core space", () => {
  it("exists, and every item in it parses, resolves and verifies as core", async () => {
    expect(bundledCoreSpace()).toBeDefined();
    const kernel = await createKernel({
      personAtTerminal: true,
      projectRoot: await tempDir("core"),
      userSpace: await tempDir("core-user"),
      pluginSpaces: false,
    });
    const entries = (await kernel.inventory()).filter((e) => e.space.kind === "core");
    expect(entries.length).toBeGreaterThanOrEqual(8);
    // mcp_connect ends in the mcp_connector primitive, which @kiwi/mcp and @kiwi/cli register when they
    // compose a kernel (it writes tools through that kernel); a bare kernel reports it unavailable.
    const composedElsewhere = new Set(["mcp_connect"]);
    const problems = entries.filter((e) => entryProblem(e) && !(composedElsewhere.has(e.id) && !e.problem));
    expect(problems.map((e) => `${e.label}: ${entryProblem(e)?.message}`)).toEqual([]);
    expect(entries.find((e) => e.id === "mcp_connect")?.chainProblem?.message).toContain("mcp_connector");
    for (const e of entries) {
      const id = e.category ? `${e.category}/${e.id}` : e.id;
      const r = await kernel.load({ item_type: e.itemType, item_id: id, source: "core" });
      expect(r.success ? r.core : r.error.message).toBe(true);
    }
    // The thread tools are explained to models through help.
    const threads = await kernel.help({ action: "guidance", topic: "threads" });
    expect(threads.success && (threads.answers as { id: string }[])[0]?.id).toBe("threads");
    const prompt = await kernel.systemPrompt();
    expect(prompt).toMatchObject({ space: "core", core: true });
    expect(prompt.text).toContain("search(");
  });

  it("answers the thread tools with TOOL_UNAVAILABLE when no thread runtime replaced the threads primitive", async () => {
    const kernel = await createKernel({
      personAtTerminal: true,
      projectRoot: await tempDir("core"),
      userSpace: await tempDir("core-user"),
      pluginSpaces: false,
      guard: false,
    });
    const r = await kernel.execute({
      item_type: "tool",
      action: "run",
      item_id: "thread_control",
      parameters: { action: "get_status", thread_id: "x" },
    });
    expect(r).toMatchObject({ success: false, error: { code: "TOOL_UNAVAILABLE", primitive: "threads" } });
    expect(r.success ? "" : r.error.message).toContain("thread runtime");
  });

  it("gives no core status to the same bytes outside the core space", async () => {
    const project = await tempDir("core");
    const kernel = await createKernel({
      personAtTerminal: true,
      projectRoot: project,
      userSpace: await tempDir("core-user"),
      pluginSpaces: false,
    });
    const copied = await kernel.load({
      item_type: "directive",
      item_id: "hello_kiwi",
      destination: "project",
    });
    expect(copied.success).toBe(true);
    const r = await kernel.execute({
      item_type: "directive",
      action: "run",
      item_id: "hello_kiwi",
      parameters: { name: "x" },
    });
    expect(r).toMatchObject({ success: true, space: "project", core: false });
  });
});

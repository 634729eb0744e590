import { describe, expect, it } from "vitest";
import { createItem, directiveMd, fixture, knowledgeMd, ok } from "../test-support/fixture";

const inputs = `<inputs>
    <input name="env" type="string" required="true">Target environment</input>
    <input name="dry" type="boolean" required="false" default="true">Dry run</input>
  </inputs>`;

describe("execute(directive, run)", () => {
  it("returns the parsed directive and never spawns anything", async () => {
    const f = await fixture();
    await createItem(f, "directive", "deploy", directiveMd({ name: "deploy", category: "ops", inputs }), {
      category: "ops",
    });
    const r = await f.kernel.execute({
      item_type: "directive",
      action: "run",
      item_id: "deploy",
      parameters: { env: "staging" },
    });
    expect(r).toMatchObject({
      success: true,
      status: "ready",
      name: "deploy",
      version: "1.0.0",
      category: "ops",
      can_spawn_thread: true,
      spawn_requirements_missing: [],
      provided_inputs: { env: "staging", dry: "true" },
      process: [{ name: "first", description: "Do the first thing", action: "Run greet." }],
      core: false,
    });
  });

  it("lists what a directive lacks before it can be spawned", async () => {
    const f = await fixture();
    await createItem(
      f,
      "directive",
      "bare",
      directiveMd({ name: "bare", cost: false, model: false, permissions: "" }),
    );
    const r = await f.kernel.execute({ item_type: "directive", action: "run", item_id: "bare" });
    expect(r).toMatchObject({
      success: true,
      can_spawn_thread: false,
      spawn_requirements_missing: ["cost", "model", "permissions"],
    });
    expect(ok(r).spawn_issues).toContainEqual(
      expect.objectContaining({
        field: "metadata.cost",
        message: "no <cost> in metadata",
        fix: expect.stringContaining("<cost><max_turns>30</max_turns>"),
      }),
    );
  });

  it("refuses missing, unknown and mistyped inputs", async () => {
    const f = await fixture();
    await createItem(f, "directive", "deploy", directiveMd({ name: "deploy", inputs }));
    const run = (parameters: Record<string, unknown>) =>
      f.kernel.execute({ item_type: "directive", action: "run", item_id: "deploy", parameters });
    const missing = await run({});
    expect(missing.success === false && missing.error).toMatchObject({
      code: "PARAM_MISSING",
      missing_inputs: [{ name: "env" }],
    });
    expect((await run({ env: "x", nope: 1 })).success === false).toBe(true);
    const typed = await run({ env: 5 });
    expect(typed.success === false && typed.error.code).toBe("PARAM_INVALID");
  });
});

describe("execute(knowledge, run) and help", () => {
  it("returns verified knowledge content", async () => {
    const f = await fixture();
    await createItem(
      f,
      "knowledge",
      "retries",
      knowledgeMd({ id: "retries", tags: ["http"], body: "Back off exponentially." }),
    );
    const r = await f.kernel.execute({ item_type: "knowledge", action: "run", item_id: "retries" });
    expect(r).toMatchObject({
      success: true,
      title: "About retries",
      tags: ["http"],
      content: "Back off exponentially.",
    });
  });

  it("answers guidance from knowledge: exact id first, then tags, then keywords", async () => {
    const f = await fixture();
    await createItem(
      f,
      "knowledge",
      "permissions",
      knowledgeMd({ id: "permissions", body: "Tokens and scopes." }),
    );
    await createItem(
      f,
      "knowledge",
      "scopes",
      knowledgeMd({ id: "scopes", tags: ["permissions"], body: "Path globs." }),
    );
    await createItem(f, "knowledge", "unrelated", knowledgeMd({ id: "unrelated", body: "Cooking." }));
    const r = await f.kernel.help({ action: "guidance", topic: "permissions" });
    expect((ok(r).answers as { id: string }[]).map((a) => a.id)).toEqual(["permissions", "scopes"]);
    const overview = await f.kernel.help({});
    expect(overview).toMatchObject({ success: true, action: "guidance", topic: null });
    expect(String(ok(overview).overview)).toContain("search(");
    const none = await f.kernel.help({ action: "guidance", topic: "quantum" });
    expect(none).toMatchObject({ success: true, answers: [] });
  });

  it("routes stuck/escalate/checkpoint signals to the handler, or acknowledges them", async () => {
    const signals: unknown[] = [];
    const f = await fixture({
      signalHandler: async (s) => {
        signals.push(s);
        return { recorded: true };
      },
    });
    const meta = { __thread_id: "t-1" };
    const r = await f.kernel.help({ action: "stuck", reason: "looping" }, { meta });
    expect(r).toEqual({ success: true, action: "stuck", routed: true, recorded: true });
    expect(signals).toEqual([{ kind: "stuck", topic: undefined, reason: "looping", meta }]);
    const plain = await fixture();
    expect(await plain.kernel.help({ action: "escalate" })).toMatchObject({ success: true, routed: false });
  });
});

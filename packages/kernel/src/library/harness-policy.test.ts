import { describe, expect, it } from "vitest";
import { createItem, directiveMd, fixture, ok, toolYaml } from "../test-support/fixture";

const withHarness = (name: string, harness: string) =>
  directiveMd({ name }).replace(
    "<author>tests</author>",
    `<author>tests</author>\n    <harness>${harness}</harness>`,
  );

const harnessYaml = `tool_id: my_harness
tool_type: harness
version: "1.0.0"
description: A test harness definition.
module: "@acme/my-harness"
export: createMyHarness
requires: none
`;

describe("a directive's <harness>", () => {
  it("is checked when the directive is signed: unknown and non-harness ids are refused with what to use", async () => {
    const f = await fixture({ coreSpace: false });
    await createItem(f, "tool", "plain", toolYaml({ id: "plain" }));
    const create = (name: string, harness: string) =>
      f.kernel.execute({
        item_type: "directive",
        action: "create",
        item_id: name,
        parameters: { content: withHarness(name, harness) },
      });
    expect(await create("unknown_one", "no_such_harness")).toMatchObject({
      success: false,
      error: {
        code: "VALIDATION_FAILED",
        field: "metadata.harness",
        reason: "unknown_harness",
        message: expect.stringContaining("no tool_type: harness definition 'no_such_harness' is installed"),
      },
    });
    expect(await create("wrong_kind", "plain")).toMatchObject({
      success: false,
      error: {
        code: "VALIDATION_FAILED",
        reason: "not_a_harness",
        message: expect.stringContaining("plain is a tool_type: utility definition, not a harness"),
      },
    });
    // Nothing was written for the refused directives.
    expect((await f.kernel.load({ item_type: "directive", item_id: "wrong_kind" })).success).toBe(false);
    await createItem(f, "tool", "my_harness", harnessYaml);
    const created = ok(await create("runs_on_mine", "my_harness"));
    expect(created.status).toBe("created");
    const loaded = ok(
      await f.kernel.execute({ item_type: "directive", action: "run", item_id: "runs_on_mine" }),
    );
    expect((loaded.metadata as { harness?: string }).harness).toBe("my_harness");
    // Now that one is installed, the refusal names it.
    expect(await create("unknown_two", "nope")).toMatchObject({
      error: { known: ["my_harness"], message: expect.stringContaining("use one of my_harness") },
    });
  });

  it("must be a snake_case id in text form", async () => {
    const f = await fixture({ coreSpace: false });
    const r = await f.kernel.execute({
      item_type: "directive",
      action: "create",
      item_id: "bad_id",
      parameters: { content: withHarness("bad_id", "Not An Id") },
    });
    expect(r).toMatchObject({ success: false, error: { code: "VALIDATION_FAILED" } });
    expect(JSON.stringify(r)).toContain("metadata.harness");
  });
});

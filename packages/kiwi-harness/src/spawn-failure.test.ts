// A spawn that fails reaches the calling model the way a failed meta-tool call does: a tool result
// `{success:false, error:{code, message, retryable, …context}}` (DESIGN.md's tool-boundary shape), whichever
// layer refused it — the directive's load, its spawn requirements, the orchestration policy, the harness,
// or an unexpected throw in the host's model choice — and nothing is registered.
import { createAnthropicProvider } from "@kiwi/provider-anthropic";
import { isToolFailure } from "@kiwi/spec";
import { readTranscript } from "@kiwi/threads";
import { afterEach, expect, it } from "vitest";
import { type RuntimeWorld, runtimeWorld, threadDirectiveFile } from "./test-support/runtime-world";
import { call } from "./test-support/thread-world";

let world: RuntimeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const spawnCall = (parameters: Record<string, unknown>, id: string) =>
  call("execute", { item_type: "tool", action: "run", item_id: "thread_directive", parameters }, id)
    .tool_calls[0]!;

it("every refused spawn comes back to the model in the meta-tools' failure shape, and registers nothing", async () => {
  world = await runtimeWorld({
    script: {
      turns: [],
      routes: [
        {
          match: "parent work",
          turns: [
            {
              tool_calls: [
                spawnCall({ directive_name: "child_missing", message: "c" }, "missing"),
                spawnCall({ directive_name: "child_nocost", message: "c" }, "requirements"),
                spawnCall({ directive_name: "other_denied", message: "c" }, "orchestration"),
                spawnCall({ directive_name: "child_ok", message: "c", harness: "nope" }, "harness"),
                spawnCall({ directive_name: "child_boom", message: "c" }, "unexpected"),
                spawnCall({ message: "c" }, "param"),
                // A meta-tool's own failure, for comparison.
                call("load", { item_type: "directive", item_id: "nothing_here" }, "meta").tool_calls[0]!,
              ],
            },
            { text: "parent done" },
          ],
        },
      ],
    },
    runtime: {
      models: (_model, directive) => {
        if (directive === "child_boom") throw new TypeError("the model table is broken");
        return { provider: createAnthropicProvider(), model: "claude-haiku-4-5" };
      },
    },
  });
  await world.directive(
    "orchestrator",
    threadDirectiveFile({
      name: "orchestrator",
      permissions: `
      <execute resource="kiwi-mcp" action="*"/>
      <execute resource="tool" id="thread_directive"/>
      <orchestration enabled="true"><allow_categories/><deny_categories/><allow_directives>child_*</allow_directives><deny_directives/></orchestration>`,
    }),
  );
  for (const name of ["child_ok", "child_boom", "other_denied"])
    await world.directive(name, threadDirectiveFile({ name }));
  await world.directive(
    "child_nocost",
    threadDirectiveFile({ name: "child_nocost" }).replace(/<cost>[\s\S]*?<\/cost>/, ""),
  );

  const parent = await world.runtime.spawn({ directive: "orchestrator", message: "parent work" });
  expect(await parent.wait({ timeoutMs: 20_000 })).toMatchObject({ status: "completed" });
  expect(world.runtime.manager.registry.query({ parentId: parent.thread_id })).toEqual([]);

  const body = world.fake.requests.at(-1)!.body as {
    messages: { role: string; content: { tool_use_id: string; content: string; is_error: boolean }[] }[];
  };
  const results = new Map(
    body.messages.at(-1)!.content.map((r) => [r.tool_use_id, { ...r, parsed: JSON.parse(r.content) }]),
  );
  const expected: Record<string, { code: string; context: Record<string, unknown>; says: string }> = {
    missing: { code: "ITEM_NOT_FOUND", context: { item_id: "child_missing" }, says: "no directive" },
    requirements: { code: "VALIDATION_FAILED", context: { missing: ["cost"] }, says: "missing cost" },
    orchestration: {
      code: "CAPABILITY_DENIED",
      context: { reason: "orchestration", directive: "other_denied" },
      says: "may not spawn other_denied",
    },
    harness: { code: "ITEM_NOT_FOUND", context: { harness: "nope" }, says: "no harness 'nope'" },
    unexpected: {
      code: "PRIMITIVE_FAILED",
      context: { tool_id: "thread_directive" },
      says: "the model table is broken",
    },
    param: { code: "PARAM_MISSING", context: { missing: ["directive_name"] }, says: "directive_name" },
    meta: { code: "ITEM_NOT_FOUND", context: { item_id: "nothing_here" }, says: "no directive" },
  };
  for (const [id, want] of Object.entries(expected)) {
    const r = results.get(id)!;
    expect(r.is_error, id).toBe(true);
    expect(isToolFailure(r.parsed), id).toBe(true);
    // Exactly the two keys of a tool failure; the error's context sits beside its code and message.
    expect(Object.keys(r.parsed).sort(), id).toEqual(["error", "success"]);
    expect(r.parsed.error, id).toMatchObject({ code: want.code, retryable: false, ...want.context });
    expect(r.parsed.error.message, id).toContain(want.says);
  }
  // The parent's record names each refused call with its code.
  const recorded = readTranscript(world.runtime.manager.transcriptPath(parent.thread_id)).events.filter(
    (e) => e.type === "tool_result",
  );
  expect(recorded.map((e) => [e.id, e.success, e.error_code])).toEqual(
    Object.entries(expected).map(([id, want]) => [id, false, want.code]),
  );
});

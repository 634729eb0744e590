// Which harness a thread runs on is data: the spawn's (or thread_directive's) harness, else the
// directive's <harness>, else kiwi_harness. Anything that is not a signed harness definition fails the
// spawn before a thread is registered.
import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readTranscript, type TranscriptEvent } from "@kiwi/threads";
import { afterEach, describe, expect, it } from "vitest";
import { type RuntimeWorld, runtimeWorld, threadDirectiveFile } from "./test-support/runtime-world";
import { call } from "./test-support/thread-world";

const ACME_SOURCE = readFileSync(new URL("./__fixtures__/acme-harness/index.mjs", import.meta.url), "utf8");

/** A harness-v1 plugin written the old way (createRunner + run with control), as a path module. */
const V1_SOURCE = `
export function createOldHarness() {
  return {
    specificationVersion: "harness-v1",
    id: "old",
    createRunner: (context) => ({
      async run(input) {
        const messages = [{ role: "user", content: input.message }];
        let text = "";
        for (let turn = 1; ; turn++) {
          const directive = await input.control.beforeTurn(turn, { messages });
          if (directive?.stop) return { ...directive.stop, turns: turn - 1, usage: {}, final_text: text, messages };
          const reply = await context.model.call({ model: context.modelId, system: "old-school", messages, tools: [], max_tokens: 100 }, {});
          text = reply.state.text_blocks.join("");
          return { status: "completed", reason: "end_turn", turns: turn, usage: {}, final_text: "old: " + text, messages };
        }
      },
    }),
  };
}
`;

const definition = (id: string, module: string, exported: string) => `tool_id: ${id}
tool_type: harness
version: "1.0.0"
description: A project harness for the selection tests.
module: "${module}"
export: ${exported}
requires: none
`;

let world: RuntimeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

function events(w: RuntimeWorld, id: string): TranscriptEvent[] {
  return readTranscript(w.runtime.manager.transcriptPath(id)).events;
}

/** Puts a module beside its definition in the project space and creates (signs) the definition. */
async function projectHarness(w: RuntimeWorld, id: string, file: string, source: string, exported: string) {
  const dir = join(w.projectRoot, ".ai/tools/harnesses");
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, file), source);
  const created = await w.runtime.kernel.execute({
    item_type: "tool",
    action: "create",
    item_id: id,
    parameters: { content: definition(id, `./${file}`, exported), category: "harnesses" },
  });
  if (!created.success) throw new Error(created.error.message);
}

describe("choosing a thread's harness", () => {
  it("unknown, non-harness and unsigned ids fail the spawn with a clear error before anything runs", async () => {
    world = await runtimeWorld({ script: { turns: [{ text: "never" }] } });
    await world.directive("chosen", threadDirectiveFile({ name: "chosen" }));
    const spawn = (harness: string) => world!.runtime.spawn({ directive: "chosen", harness }).catch((e) => e);
    expect(await spawn("no_such_harness")).toMatchObject({
      code: "ITEM_NOT_FOUND",
      message: expect.stringMatching(/no harness 'no_such_harness'.*installed: kiwi_harness/),
    });
    expect(await spawn("greet")).toMatchObject({
      code: "PLUGIN_INVALID",
      message: expect.stringContaining("'greet' is a tool_type: utility definition, not a harness"),
    });
    // A definition nobody signed (written straight to disk): refused as unverified.
    const dir = join(world.projectRoot, ".ai/tools/harnesses");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "sneaky.mjs"), ACME_SOURCE);
    await writeFile(
      join(dir, "sneaky_harness.yaml"),
      definition("sneaky_harness", "./sneaky.mjs", "createAcmeHarness"),
    );
    expect(await spawn("sneaky_harness")).toMatchObject({
      code: "INTEGRITY_MISMATCH",
      message: expect.stringContaining("harness 'sneaky_harness' cannot be used"),
    });
    expect(world.runtime.manager.registry.query({})).toHaveLength(0);
    expect(world.fake.requests).toHaveLength(0);
  });

  it("the spawn's harness wins over the directive's, which wins over the default; a v1 plugin is upgraded", async () => {
    world = await runtimeWorld({
      script: {
        turns: [],
        routes: [
          // Acme offers the granted tools by name: its model calls greet itself.
          {
            match: "on acme",
            turns: [{ tool_calls: [{ name: "greet", arguments: { who: "Ada" } }] }, { text: "acme done" }],
          },
          { match: "on old", turns: [{ text: "v1 reply" }] },
          { match: "on default", turns: [{ text: "kiwi done" }] },
        ],
      },
    });
    await projectHarness(world, "acme_harness", "acme.mjs", ACME_SOURCE, "createAcmeHarness");
    await projectHarness(world, "old_harness", "old.mjs", V1_SOURCE, "createOldHarness");
    const named = threadDirectiveFile({ name: "named" }).replace(
      '<model tier="fast">quick</model>',
      '<model tier="fast">quick</model>\n    <harness>acme_harness</harness>',
    );
    await world.directive("named", named);
    await world.directive("plain", threadDirectiveFile({ name: "plain" }));
    const m = world.runtime.manager;
    const acme = await world.runtime.spawn({ directive: "named", message: "on acme" });
    const old = await world.runtime.spawn({ directive: "named", message: "on old", harness: "old_harness" });
    const kiwi = await world.runtime.spawn({ directive: "plain", message: "on default" });
    for (const t of [acme, old, kiwi]) await m.wait(t.thread_id, { timeoutMs: 20_000 });

    const acmeEvents = events(world, acme.thread_id);
    expect(acmeEvents[0]).toMatchObject({ type: "spawned", harness: "acme_harness" });
    expect(m.registry.get(acme.thread_id)).toMatchObject({
      status: "completed",
      reason: "end_turn",
      permission_context: { harness: "acme_harness" },
    });
    // The harness's own events reach the transcript; forging a runtime event is refused.
    expect(acmeEvents.find((e) => e.type === "acme_forgery_refused")).toMatchObject({
      code: "INVALID_INPUT",
    });
    expect(acmeEvents.find((e) => e.type === "acme_progress")).toMatchObject({ turn: 1, calls: 1 });
    expect(acmeEvents.filter((e) => e.type === "tool_call")).toEqual([
      expect.objectContaining({ name: "greet", capability: "tool.execute", grant: "tool.execute:greet" }),
    ]);
    const acmeBody = world.fake.requests.find((r) => JSON.stringify(r.body).includes("on acme"))!.body as {
      system: string;
      tools: { name: string }[];
    };
    expect(acmeBody.system).toBe("You are Acme's assistant. Use the tools.");
    expect(acmeBody.tools.map((t) => t.name)).toEqual(["greet"]);

    expect(events(world, old.thread_id)[0]).toMatchObject({ harness: "old_harness" });
    expect(m.registry.get(old.thread_id)).toMatchObject({ status: "completed", reason: "end_turn" });
    expect(events(world, old.thread_id).find((e) => e.type === "completed")).toMatchObject({
      final_text: "old: v1 reply",
      turns: 1,
    });
    expect(events(world, kiwi.thread_id)[0]).toMatchObject({ harness: "kiwi_harness" });
  });

  it("thread_directive takes a harness parameter; a bad one comes back to the calling model as an error", async () => {
    world = await runtimeWorld({
      script: {
        turns: [],
        routes: [
          {
            match: "parent work",
            turns: [
              {
                tool_calls: [
                  ...["acme_harness", "nope"].map(
                    (harness) =>
                      call("execute", {
                        item_type: "tool",
                        action: "run",
                        item_id: "thread_directive",
                        parameters: { directive_name: "child_acme", message: `child on ${harness}`, harness },
                      }).tool_calls[0]!,
                  ),
                ],
              },
              call("execute", {
                item_type: "tool",
                action: "run",
                item_id: "thread_control",
                parameters: { action: "wait_children" },
              }),
              { text: "parent done" },
            ],
          },
          { match: "child on acme_harness", turns: [{ text: "acme child done" }] },
        ],
      },
    });
    await projectHarness(world, "acme_harness", "acme.mjs", ACME_SOURCE, "createAcmeHarness");
    await world.directive(
      "orchestrator",
      threadDirectiveFile({
        name: "orchestrator",
        permissions: `
      <execute resource="kiwi-mcp" action="*"/>
      <execute resource="tool" id="thread_directive"/>
      <execute resource="tool" id="thread_control"/>
      <orchestration enabled="true">
        <allow_categories/>
        <deny_categories/>
        <allow_directives>child_*</allow_directives>
        <deny_directives/>
      </orchestration>`,
      }),
    );
    await world.directive("child_acme", threadDirectiveFile({ name: "child_acme" }));
    const parent = await world.runtime.spawn({ directive: "orchestrator", message: "parent work" });
    const m = world.runtime.manager;
    expect(await m.wait(parent.thread_id, { timeoutMs: 20_000 })).toMatchObject({ status: "completed" });
    const [child] = m.registry.query({ parentId: parent.thread_id });
    expect(child).toMatchObject({ status: "completed", permission_context: { harness: "acme_harness" } });
    expect(events(world, child!.thread_id).find((e) => e.type === "completed")?.final_text).toBe(
      "acme child done",
    );
    const results = events(world, parent.thread_id).filter((e) => e.type === "tool_result");
    expect(results.slice(0, 2).map((e) => [e.success, e.error_code])).toEqual([
      [true, undefined],
      [false, "ITEM_NOT_FOUND"],
    ]);
    const seen = JSON.stringify(
      world.fake.requests.filter((r) => JSON.stringify(r.body).includes("parent work")).at(-1)!.body,
    );
    expect(seen).toContain("no harness 'nope'");
  });
});

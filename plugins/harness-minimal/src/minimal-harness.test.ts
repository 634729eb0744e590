// The second harness, selected from data: its definition (signed, shipped by this package) is loaded
// through the kernel's plugin loader and run on Kiwi's thread runtime against the scripted fake LLM.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createFakeLlmServer, type FakeTurn } from "@kiwi/fake-llm";
import { createKernel } from "@kiwi/kernel";
import { createThreadRuntime, type HarnessEvent, ThreadRunner } from "@kiwi/kiwi-harness";
import { createAnthropicProvider } from "@kiwi/provider-anthropic";
import { HARNESS_KIND } from "@kiwi/spec";
import { tempProject, testHarness } from "@kiwi/testing";
import { describe, expect, it } from "vitest";

const PLUGINS = fileURLToPath(new URL("../../", import.meta.url));

const DIRECTIVE = `# greeter

Greets people.

\`\`\`xml
<directive name="greeter" version="1.0.0">
  <metadata>
    <description>Greets people with the greet tool</description>
    <category></category>
    <model tier="fast">quick</model>
    <cost><max_turns>5</max_turns><on_exceeded>stop</on_exceeded></cost>
    <permissions><execute resource="tool" id="greet"/></permissions>
  </metadata>
  <process><step name="greet"><description>Greet</description><action>Run greet.</action></step></process>
</directive>
\`\`\`
`;

/** A project with the plugin installed, the fake LLM on `turns`, and the greeter signed with `cost`. */
async function minimalWorld(turns: FakeTurn[], cost?: string) {
  const { projectRoot, userSpace } = await tempProject({
    prefix: "kiwi-minimal",
    packages: {
      "@kiwi/harness-minimal": join(PLUGINS, "harness-minimal"),
      "@kiwi/provider-anthropic": join(PLUGINS, "provider-anthropic"),
    },
  });
  const fake = await createFakeLlmServer({ script: { turns } });
  const kernel = await createKernel({
    personAtTerminal: true,
    projectRoot,
    userSpace,
    env: {
      PATH: process.env.PATH ?? "",
      ANTHROPIC_API_KEY: "k",
      ANTHROPIC_BASE_URL: fake.anthropicBaseUrl,
    },
    indexTtlMs: 0,
  });
  const content = cost ? DIRECTIVE.replace(/<cost>.*<\/cost>/, cost) : DIRECTIVE;
  const created = await kernel.execute({
    item_type: "directive",
    action: "create",
    item_id: "greeter",
    parameters: { content },
  });
  expect(created.success).toBe(true);
  const harness = await kernel.instantiatePlugin({
    itemId: "minimal_harness",
    kind: HARNESS_KIND,
    settings: { system_prompt: "You greet people. Use the tools.", tools: ["greet", "read_file"] },
  });
  // The runtime side of a thread, without a registry: token, budgets and steps are its own.
  const runner = (events: HarnessEvent[] = []) =>
    new ThreadRunner({
      kernel,
      harness,
      provider: createAnthropicProvider(),
      model: "claude-haiku-4-5",
      directive: "greeter",
      threadId: "minimal_1",
      onEvent: (e) => events.push(e),
    });
  return { fake, harness, runner };
}

describe("the minimal harness plugin", () => {
  it("is selected from data with its settings and drives an explicit tool list under the thread's token", async () => {
    const { fake, harness, runner } = await minimalWorld([
      { tool_calls: [{ name: "greet", arguments: { who: "Ada" } }] },
      { tool_calls: [{ name: "read_file", arguments: { path: "package.json" } }] },
      { text: "Greeted Ada; reading files is not granted." },
    ]);
    try {
      expect(harness.id).toBe("minimal");
      const r = await runner().run({ message: "greet Ada" });
      expect(r).toMatchObject({
        status: "completed",
        turns: 3,
        final_text: "Greeted Ada; reading files is not granted.",
      });
      const first = fake.requests[0]!.body as { system: string; tools: { name: string }[] };
      expect(first.system).toBe("You greet people. Use the tools.");
      expect(first.tools.map((t) => t.name)).toEqual(["greet", "read_file"]);
      expect(JSON.stringify(fake.requests[1]!.body)).toContain("Hello, Ada!");
      // The thread's token does not grant read_file: the kernel's guard refuses it, not the harness.
      expect(JSON.stringify(fake.requests[2]!.body)).toContain("CAPABILITY_DENIED");
    } finally {
      await fake.close();
    }
  });

  it("gets the runtime's context compaction when the directive sets compact_at", async () => {
    const greet = (who: string, input: number): FakeTurn => ({
      tool_calls: [{ name: "greet", arguments: { who } }],
      usage: { input_tokens: input, output_tokens: 20 },
    });
    const { fake, runner } = await minimalWorld(
      [
        greet("Ada", 900),
        greet("Bo", 1900),
        { text: "## Latest request\ngreet three\n## Open tasks\n- Cy\n## Progress\nAda, Bo greeted" },
        { text: "Greeted all three." },
      ],
      "<cost><max_turns>5</max_turns><on_exceeded>stop</on_exceeded><max_context_tokens>4000</max_context_tokens><compact_at>0.5</compact_at></cost>",
    );
    try {
      const events: HarnessEvent[] = [];
      const r = await runner(events).run({ message: "greet Ada, Bo and Cy" });
      expect(r).toMatchObject({ status: "completed", turns: 3, final_text: "Greeted all three." });
      expect(events.filter((e) => e.type === "compacted")).toHaveLength(1);
      const last = fake.requests[3]!.body as { messages: { role: string; content: unknown }[] };
      expect(JSON.stringify(last.messages[0])).toContain("Ada, Bo greeted");
      expect(JSON.stringify(last.messages)).not.toContain('"who":"Ada"');
    } finally {
      await fake.close();
    }
  });
});

testHarness("minimal_harness", {
  harness: "minimal_harness",
  packageDir: join(PLUGINS, "harness-minimal"),
  createThreadRuntime,
  provider: {
    packageDir: join(PLUGINS, "provider-anthropic"),
    create: createAnthropicProvider,
    model: "claude-haiku-4-5",
  },
  toolCall: (id, parameters) => ({ name: id, arguments: parameters }),
});

// End to end, public APIs only: the harness is selected from its data definition (installed, signed by a
// publisher key the user trusts), instantiated through the kernel's plugin loader, and drives a
// conversation on Kiwi's thread runtime against the scripted fake LLM (Anthropic wire format) with real
// Kiwi tools under the thread's capability token. It also runs the harness conformance suite.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createFakeLlmServer, type FakeLlmServer, type FakeTurn } from "@kiwi/fake-llm";
import { createKernel, type Kernel } from "@kiwi/kernel";
import { createThreadRuntime, ThreadRunner } from "@kiwi/kiwi-harness";
import { createAnthropicProvider } from "@kiwi/provider-anthropic";
import { HARNESS_KIND, type HarnessV2 } from "@kiwi/spec";
import { testHarness } from "@kiwi/testing";
import { installSigned } from "@kiwi/testing/install";
import { afterEach, describe, expect, it } from "vitest";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const PROVIDER_DIR = join(PACKAGE_DIR, "node_modules/@kiwi/provider-anthropic");

const call = (name: string, args: Record<string, unknown>) => ({ name, arguments: args });

/** What a directive grants the thread: greet and read_file, reads under docs/ only. */
const DIRECTIVE = `# budget_demo

Greets people and reads docs.

\`\`\`xml
<directive name="budget_demo" version="1.0.0">
  <metadata>
    <description>Greets people and reads the docs</description>
    <category></category>
    <model tier="fast">quick</model>
    <cost><max_turns>10</max_turns><on_exceeded>stop</on_exceeded></cost>
    <permissions>
      <execute resource="tool" id="greet"/>
      <execute resource="tool" id="read_file"/>
      <read resource="filesystem" path="docs/**"/>
    </permissions>
  </metadata>
  <process><step name="work"><description>Work</description><action>Use the tools.</action></step></process>
</directive>
\`\`\`
`;

/** The host's half: a kernel on a project with this package and the Anthropic provider installed. */
async function host(fake: FakeLlmServer): Promise<Kernel> {
  // Removed when the test ends.
  const { projectRoot, userSpace } = await installSigned({
    packageDir: PACKAGE_DIR,
    createKernel,
    alsoInstall: ["@kiwi/provider-anthropic"],
  });
  await mkdir(join(projectRoot, "docs"));
  await writeFile(join(projectRoot, "docs/readme.md"), "# docs\n");
  await mkdir(join(projectRoot, "src"));
  await writeFile(join(projectRoot, "src/secret.txt"), "top secret\n");
  const kernel = await createKernel({
    personAtTerminal: true,
    projectRoot,
    userSpace,
    env: {
      PATH: process.env.PATH ?? "",
      ANTHROPIC_API_KEY: "test-key",
      ANTHROPIC_BASE_URL: fake.anthropicBaseUrl,
    },
    indexTtlMs: 0,
  });
  const created = await kernel.execute({
    item_type: "directive",
    action: "create",
    item_id: "budget_demo",
    parameters: { content: DIRECTIVE },
  });
  if (!created.success) throw new Error(created.error.message);
  return kernel;
}

/** The runtime side of one thread (no registry needed here): token, budgets, steps. */
function runOn(kernel: Kernel, harness: HarnessV2, message: string) {
  return new ThreadRunner({
    kernel,
    harness,
    provider: createAnthropicProvider(),
    model: "claude-haiku-4-5",
    directive: "budget_demo",
    threadId: "budget_1",
  }).run({ message });
}

describe("the tool-budget harness plugin", () => {
  let fake: FakeLlmServer | undefined;
  afterEach(async () => {
    await fake?.close();
  });

  async function setUp(turns: FakeTurn[]) {
    fake = await createFakeLlmServer({ script: { turns } });
    const kernel = await host(fake);
    return { fake, kernel };
  }

  it("is selected from data, runs real tools under the thread's token, and stops offering tools once the budget is spent", async () => {
    const { fake, kernel } = await setUp([
      { tool_calls: [call("greet", { who: "Ada" }), call("read_file", { path: "src/secret.txt" })] },
      { tool_calls: [call("read_file", { path: "docs/readme.md" }), call("greet", { who: "Grace" })] },
      { text: "Greeted Ada; docs/readme.md is a title; src/ is off limits." },
    ]);
    const harness = await kernel.instantiatePlugin({
      itemId: "tool_budget_harness",
      kind: HARNESS_KIND,
      settings: {
        system_prompt: "You greet people and read docs.",
        tools: ["greet", "read_file"],
        max_tool_calls: 3,
      },
    });
    expect(harness.id).toBe("tool_budget");
    const result = await runOn(kernel, harness, "greet Ada, read the docs");
    expect(result).toMatchObject({
      status: "completed",
      reason: "end_turn",
      turns: 3,
      final_text: "Greeted Ada; docs/readme.md is a title; src/ is off limits.",
    });

    const bodies = fake.requests.map((r) => r.body as { system: string; tools: { name: string }[] });
    expect(bodies[0]!.system).toContain("at most 3 tool calls");
    expect(bodies[0]!.tools.map((t) => t.name)).toEqual(["greet", "read_file"]);
    // Turn 1's results: the greeting, and a denial the token's fs.read scope decided (not the harness).
    const second = JSON.stringify(bodies[1]);
    expect(second).toContain("Hello, Ada!");
    expect(second).toContain("CAPABILITY_DENIED");
    expect(second).not.toContain("top secret");
    // Turn 2: the third call ran, the fourth was over budget; turn 3 offered no tools at all.
    const third = JSON.stringify(bodies[2]);
    expect(third).toContain("# docs");
    expect(third).toContain("TOOL_BUDGET_EXCEEDED");
    expect(bodies[2]!.tools).toEqual([]);
  });

  it("ends the run itself when the model keeps calling tools after its answer turn", async () => {
    const greet = { tool_calls: [call("greet", { who: "Ada" })] };
    const { fake, kernel } = await setUp([greet, greet, greet]);
    const harness = await kernel.instantiatePlugin({
      itemId: "tool_budget_harness",
      kind: HARNESS_KIND,
      settings: { system_prompt: "Greet.", tools: ["greet"], max_tool_calls: 1 },
    });
    const result = await runOn(kernel, harness, "greet");
    expect(result).toMatchObject({ status: "stopped", reason: "tool_budget", turns: 2 });
    expect(fake.requests).toHaveLength(2);
  });

  it("refuses bad settings at load time, naming the plugin and its YAML file", async () => {
    const { kernel } = await setUp([]);
    await expect(
      kernel.instantiatePlugin({
        itemId: "tool_budget_harness",
        kind: HARNESS_KIND,
        settings: { system_prompt: "x", tools: ["greet"], max_tool_calls: 0 },
      }),
    ).rejects.toMatchObject({
      code: "PLUGIN_INVALID",
      message: expect.stringMatching(/tool_budget_harness\.yaml.*max_tool_calls/),
    });
  });
});

// On managed threads (no settings: the thread's granted tools, 10 tool calls), like every harness.
testHarness("tool_budget_harness", {
  harness: "tool_budget_harness",
  packageDir: PACKAGE_DIR,
  signWith: createKernel,
  createThreadRuntime,
  provider: { packageDir: PROVIDER_DIR, create: createAnthropicProvider, model: "claude-haiku-4-5" },
  toolCall: (id, parameters) => ({ name: id, arguments: parameters }),
});

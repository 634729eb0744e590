// End to end, public APIs only: the harness is selected from its data definition (installed, signed by a
// publisher key the user trusts), instantiated through the kernel's plugin loader, and drives a
// conversation against the scripted fake LLM (Anthropic wire format) with real Kiwi tools.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createToolModelClient, type HarnessContext } from "@kiwi/agent-harness";
import { mintToken } from "@kiwi/capabilities";
import { createFakeLlmServer, type FakeLlmServer, type FakeTurn } from "@kiwi/fake-llm";
import { createKernel, type Kernel } from "@kiwi/kernel";
import { createAnthropicProvider } from "@kiwi/provider-anthropic";
import { HARNESS_KIND, type ToolSpec } from "@kiwi/spec";
import { installSigned } from "@kiwi/testing/install";
import { afterEach, describe, expect, it } from "vitest";
import type { ToolBudgetHarnessContext } from "./tool-budget-runner";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const THREAD = "budget_1";

const call = (name: string, args: Record<string, unknown>) => ({ name, arguments: args });

/** The host's half: a kernel on a project with this package and the Anthropic provider installed. */
async function host(fake: FakeLlmServer) {
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
    projectRoot,
    userSpace,
    env: {
      PATH: process.env.PATH ?? "",
      ANTHROPIC_API_KEY: "test-key",
      ANTHROPIC_BASE_URL: fake.anthropicBaseUrl,
    },
    indexTtlMs: 0,
  });
  return kernel;
}

/** Everything a runner is given: the model client (provider thread tool), tool runner, tool specs, tokens. */
async function contextFor(kernel: Kernel): Promise<ToolBudgetHarnessContext> {
  const key = await kernel.signingKey();
  // Two tokens, as a Kiwi host would mint them: one for the model calls (the provider's thread tool and
  // its stream file), one for the model's own tool calls (what a directive would grant).
  const modelToken = await mintToken({
    key,
    directiveId: "budget_demo",
    threadId: THREAD,
    grants: [
      { cap: "tool.execute", scope: "anthropic_thread" },
      { cap: "net.http" },
      { cap: "fs.write", scope: `.ai/threads/${THREAD}/**` },
    ],
  });
  const toolToken = await mintToken({
    key,
    directiveId: "budget_demo",
    threadId: THREAD,
    grants: [
      { cap: "tool.execute", scope: "greet" },
      { cap: "tool.execute", scope: "read_file" },
      { cap: "fs.read", scope: "docs/**" },
    ],
  });
  const runTool: HarnessContext["runTool"] = (toolId, parameters, options) =>
    kernel.execute({ item_type: "tool", action: "run", item_id: toolId, parameters }, options);
  return {
    modelId: "claude-haiku-4-5",
    runTool,
    model: createToolModelClient({
      provider: createAnthropicProvider(),
      run: runTool,
      params: { thread_id: THREAD },
      meta: () => ({ __auth: modelToken.token, __thread_id: THREAD }),
    }),
    toolMeta: () => ({ __auth: toolToken.token, __thread_id: THREAD }),
    async describeTool(id): Promise<ToolSpec> {
      const r = await kernel.load({ item_type: "tool", item_id: id });
      if (!r.success) throw new Error(r.error.message);
      const data = r.data as {
        description: string;
        parameters: { name: string; type: string; required?: boolean }[];
      };
      return {
        name: id,
        description: data.description,
        input_schema: {
          type: "object",
          properties: Object.fromEntries(data.parameters.map((p) => [p.name, { type: p.type }])),
          required: data.parameters.filter((p) => p.required).map((p) => p.name),
        },
      };
    },
  };
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

  it("is selected from data, runs real tools under a token, and stops offering tools once the budget is spent", async () => {
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
    const result = await harness
      .createRunner(await contextFor(kernel))
      .run({ message: "greet Ada, read the docs" });
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
    const result = await harness.createRunner(await contextFor(kernel)).run({ message: "greet" });
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

// The second harness, selected from data: its definition (signed, shipped by this package) is loaded
// through the kernel's plugin loader and run against the scripted fake LLM with an explicit tool list.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createToolModelClient, type HarnessContext } from "@kiwi/agent-harness";
import { mintToken } from "@kiwi/capabilities";
import { createFakeLlmServer } from "@kiwi/fake-llm";
import { createKernel } from "@kiwi/kernel";
import { createAnthropicProvider } from "@kiwi/provider-anthropic";
import { HARNESS_KIND } from "@kiwi/spec";
import { tempProject } from "@kiwi/testing";
import { describe, expect, it } from "vitest";

const PLUGINS = fileURLToPath(new URL("../../", import.meta.url));

describe("the minimal harness plugin", () => {
  it("is selected from data and drives an explicit tool list without capability tokens", async () => {
    const { projectRoot, userSpace } = await tempProject({
      prefix: "kiwi-minimal",
      packages: {
        "@kiwi/harness-minimal": join(PLUGINS, "harness-minimal"),
        "@kiwi/provider-anthropic": join(PLUGINS, "provider-anthropic"),
      },
    });
    const fake = await createFakeLlmServer({
      script: {
        turns: [
          { tool_calls: [{ name: "greet", arguments: { who: "Ada" } }] },
          { tool_calls: [{ name: "read_file", arguments: { path: "package.json" } }] },
          { text: "Greeted Ada; reading files needs a Kiwi thread." },
        ],
      },
    });
    try {
      const kernel = await createKernel({
        projectRoot,
        userSpace,
        env: {
          PATH: process.env.PATH ?? "",
          ANTHROPIC_API_KEY: "k",
          ANTHROPIC_BASE_URL: fake.anthropicBaseUrl,
        },
        indexTtlMs: 0,
      });
      const harness = await kernel.instantiatePlugin({
        itemId: "minimal_harness",
        kind: HARNESS_KIND,
        settings: { system_prompt: "You greet people. Use the tools.", tools: ["greet", "read_file"] },
      });
      expect(harness.id).toBe("minimal");
      // The host's own token for model calls only (the provider's thread tool); the model's calls carry none.
      const key = await kernel.signingKey();
      const infra = await mintToken({
        key,
        directiveId: "minimal",
        threadId: "minimal_1",
        grants: [
          { cap: "tool.execute", scope: "anthropic_thread" },
          { cap: "net.http" },
          { cap: "fs.write", scope: ".ai/threads/minimal_1/**" },
        ],
      });
      const runTool: HarnessContext["runTool"] = (toolId, parameters, options) =>
        kernel.execute({ item_type: "tool", action: "run", item_id: toolId, parameters }, options);
      const context: HarnessContext = {
        modelId: "claude-haiku-4-5",
        runTool,
        model: createToolModelClient({
          provider: createAnthropicProvider(),
          run: runTool,
          params: { thread_id: "minimal_1" },
          meta: () => ({ __auth: infra.token, __thread_id: "minimal_1" }),
        }),
        async describeTool(id) {
          const r = await kernel.load({ item_type: "tool", item_id: id });
          if (!r.success) throw new Error(r.error.message);
          const data = r.data as {
            description: string;
            parameters: { name: string; type: string; required?: boolean; description?: string }[];
          };
          return {
            name: id,
            description: data.description,
            input_schema: {
              type: "object",
              properties: Object.fromEntries(
                data.parameters.map((p) => [p.name, { type: p.type, description: p.description ?? "" }]),
              ),
              required: data.parameters.filter((p) => p.required).map((p) => p.name),
            },
          };
        },
      };
      const r = await harness.createRunner(context).run({ message: "greet Ada" });
      expect(r).toMatchObject({
        status: "completed",
        turns: 3,
        final_text: "Greeted Ada; reading files needs a Kiwi thread.",
      });
      const first = fake.requests[0]!.body as { system: string; tools: { name: string }[] };
      expect(first.system).toBe("You greet people. Use the tools.");
      expect(first.tools.map((t) => t.name)).toEqual(["greet", "read_file"]);
      const second = JSON.stringify(fake.requests[1]!.body);
      expect(second).toContain("Hello, Ada!");
      // No tokens: a tool that requires a capability is refused by the guard.
      expect(JSON.stringify(fake.requests[2]!.body)).toContain("TOKEN_INVALID");
    } finally {
      await fake.close();
    }
  });
});

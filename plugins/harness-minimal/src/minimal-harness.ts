import { BaseHarnessRunner, type HarnessContext } from "@kiwi/agent-harness";
import type { HarnessV1, ToolCall, ToolResult, ToolSpec } from "@kiwi/spec";
import { z } from "zod";

export const minimalHarnessSettingsSchema = z.strictObject({
  system_prompt: z.string().min(1).describe("The whole system prompt."),
  tools: z
    .array(z.string().regex(/^[a-z][a-z0-9_]*$/))
    .min(1)
    .describe("Kiwi tool ids the model may call directly."),
  max_turns: z.number().int().min(1).max(100).default(10),
});
export type MinimalHarnessSettings = z.input<typeof minimalHarnessSettingsSchema>;

class MinimalRunner extends BaseHarnessRunner {
  readonly #context: HarnessContext;
  readonly #settings: z.output<typeof minimalHarnessSettingsSchema>;
  #specs: ToolSpec[] | undefined;

  constructor(context: HarnessContext, settings: z.output<typeof minimalHarnessSettingsSchema>) {
    super({ model: context.model, modelId: context.modelId, maxTurns: settings.max_turns });
    this.#context = context;
    this.#settings = settings;
  }

  protected systemPrompt(): string {
    return this.#settings.system_prompt;
  }

  protected async tools(): Promise<ToolSpec[]> {
    this.#specs ??= await Promise.all(this.#settings.tools.map((id) => this.#context.describeTool(id)));
    return this.#specs;
  }

  protected async executeToolCalls(calls: readonly ToolCall[]): Promise<ToolResult[]> {
    const results: ToolResult[] = [];
    for (const call of calls) {
      if (!this.#settings.tools.includes(call.name)) {
        results.push({
          tool_call_id: call.id,
          content: `no tool ${call.name}: use one of ${this.#settings.tools.join(", ")}`,
          is_error: true,
        });
        continue;
      }
      // No token: under Kiwi's guard only tools that require nothing run, which is this harness's point.
      const r = await this.#context.runTool(call.name, call.arguments, { meta: {}, signal: this.signal });
      results.push({ tool_call_id: call.id, content: JSON.stringify(r), is_error: !r.success });
    }
    return results;
  }
}

/**
 * `harness-v1` plugin: "nothing → something". The model sees an explicit list of Kiwi tools (not the four
 * meta-tools) under a custom system prompt, and calls them without capability tokens.
 */
export function createMinimalHarness(settings: MinimalHarnessSettings): HarnessV1<HarnessContext> {
  const parsed = minimalHarnessSettingsSchema.parse(settings);
  return {
    specificationVersion: "harness-v1",
    id: "minimal",
    createRunner: (context) => new MinimalRunner(context, parsed),
  };
}
createMinimalHarness.settingsSchema = minimalHarnessSettingsSchema;

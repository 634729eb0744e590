import { BaseHarnessRunner, type HarnessContext, runOnContext } from "@kiwi/agent-harness";
import type { HarnessV2, ToolCall, ToolResult, ToolSpec } from "@kiwi/spec";
import { z } from "zod";

const DEFAULT_SYSTEM_PROMPT =
  "You carry out the task in the first message with the tools you are given. Call them by name; when the task is done, answer briefly.";

export const minimalHarnessSettingsSchema = z.strictObject({
  system_prompt: z
    .string()
    .min(1)
    .optional()
    .describe("The whole system prompt (default: a short instruction to do the task with the tools)."),
  tools: z
    .array(z.string().regex(/^[a-z][a-z0-9_]*$/))
    .min(1)
    .optional()
    .describe(
      "Kiwi tool ids the model may call directly (default: the tools the thread's token grants by id).",
    ),
  max_turns: z
    .number()
    .int()
    .min(1)
    .max(100)
    .default(10)
    .describe("A safety net of its own; the directive's max_turns is enforced by the runtime."),
});
export type MinimalHarnessSettings = z.input<typeof minimalHarnessSettingsSchema>;
type Settings = z.output<typeof minimalHarnessSettingsSchema>;

class MinimalRunner extends BaseHarnessRunner {
  readonly #context: HarnessContext;
  readonly #prompt: string;
  readonly #tools: readonly string[];
  #specs: ToolSpec[] | undefined;

  constructor(context: HarnessContext, settings: Settings, granted: readonly string[]) {
    super({ model: context.model, modelId: context.modelId, maxTurns: settings.max_turns });
    this.#context = context;
    this.#prompt = settings.system_prompt ?? DEFAULT_SYSTEM_PROMPT;
    this.#tools = settings.tools ?? granted;
  }

  protected systemPrompt(): string {
    return this.#prompt;
  }

  protected async tools(): Promise<ToolSpec[]> {
    this.#specs ??= await Promise.all(this.#tools.map((id) => this.#context.describeTool(id)));
    return this.#specs;
  }

  protected async executeToolCalls(calls: readonly ToolCall[]): Promise<ToolResult[]> {
    const results: ToolResult[] = [];
    for (const call of calls) {
      if (this.signal?.aborted) break; // the base class closes what is left with "interrupted" results
      if (!this.#tools.includes(call.name)) {
        results.push({
          tool_call_id: call.id,
          content: `no tool ${call.name}: use one of ${this.#tools.join(", ")}`,
          is_error: true,
        });
        continue;
      }
      // The runtime attaches the thread's token; the kernel's guard decides, not this harness.
      const r = await this.#context.runTool(call.name, call.arguments, { meta: {}, signal: this.signal });
      results.push({ tool_call_id: call.id, content: JSON.stringify(r), is_error: !r.success });
    }
    return results;
  }
}

/**
 * `harness-v2` plugin: "nothing → something". The model sees an explicit list of Kiwi tools (not the four
 * meta-tools) under a plain system prompt and calls them by name; every call runs through the managed
 * thread's run context, under the thread's token.
 */
export function createMinimalHarness(settings: MinimalHarnessSettings = {}): HarnessV2 {
  const parsed = minimalHarnessSettingsSchema.parse(settings);
  return {
    specificationVersion: "harness-v2",
    id: "minimal",
    run: (context) => runOnContext(context, (c) => new MinimalRunner(c, parsed, context.directive.tools)),
  };
}
createMinimalHarness.settingsSchema = minimalHarnessSettingsSchema;

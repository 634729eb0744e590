import { BaseHarnessRunner, type HarnessContext, type StopDecision } from "@kiwi/agent-harness";
import { isReservedKey, type ToolCall, type ToolResult, type ToolSpec } from "@kiwi/spec";
import type { ResolvedToolBudgetHarnessSettings } from "./tool-budget-harness-settings";

const MAX_RESULT_CHARS = 20_000;

function refusal(call: ToolCall, code: string, message: string): ToolResult {
  return {
    tool_call_id: call.id,
    content: JSON.stringify({ success: false, error: { code, message, retryable: false } }),
    is_error: true,
  };
}

/**
 * The loop itself is BaseHarnessRunner's (call model → completed calls → run them → append results →
 * repeat, with interrupt hygiene). This class only says what the model sees and how calls run.
 */
export class ToolBudgetRunner extends BaseHarnessRunner {
  readonly #context: HarnessContext;
  readonly #settings: ResolvedToolBudgetHarnessSettings;
  readonly #tools: readonly string[];
  #specs: ToolSpec[] | undefined;
  #used = 0;
  #answerTurnGiven = false;

  /** `tools`: the tool ids the model is offered (the settings', else the thread's granted ones). */
  constructor(
    context: HarnessContext,
    settings: ResolvedToolBudgetHarnessSettings,
    tools: readonly string[],
  ) {
    super({ model: context.model, modelId: context.modelId, maxTurns: settings.max_turns });
    this.#context = context;
    this.#settings = settings;
    this.#tools = tools;
  }

  /** Tool calls made so far (each one counts, refused by the tool layer or not). */
  get toolCallsUsed(): number {
    return this.#used;
  }

  #spent(): boolean {
    return this.#used >= this.#settings.max_tool_calls;
  }

  protected systemPrompt(): string {
    return `${this.#settings.system_prompt}\n\nYou may make at most ${this.#settings.max_tool_calls} tool calls in this conversation; then answer with what you have.`;
  }

  /** Called before every model call: once the budget is spent, the model sees no tools at all. */
  protected async tools(): Promise<readonly ToolSpec[]> {
    if (this.#spent()) return [];
    this.#specs ??= await Promise.all(this.#tools.map((id) => this.#context.describeTool(id)));
    return this.#specs;
  }

  /** One tool-free turn for the answer after the budget is spent, then the run ends. */
  protected override shouldStop(): StopDecision | undefined {
    if (!this.#spent()) return undefined;
    if (!this.#answerTurnGiven) {
      this.#answerTurnGiven = true;
      return undefined;
    }
    return { status: "stopped", reason: "tool_budget" };
  }

  protected async executeToolCalls(calls: readonly ToolCall[]): Promise<ToolResult[]> {
    const results: ToolResult[] = [];
    for (const call of calls) {
      if (this.signal?.aborted) break; // the base class closes what is left with "interrupted" results
      if (!this.#tools.includes(call.name)) {
        results.push(refusal(call, "UNKNOWN_TOOL", `no tool ${call.name}: use ${this.#tools.join(", ")}`));
        continue;
      }
      // `__*` keys are injected by hosts, never taken from a model (the kernel refuses them as well).
      if (Object.keys(call.arguments).some(isReservedKey)) {
        results.push(
          refusal(call, "PARAM_RESERVED", "keys starting with __ are not yours to set: remove them"),
        );
        continue;
      }
      if (this.#spent()) {
        results.push(
          refusal(call, "TOOL_BUDGET_EXCEEDED", "the tool-call budget is spent: answer with what you have"),
        );
        continue;
      }
      this.#used += 1;
      // The managed thread's token travels with the call (the runtime attaches it): the guard decides.
      const result = await this.#context.runTool(call.name, call.arguments, {
        meta: {},
        signal: this.signal,
      });
      let content = JSON.stringify(result);
      if (content.length > MAX_RESULT_CHARS) content = `${content.slice(0, MAX_RESULT_CHARS)}… (truncated)`;
      results.push({ tool_call_id: call.id, content, is_error: !result.success });
    }
    return results;
  }
}

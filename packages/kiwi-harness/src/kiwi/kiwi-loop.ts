import {
  BaseHarnessRunner,
  type FailureCause,
  failedResult,
  failureOf,
  type HarnessContext,
  type StopDecision,
} from "@kiwi/agent-harness";
import type { HarnessRunContext, HarnessToolResult, ToolCall, ToolResult, ToolSpec } from "@kiwi/spec";
import { LoopDetector } from "../loop-detector";
import { metaToolSpecs } from "../meta-tool-specs";

const MAX_RESULT_CHARS = 60_000;

/**
 * Kiwi's loop policy on top of the generic loop: system prompt = the verified AGENTS.md; tools = exactly
 * the four meta-tools, each call dispatched through the runtime (`context.tool({meta})`, which attaches
 * the thread's token and records the call); results capped for the model; loops (identical calls,
 * A-B-A-B cycles, identical results) escalated in steps: guidance injected, then a `stuck` signal, then
 * the directive's `on_exceeded` (`context.exceeded`). Budgets, `max_turns`, the token and the transcript
 * are the runtime's.
 */
export class KiwiLoop extends BaseHarnessRunner {
  readonly #run: HarnessRunContext;
  readonly #loops = new LoopDetector();
  #loopStrikes = 0;
  #notes: string[] = [];

  constructor(context: HarnessContext, run: HarnessRunContext) {
    // max_turns is the runtime's hard stop; the base class's own cap only guards against runaway code.
    super({
      model: context.model,
      modelId: context.modelId,
      maxTokens: run.thread.maxTokens,
      maxTurns: 10_000,
    });
    this.#run = run;
  }

  protected systemPrompt(): Promise<string> {
    return this.#run.systemPrompt();
  }

  protected tools(): readonly ToolSpec[] {
    return metaToolSpecs();
  }

  /** Loop guidance goes in after the runtime's own messages of this boundary. */
  protected override shouldStop(): StopDecision | undefined {
    for (const note of this.#notes.splice(0)) this.messages.push({ role: "user", content: note });
    return undefined;
  }

  protected async executeToolCalls(calls: readonly ToolCall[]): Promise<ToolResult[]> {
    const results: ToolResult[] = [];
    for (const [index, call] of calls.entries()) {
      if (this.signal?.aborted) break; // the base class closes what is left with "interrupted" results
      let result: HarnessToolResult;
      try {
        result = await this.#run.tool({
          meta: call.name as "execute",
          arguments: call.arguments,
          callId: call.id,
        });
      } catch (error) {
        // The runtime recorded the call's failure; this and the calls after it get the cause as their
        // result (the ones before keep theirs: they ran).
        if (this.signal?.aborted) break;
        const left = calls.slice(index);
        const cause = failureOf(error);
        await this.onToolCallsFailed(cause, left);
        results.push(...left.map((c) => failedResult(c, cause)));
        break;
      }
      let content = JSON.stringify(result);
      if (content.length > MAX_RESULT_CHARS)
        content = `${content.slice(0, MAX_RESULT_CHARS)}… (truncated: ${content.length} characters)`;
      results.push({ tool_call_id: call.id, content, is_error: !result.success });
    }
    await this.#watchLoops(calls, results);
    return results;
  }

  /** Running the calls threw: the record gets a warning with the code, naming the calls left without a result. */
  protected override onToolCallsFailed(cause: FailureCause, calls: readonly ToolCall[]): void {
    this.#run.emit({
      type: "warning",
      kind: "tool_error",
      code: cause.code,
      message: `running the tool calls of turn ${this.turn} failed (${cause.code}: ${cause.message}); ${calls.length} call(s) got that error as their result`,
      calls: calls.map((c) => c.id),
    });
  }

  async #watchLoops(calls: readonly ToolCall[], results: readonly ToolResult[]): Promise<void> {
    const pattern = this.#loops.observe(calls, results);
    if (!pattern) return;
    this.#loopStrikes += 1;
    const what = `${pattern.replace(/_/g, " ")} (detection ${this.#loopStrikes})`;
    if (this.#loopStrikes === 1) {
      const message = `You seem to be repeating yourself (${pattern.replace(/_/g, " ")}). The same call will give the same answer: change approach, read the errors above, or call help(action="stuck") if you cannot continue.`;
      this.#run.emit({ type: "warning", kind: "loop", message });
      this.#notes.push(message);
    } else if (this.#loopStrikes === 2) {
      await this.#run.help({ kind: "stuck", reason: what });
    } else {
      await this.#run.exceeded({ kind: "loop", what });
    }
  }
}

import type {
  HarnessRunInput,
  HarnessRunner,
  HarnessRunResult,
  NeutralMessage,
  RunSnapshot,
  StreamState,
  ToolCall,
  ToolResult,
  ToolSpec,
  Usage,
} from "@kiwi/spec";
import { completedCalls } from "./completed-calls";
import { type FailureCause, failureOf } from "./failure-of";
import type { ModelCallResult, ModelClient } from "./model-client";
import { addUsage, zeroUsage } from "./usage";

/** Why the loop stopped, when a hook decides it. */
export interface StopDecision {
  readonly status: "stopped" | "completed" | "error";
  readonly reason: string;
}

export interface TurnContext {
  readonly turn: number;
  readonly usage: Usage;
  readonly messages: readonly NeutralMessage[];
}

export interface BaseHarnessOptions {
  readonly model: ModelClient;
  readonly modelId: string;
  readonly maxTokens?: number;
  /** A safety net for subclasses without their own budget (default 50). */
  readonly maxTurns?: number;
}

/** Text the model reads when its previous reply was cut off. */
export const CUT_OFF_NOTE =
  "Your previous reply was cut off before it finished. Any tool call that was not complete was discarded and not run; the results of completed calls are above. Continue from there.";

/** The result of a tool call that never finished (interrupt, crash, cancellation). */
export function interruptedResult(call: ToolCall): ToolResult {
  return {
    tool_call_id: call.id,
    content: JSON.stringify({
      success: false,
      error: { code: "ABORTED", message: "interrupted: this call did not complete" },
    }),
    is_error: true,
  };
}

/**
 * The result of a tool call left without one because running the turn's calls threw: the error's code
 * and message, so the model (and the record) see why instead of a bare "interrupted".
 */
export function failedResult(call: ToolCall, cause: FailureCause): ToolResult {
  return {
    tool_call_id: call.id,
    content: JSON.stringify({
      success: false,
      error: {
        code: cause.code,
        message: `not completed: running this turn's tool calls failed: ${cause.message}`,
      },
    }),
    is_error: true,
  };
}

/**
 * The generic agent loop: call the model, take the completed tool calls, run them, append the results,
 * repeat. It stops when the model calls no tool, when `shouldStop` says so, at `maxTurns`, or on abort.
 * Subclasses override `systemPrompt`, `tools`, `executeToolCalls`, and optionally `shouldStop`,
 * `callModel` and the `on*` hooks. Interrupt hygiene lives here: partial calls never run, every call the
 * model made gets a result before the next model call (a synthetic "interrupted" one if needed), and
 * calls parsed after a cancellation never run.
 */
export abstract class BaseHarnessRunner implements HarnessRunner {
  protected readonly messages: NeutralMessage[] = [];
  protected readonly usage: Usage = zeroUsage();
  protected turn = 0;
  protected signal: AbortSignal | undefined;
  readonly #options: BaseHarnessOptions;

  constructor(options: BaseHarnessOptions) {
    this.#options = options;
  }

  protected abstract systemPrompt(): string | Promise<string>;
  protected abstract tools(): readonly ToolSpec[] | Promise<readonly ToolSpec[]>;
  protected abstract executeToolCalls(calls: readonly ToolCall[]): Promise<ToolResult[]>;

  /** Called before each model call; return a decision to end the run. */
  protected shouldStop(_context: TurnContext): StopDecision | undefined | Promise<StopDecision | undefined> {
    return undefined;
  }

  /** The initial conversation (default: the user's message, or the checkpoint's conversation). */
  protected initialMessages(
    message: string,
    resume?: RunSnapshot,
  ): NeutralMessage[] | Promise<NeutralMessage[]> {
    return resume ? [...resume.messages] : [{ role: "user", content: message }];
  }

  /** Called with the messages a supervisor injected before a turn (already appended). */
  protected onInjected(_messages: readonly string[], _turn: number): void | Promise<void> {}

  /** The conversation so far, at a turn boundary: what a checkpoint stores and `resume` continues. */
  snapshot(): RunSnapshot {
    return { turn: this.turn, usage: { ...this.usage }, messages: [...this.messages] };
  }

  protected async callModel(system: string, tools: readonly ToolSpec[]): Promise<ModelCallResult> {
    return this.#options.model.call(
      {
        model: this.#options.modelId,
        system,
        messages: this.messages,
        tools,
        max_tokens: this.#options.maxTokens ?? 4096,
      },
      { signal: this.signal, onUpdate: (s) => this.onStreamUpdate(s) },
    );
  }

  protected onStreamUpdate(_state: StreamState): void {}
  protected onModelResult(_result: ModelCallResult, _turn: number): void | Promise<void> {}
  protected onToolResults(
    _calls: readonly ToolCall[],
    _results: readonly ToolResult[],
  ): void | Promise<void> {}
  /**
   * Called when `executeToolCalls` threw: `calls` are the ones left without a result (each gets a
   * `failedResult` with the cause). Override to record it (a harness on a managed thread emits a warning
   * with the code).
   */
  protected onToolCallsFailed(_cause: FailureCause, _calls: readonly ToolCall[]): void | Promise<void> {}

  async run(input: HarnessRunInput): Promise<HarnessRunResult> {
    this.signal = input.signal;
    let finalText = "";
    const end = (
      status: HarnessRunResult["status"],
      reason: string,
      error?: { code: string; message: string },
    ): HarnessRunResult => ({
      status,
      reason,
      turns: this.turn,
      usage: { ...this.usage },
      final_text: finalText,
      messages: [...this.messages],
      ...(error ? { error } : {}),
    });
    try {
      this.messages.push(...(await this.initialMessages(input.message, input.resume)));
      if (input.resume) {
        this.turn = input.resume.turn;
        addUsage(this.usage, input.resume.usage);
      }
      const system = await this.systemPrompt();
      for (;;) {
        if (this.signal?.aborted) return end("aborted", "aborted");
        const directive = await input.control?.beforeTurn(this.turn + 1, { messages: this.messages });
        if (this.signal?.aborted) return end("aborted", "aborted");
        if (directive?.stop) return end(directive.stop.status, directive.stop.reason);
        if (directive?.inject?.length) {
          for (const content of directive.inject) this.messages.push({ role: "user", content });
          await this.onInjected(directive.inject, this.turn + 1);
        }
        const decision = await this.shouldStop({
          turn: this.turn + 1,
          usage: this.usage,
          messages: this.messages,
        });
        if (decision) return end(decision.status, decision.reason);
        if (this.turn >= (this.#options.maxTurns ?? 50)) return end("stopped", "max_turns");
        this.turn += 1;
        const result = await this.callModel(system, await this.tools());
        if (result.interrupted && result.state.events === 0) {
          // Nothing arrived (refused, unreachable, rate limited past its retries): no reply to continue from.
          return end("error", "model_call_failed", {
            code: result.interrupted.code,
            message: result.interrupted.message,
          });
        }
        addUsage(this.usage, result.state.usage);
        await this.onModelResult(result, this.turn);
        const { ready } = completedCalls(result.state);
        finalText = result.state.text_blocks.join("");
        this.messages.push({ role: "assistant", text: finalText, tool_calls: ready });
        if (this.signal?.aborted) {
          // Calls parsed after a cancellation never run; they are closed so the conversation stays valid.
          if (ready.length) this.messages.push({ role: "tool", results: ready.map(interruptedResult) });
          return end("aborted", "aborted");
        }
        if (result.state.error) {
          // The provider reported an error inside the stream: the reply is not to be continued or retried
          // blindly (that would loop until max_turns); calls it contained never run.
          if (ready.length) this.messages.push({ role: "tool", results: ready.map(interruptedResult) });
          return end("error", "model_error", {
            code: "MODEL_ERROR",
            message: `${result.state.error.type}: ${result.state.error.message}`,
          });
        }
        if (ready.length === 0) {
          if (result.interrupted) {
            this.messages.push({ role: "user", content: CUT_OFF_NOTE });
            continue;
          }
          return end("completed", "end_turn");
        }
        const results = await this.#runCalls(ready);
        this.messages.push({ role: "tool", results });
        await this.onToolResults(ready, results);
        if (result.interrupted) this.messages.push({ role: "user", content: CUT_OFF_NOTE });
      }
    } catch (error) {
      const e = error as { code?: string; message?: string };
      return end("error", "error", {
        code: typeof e.code === "string" ? e.code : "INTERNAL_ERROR",
        message: e.message ?? String(error),
      });
    }
  }

  /**
   * Runs the calls. A call left without a result gets one: the failure's code and message when running
   * them threw (`failedResult`, also handed to `onToolCallsFailed`), else "interrupted" (a cancellation).
   */
  async #runCalls(calls: readonly ToolCall[]): Promise<ToolResult[]> {
    let results: ToolResult[] = [];
    let cause: FailureCause | undefined;
    try {
      results = await this.executeToolCalls(calls);
    } catch (error) {
      cause = failureOf(error);
    }
    const byId = new Map(results.map((r) => [r.tool_call_id, r]));
    const missing = calls.filter((c) => !byId.has(c.id));
    if (cause && missing.length) await this.onToolCallsFailed(cause, missing);
    return calls.map((c) => byId.get(c.id) ?? (cause ? failedResult(c, cause) : interruptedResult(c)));
  }
}

import type { ModelClient } from "@kiwi/agent-harness";
import type { HarnessModelRequest, NeutralMessage, Usage } from "@kiwi/spec";
import { contextLimit, contextUsed } from "../budget";
import type { HarnessEvent } from "../harness-events";
import type { ThreadTelemetry } from "../telemetry/thread-telemetry";
import type { BudgetPolicy } from "./budget-policy";
import {
  COMPACTION_SYSTEM,
  compactionPrompt,
  estimateTokens,
  latestRequestIn,
  summaryMessage,
} from "./compaction-prompt";
import type { StepRunner } from "./step-runner";

/** Summarizing calls that fail in a row before the runtime gives up (then the directive's on_exceeded applies). */
export const MAX_COMPACTION_FAILURES = 3;
/** Tokens kept free beside the summary's own output for the summarizing call's instructions. */
const PROMPT_OVERHEAD = 400;
/** The share of the context limit the turns kept verbatim may take. */
const KEEP_SHARE = 0.2;

/** The compaction step's outcome: the summary (or why there is none) and what the call used. */
interface CompactionOutcome {
  readonly text: string;
  readonly usage: Usage;
  readonly interrupted?: { readonly code: string; readonly message: string };
}

/** Where the conversation was compacted: the harness's first `upTo` messages are replaced by `summary`. */
interface Boundary {
  readonly upTo: number;
  readonly summary: string;
  /** The latest user message at or before the boundary, carried forward verbatim. */
  readonly latest: string | undefined;
}

export interface ContextCompactorDeps {
  readonly client: ModelClient;
  readonly model: string;
  readonly maxTokens: number;
  readonly budget: BudgetPolicy;
  readonly steps: StepRunner;
  readonly emit: (event: HarnessEvent) => void;
  readonly signal: AbortSignal | undefined;
  readonly contextWindow: number | undefined;
  /** The project's default threshold; the directive's `compact_at` wins. */
  readonly compactAt: number | undefined;
  /** Makes the summarizing call's `chat` span (`kiwi.compaction=true`). */
  readonly telemetry?: ThreadTelemetry;
}

/**
 * Context compaction, part of the runtime's context so it works for every harness: before each model
 * call (inside tool loops too), when the call would reach `compact_at` of the context limit, older
 * messages are replaced by a summary a model call writes — split only where no tool call is parted from
 * its result, with the latest request carried forward verbatim and room left for the summarizing call
 * itself. The summary is the `compaction` step (a resumed run replays it, no second call) and goes in as
 * a labelled record in a user message, not as the system prompt. The harness keeps its own full list;
 * `view` maps it onto what the model sees. After repeated failures the directive's `on_exceeded` applies.
 */
export class ContextCompactor {
  readonly #d: ContextCompactorDeps;
  #boundary: Boundary | undefined;
  #failures = 0;
  #gaveUp = false;
  /** The last call's context use and how many harness messages it carried. */
  #last: { used: number; count: number } | undefined;

  constructor(deps: ContextCompactorDeps) {
    this.#d = deps;
  }

  /**
   * True while compaction keeps the context in bounds: a threshold is set, the context limit is known and
   * it has not given up. The budget's "finish soon" context warning is then wrong and stays quiet.
   */
  get armed(): boolean {
    const limits = this.#d.budget.limits;
    if ((limits.compact_at ?? this.#d.compactAt) === undefined || this.#gaveUp) return false;
    return contextLimit(limits, this.#d.contextWindow) !== undefined;
  }

  /** The conversation as the model sees it: the summary in place of the compacted messages. */
  view(messages: readonly NeutralMessage[]): NeutralMessage[] {
    const b = this.#boundary;
    // A harness that rewrote its own history below the boundary is left as it is.
    if (!b || messages.length < b.upTo) return [...messages];
    const tail = messages.slice(b.upTo);
    const carried = tail.some((m) => m.role === "user") ? undefined : b.latest;
    const head = summaryMessage(b.summary, carried);
    const first = tail[0];
    // Two user messages in a row are merged (providers want roles to alternate).
    if (first?.role === "user")
      return [{ role: "user", content: `${head}\n\n${first.content}` }, ...tail.slice(1)];
    return [{ role: "user", content: head }, ...tail];
  }

  /** After a model call: what it used, to estimate the next one. */
  observe(count: number, usage: Usage): void {
    const used = contextUsed(usage);
    if (used > 0) this.#last = { used, count };
  }

  /**
   * Before a model call: compacts when it would reach the threshold, and returns the request as the model
   * gets it. `stop`: compaction failed too often and `on_exceeded` ended the thread.
   */
  async prepare(request: HarnessModelRequest): Promise<{ request: HarnessModelRequest; stop?: true }> {
    const limits = this.#d.budget.limits;
    const at = limits.compact_at ?? this.#d.compactAt;
    const limit = contextLimit(limits, this.#d.contextWindow);
    if (at !== undefined && limit === undefined && !this.#gaveUp) {
      this.#gaveUp = true; // said once: there is nothing to measure the threshold against
      this.#d.emit({
        type: "warning",
        kind: "compaction",
        message: `compact_at is ${at} but the context limit is unknown (no max_context_tokens in <cost>, no context window for ${this.#d.model}): context compaction is off`,
      });
    }
    if (at !== undefined && limit !== undefined && !this.#gaveUp) {
      const before = this.#estimate(request);
      const reserve = this.#summaryTokens(limit) + PROMPT_OVERHEAD;
      if (before >= Math.min(at * limit, limit - reserve)) {
        const stop = await this.#compact(request, { before, limit });
        if (stop) return { request, stop };
      }
    }
    return { request: { ...request, messages: this.view(request.messages) } };
  }

  /** The next call's context: the last call's, plus what was added since (or the whole request, at first). */
  #estimate(request: HarnessModelRequest): number {
    const last = this.#last;
    if (last && last.count <= request.messages.length)
      return last.used + estimateTokens(request.messages.slice(last.count));
    return estimateTokens({ ...request, messages: this.view(request.messages) });
  }

  /** Output tokens the summary may take: a quarter of the limit, within the call's own maximum. */
  #summaryTokens(limit: number): number {
    return Math.max(64, Math.min(this.#d.maxTokens, Math.floor(limit / 4)));
  }

  /**
   * Where to cut: the largest kept tail within KEEP_SHARE of the limit (at least the last message), never
   * just before a tool result (its call stays with it); at least two new messages go into the summary.
   */
  #split(messages: readonly NeutralMessage[], limit: number): number | undefined {
    const from = this.#boundary?.upTo ?? 0;
    let best: number | undefined;
    let kept = 0;
    for (let i = messages.length - 1; i >= from + 2; i--) {
      kept += estimateTokens(messages[i]);
      if (messages[i]!.role === "tool") continue;
      if (best !== undefined && kept > KEEP_SHARE * limit) break;
      best = i;
    }
    return best;
  }

  async #compact(
    request: HarnessModelRequest,
    at: { before: number; limit: number },
  ): Promise<true | undefined> {
    const { budget, steps, emit } = this.#d;
    const messages = request.messages;
    const upTo = this.#split(messages, at.limit);
    if (upTo === undefined) return undefined; // nothing to replace yet: the context limit still holds
    const from = this.#boundary?.upTo ?? 0;
    const replaced = messages.slice(from, upTo);
    const summaryTokens = this.#summaryTokens(at.limit);
    // Headroom: the summarizing call's input and its output both fit the limit.
    const maxChars = Math.max(1000, (at.limit - summaryTokens - PROMPT_OVERHEAD) * 3);
    const asked = {
      model: this.#d.model,
      system: COMPACTION_SYSTEM,
      messages: [
        {
          role: "user" as const,
          content: compactionPrompt({ earlier: this.#boundary?.summary, messages: replaced, maxChars }),
        },
      ],
      tools: [],
      max_tokens: Math.min(summaryTokens, budget.callTokens ?? Infinity),
    };
    let outcome: CompactionOutcome | undefined;
    let failure: string;
    try {
      outcome = await steps.run("compaction", asked, async (): Promise<CompactionOutcome> => {
        const telemetry = this.#d.telemetry;
        const span = telemetry?.startChat(asked);
        span?.setAttribute("kiwi.compaction", true);
        let reply: Awaited<ReturnType<ModelClient["call"]>>;
        try {
          const call = () => this.#d.client.call(asked, { signal: this.#d.signal });
          reply = await (telemetry ? telemetry.within(span, call) : call());
        } catch (error) {
          telemetry?.endChat(span, undefined, { turn: budget.turns, error });
          throw error;
        }
        telemetry?.endChat(span, reply, { turn: budget.turns });
        return {
          text: reply.state.text_blocks.join(""),
          usage: reply.state.usage,
          ...(reply.interrupted ? { interrupted: reply.interrupted } : {}),
        };
      });
      failure = outcome.interrupted
        ? `${outcome.interrupted.code}: ${outcome.interrupted.message}`
        : outcome.text.trim() === ""
          ? "the summary came back empty"
          : "";
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    const cost =
      outcome && contextUsed(outcome.usage) + outcome.usage.output_tokens > 0
        ? budget.accountCompaction(outcome.usage)
        : undefined;
    if (!failure && outcome) {
      this.#boundary = {
        upTo,
        summary: outcome.text,
        latest: latestRequestIn(replaced) ?? this.#boundary?.latest,
      };
      this.#failures = 0;
      this.#last = undefined; // the next estimate is of the compacted conversation
      emit({
        type: "compacted",
        turn: budget.turns + 1,
        tokens_before: at.before,
        tokens_after: estimateTokens({ ...request, messages: this.view(messages) }),
        messages: upTo,
        usage: { ...outcome.usage },
        usd: cost?.usd ?? (cost ? null : 0),
        unpriced: cost?.unpriced ?? false,
      });
      return undefined;
    }
    this.#failures += 1;
    emit({
      type: "warning",
      kind: "compaction",
      message: `Context compaction failed (${this.#failures} of ${MAX_COMPACTION_FAILURES}): ${failure}`,
    });
    if (this.#failures < MAX_COMPACTION_FAILURES) return undefined;
    const what = `context compaction failed ${this.#failures} times in a row (last: ${failure}); the context is at about ${at.before} of ${at.limit} tokens`;
    const decision = await budget.exceeded(what, "context");
    if (decision === "stop") return true;
    // warn: go on without compaction (the context limit still ends the thread); a raise: try again.
    this.#failures = 0;
    this.#gaveUp = budget.limits.on_exceeded === "warn";
    return undefined;
  }
}

import { createHash } from "node:crypto";
import {
  BaseHarnessRunner,
  createToolModelClient,
  type ModelCallResult,
  type StopDecision,
  type TurnContext,
} from "@kiwi/agent-harness";
import {
  attenuate,
  type Grant,
  matchToolId,
  mintToken,
  permissionsToGrants,
  suggestionFor,
} from "@kiwi/capabilities";
import type { Kernel, MetaResult } from "@kiwi/kernel";
import {
  fromToolFailure,
  type HarnessRunInput,
  type HarnessRunResult,
  KiwiError,
  type KnownErrorCode,
  type NeutralMessage,
  type ProviderV1,
  type RunSnapshot,
  type ToolCall,
  type ToolResult,
  type ToolSpec,
  type Usage,
} from "@kiwi/spec";
import { type CostLimits, type CostSoFar, contextLimit, contextUsed, costExceeded } from "./budget";
import { type DirectiveRun, directiveContext } from "./directive-context";
import type { HarnessEvent } from "./harness-events";
import { LoopDetector } from "./loop-detector";
import { metaToolSpecs } from "./meta-tool-specs";

export interface KiwiHarnessOptions {
  readonly kernel: Kernel;
  readonly provider: ProviderV1;
  /** Concrete model id for the provider. */
  readonly model: string;
  /** The directive to run (id or category/id). */
  readonly directive: string;
  readonly inputs?: Record<string, unknown>;
  readonly threadId: string;
  /** The parent thread's grants: the child's are attenuated to them (never wider). */
  readonly parentGrants?: readonly Grant[];
  /**
   * The parent token's expiry (epoch seconds), or a function giving its current one (a parent re-mints
   * its token as it runs): the child's token never outlives it.
   */
  readonly notAfter?: number | (() => number | undefined);
  readonly parentJti?: string;
  /** USD of a usage for the model, or unpriced (a model without a price is never counted as $0). */
  readonly price?: (model: string, usage: Usage) => { usd: number } | { unpriced: true };
  /** The model's context window, when known (the directive's max_context_tokens wins when smaller). */
  readonly contextWindow?: number;
  readonly maxTokens?: number;
  readonly tokenTtlSeconds?: number;
  readonly onEvent?: (event: HarnessEvent) => void;
  /**
   * Budget-tree caps (a child's reservation out of its parent's remainder): the directive's own
   * max_cost_usd / max_total_tokens are lowered to these.
   */
  readonly costCap?: { readonly maxCostUsd?: number; readonly maxTotalTokens?: number };
  /** What this thread's children have spent so far: it counts against this thread's budget. */
  readonly childrenSpend?: () => { usd: number; tokens: number };
  /**
   * `on_exceeded: escalate`: the thread pauses here until a decision comes back — raise the limits and
   * continue in place, or terminate. Without it an escalation ends the thread like `stop`.
   */
  readonly escalate?: (request: {
    reason: string;
    usage: Usage;
    limits: CostLimits;
  }) => Promise<{ action: "raise"; limits: Partial<CostLimits> } | { action: "terminate" }>;
}

const META_TOOLS = new Set(["search", "load", "execute", "help"]);
const MAX_RESULT_CHARS = 60_000;

function safeMatch(pattern: string, id: string): boolean {
  try {
    return matchToolId(pattern, id);
  } catch {
    return false;
  }
}

/** The directive's cost limits lowered to a budget-tree reservation. */
function capLimits(cost: CostLimits, cap: KiwiHarnessOptions["costCap"]): CostLimits {
  const out = { ...cost };
  const caps = [
    ["max_cost_usd", cap?.maxCostUsd],
    ["max_total_tokens", cap?.maxTotalTokens],
  ] as const;
  for (const [key, c] of caps) {
    if (c !== undefined) out[key] = out[key] === undefined ? c : Math.min(out[key], c);
  }
  return out;
}

function hasReservedKey(value: unknown): boolean {
  if (!value || typeof value !== "object") return false;
  const obj = value as Record<string, unknown>;
  return Object.keys(obj).some((k) => k.startsWith("__")) || hasReservedKey(obj.parameters);
}

function errorResult(
  call: ToolCall,
  code: KnownErrorCode,
  message: string,
  extra: Record<string, unknown> = {},
): ToolResult {
  return {
    tool_call_id: call.id,
    content: JSON.stringify({ success: false, error: { code, message, retryable: false, ...extra } }),
    is_error: true,
  };
}

/**
 * Kiwi's harness: system prompt = the verified AGENTS.md; tools = exactly the four meta-tools; the
 * directive is loaded through the kernel and only then is the capability token minted (inside the
 * thread), attenuated to a parent's grants when there is one; every tool call carries `__auth`,
 * `__thread_id` and `__directive_id`, and `__*` keys from the model are refused. Cost (cumulative) and
 * context (this call's input) budgets are kept apart; loops are detected and escalated in steps.
 */
export class KiwiHarnessRunner extends BaseHarnessRunner {
  readonly #o: KiwiHarnessOptions;
  #grants: Grant[] = [];
  #token = "";
  #jti = "";
  #exp = 0;
  #infraToken = "";
  #limits: CostLimits | undefined;
  #stop: StopDecision | undefined;
  #notes: string[] = [];
  #contextWarned = false;
  #warned = new Set<string>();
  readonly #loops = new LoopDetector();
  #loopStrikes = 0;
  readonly #turnUsage: Usage[] = [];

  constructor(options: KiwiHarnessOptions) {
    const client = createToolModelClient({
      provider: options.provider,
      run: (toolId, parameters, callOptions) =>
        options.kernel.execute(
          { item_type: "tool", action: "run", item_id: toolId, parameters },
          callOptions,
        ),
      params: { thread_id: options.threadId },
      meta: () => ({
        __auth: this.#infraToken,
        __thread_id: options.threadId,
        __directive_id: options.directive,
      }),
    });
    // max_turns is a hard stop enforced below; the base class's own cap only guards against runaway code.
    super({ model: client, modelId: options.model, maxTokens: options.maxTokens, maxTurns: 10_000 });
    this.#o = options;
  }

  #emit(event: HarnessEvent): void {
    this.#o.onEvent?.(event);
  }

  protected async systemPrompt(): Promise<string> {
    return (await this.#o.kernel.systemPrompt()).text;
  }

  protected tools(): readonly ToolSpec[] {
    return metaToolSpecs();
  }

  /** Loads the directive, then (and only then) mints the thread's token; the first message follows. */
  protected override async initialMessages(message: string, resume?: RunSnapshot): Promise<NeutralMessage[]> {
    const { kernel, directive, inputs } = this.#o;
    const loaded = await kernel.execute({
      item_type: "directive",
      action: "run",
      item_id: directive,
      parameters: inputs ?? {},
    });
    if (!loaded.success) throw fromToolFailure(loaded);
    const d = loaded as unknown as DirectiveRun & {
      core: boolean;
      metadata: { cost?: CostLimits; permissions: Parameters<typeof permissionsToGrants>[0] };
    };
    this.#emit({ type: "directive_loaded", directive: d.name, version: d.version, core: d.core });
    if (!d.metadata.cost) {
      throw new KiwiError({
        code: "VALIDATION_FAILED",
        message: `directive ${d.name} has no <cost>: a thread needs a budget`,
        context: { directive: d.name, field: "cost" },
      });
    }
    this.#limits = capLimits(d.metadata.cost, this.#o.costCap);
    const registry = await kernel.capabilities();
    let grants = permissionsToGrants(d.metadata.permissions, { registry, core: d.core });
    let dropped = 0;
    if (this.#o.parentGrants) {
      const narrowed = attenuate({ parent: this.#o.parentGrants, child: grants, registry });
      grants = narrowed.grants;
      dropped = narrowed.dropped.length;
    }
    this.#grants = grants;
    await this.#mint();
    this.#emit({ type: "token_minted", jti: this.#jti, exp: this.#exp, grants: grants.length, dropped });
    if (resume) {
      this.#emit({ type: "resumed", turn: resume.turn, messages: resume.messages.length });
      return [...resume.messages];
    }
    const content = directiveContext(d, message);
    this.#emit({ type: "user_message", turn: 1, text: content });
    return [{ role: "user", content }];
  }

  protected override onInjected(messages: readonly string[], turn: number): void {
    for (const text of messages) this.#emit({ type: "user_message", turn, text, injected: true });
  }

  /** The current token's expiry (epoch seconds; 0 before it is minted). */
  tokenExpiry(): number {
    return this.#exp;
  }

  async #mint(): Promise<void> {
    const key = await this.#o.kernel.signingKey();
    const common = {
      key,
      threadId: this.#o.threadId,
      ttlSeconds: this.#o.tokenTtlSeconds,
      notAfter: typeof this.#o.notAfter === "function" ? this.#o.notAfter() : this.#o.notAfter,
    };
    const minted = await mintToken({
      ...common,
      grants: this.#grants,
      directiveId: this.#o.directive,
      parentJti: this.#o.parentJti,
    });
    this.#token = minted.token;
    this.#jti = minted.claims.jti;
    this.#exp = minted.claims.exp;
    // The harness's own token for model calls: the provider's thread tool, the network, its stream file.
    const infra = await mintToken({
      ...common,
      directiveId: this.#o.directive,
      grants: [
        { cap: "tool.execute", scope: this.#o.provider.threadTool },
        { cap: "net.http" },
        { cap: "fs.write", scope: `.ai/threads/${this.#o.threadId}/**` },
      ],
    });
    this.#infraToken = infra.token;
  }

  protected override async shouldStop(context: TurnContext): Promise<StopDecision | undefined> {
    if (this.#stop) return this.#stop;
    const limits = this.#limits!;
    if (context.turn > limits.max_turns) {
      // max_turns is a hard stop whatever on_exceeded says.
      return this.#budgetStop(`${context.turn - 1} of ${limits.max_turns} turns`);
    }
    if (Date.now() / 1000 > this.#exp - 60) await this.#mint();
    for (const note of this.#notes.splice(0)) this.messages.push({ role: "user", content: note });
    this.#emit({ type: "turn_start", turn: context.turn });
    return undefined;
  }

  #budgetStop(what: string): StopDecision {
    this.#emit({ type: "budget_exceeded", message: `Budget exceeded: ${what} used` });
    return { status: "completed", reason: "budget_exceeded" };
  }

  #cost(): CostSoFar {
    if (!this.#o.price) return { usd: null, unpriced: true };
    const p = this.#o.price(this.#o.model, this.usage);
    return "usd" in p ? { usd: p.usd, unpriced: false } : { usd: null, unpriced: true };
  }

  /** Own usage and cost plus the children's: what the budget is checked against. */
  #treeSpend(): { usage: Usage; cost: CostSoFar } {
    const kids = this.#o.childrenSpend?.();
    const cost = this.#cost();
    if (!kids || (kids.usd === 0 && kids.tokens === 0)) return { usage: this.usage, cost };
    return {
      // Children's tokens are not split into input/output; they count toward the total only.
      usage: { ...this.usage, output_tokens: this.usage.output_tokens + kids.tokens },
      cost: cost.unpriced ? cost : { usd: cost.usd + kids.usd, unpriced: false },
    };
  }

  protected override async onModelResult(result: ModelCallResult, turn: number): Promise<void> {
    const turnUsage = { ...result.state.usage };
    this.#turnUsage.push(turnUsage);
    const cost = this.#cost();
    this.#emit({
      type: "cost_update",
      turn,
      turn_usage: turnUsage,
      usage: { ...this.usage },
      usd: cost.usd,
      unpriced: cost.unpriced,
    });
    this.#emit({
      type: "assistant_message",
      turn,
      text: result.state.text_blocks.join(""),
      tool_calls: result.state.tool_calls
        .filter((c) => c.is_complete && !c.parse_error)
        .map((c) => ({ id: c.id, name: c.name })),
    });
    if (result.interrupted)
      this.#emit({
        type: "stream_incomplete",
        turn,
        code: result.interrupted.code,
        message: result.interrupted.message,
      });
    const limits = this.#limits!;
    const limit = contextLimit(limits, this.#o.contextWindow);
    const used = contextUsed(result.state.usage);
    if (limit !== undefined && used > limit) {
      // The context budget always ends the thread: the next call could not fit anyway.
      this.#emit({
        type: "context_exceeded",
        message: `Context exceeded: ${used} of ${limit} tokens in one call`,
      });
      this.#stop = { status: "stopped", reason: "context_exceeded" };
      return;
    }
    const threshold = limits.context_warning_threshold ?? 0.8;
    if (limit !== undefined && !this.#contextWarned && used >= threshold * limit) {
      this.#contextWarned = true;
      const message = `Context warning: the last call used ${used} of ${limit} tokens (${Math.round((used / limit) * 100)}%). Finish soon: summarise, avoid loading more, and stop when the directive is done.`;
      this.#emit({ type: "warning", kind: "context", message });
      this.#notes.push(message);
    }
    const tree = this.#treeSpend();
    const over = costExceeded(limits, tree.usage, tree.cost);
    if (over) await this.#onExceeded(over, "budget");
  }

  /** Applies the directive's on_exceeded to a tripped budget (or a loop that would not stop). */
  async #onExceeded(what: string, kind: "budget" | "loop"): Promise<void> {
    const limits = this.#limits!;
    if (limits.on_exceeded === "warn") {
      if (!this.#warned.has(what)) {
        this.#warned.add(what);
        this.#emit({
          type: "warning",
          kind,
          message: `${kind === "budget" ? "Budget exceeded" : "Loop"}: ${what} (on_exceeded: warn, continuing)`,
        });
      }
      return;
    }
    if (limits.on_exceeded === "escalate" && this.#o.escalate) {
      this.#emit({ type: "signal", kind: "escalate", reason: what });
      const decision = await this.#o.escalate({
        reason: what,
        usage: { ...this.usage },
        limits: { ...limits },
      });
      if (decision.action === "raise") {
        this.#limits = { ...limits, ...decision.limits };
        const tree = this.#treeSpend();
        if (!(kind === "budget" && costExceeded(this.#limits, tree.usage, tree.cost))) return;
      }
    }
    this.#stop =
      kind === "budget" ? this.#budgetStop(what) : { status: "completed", reason: "loop_detected" };
  }

  protected async executeToolCalls(calls: readonly ToolCall[]): Promise<ToolResult[]> {
    const results: ToolResult[] = [];
    for (const call of calls) {
      if (this.signal?.aborted) break; // the base class closes what is left with "interrupted" results
      const argsHash = createHash("sha256")
        .update(JSON.stringify(call.arguments))
        .digest("base64url")
        .slice(0, 16);
      this.#emit({
        type: "tool_call",
        turn: this.turn,
        id: call.id,
        name: call.name,
        args_hash: argsHash,
        jti: this.#jti,
        ...this.#authority(call),
      });
      const result = await this.#runMetaTool(call);
      const parsed = JSON.parse(result.content) as { success?: boolean; error?: { code?: string } };
      this.#emit({
        type: "tool_result",
        turn: this.turn,
        id: call.id,
        name: call.name,
        success: parsed.success !== false,
        ...(parsed.error?.code ? { error_code: parsed.error.code } : {}),
      });
      results.push(result);
    }
    await this.#watchLoops(calls, results);
    return results;
  }

  async #watchLoops(calls: readonly ToolCall[], results: readonly ToolResult[]): Promise<void> {
    const pattern = this.#loops.observe(calls, results);
    if (!pattern) return;
    this.#loopStrikes += 1;
    const what = `${pattern.replace(/_/g, " ")} (detection ${this.#loopStrikes})`;
    if (this.#loopStrikes === 1) {
      const message = `You seem to be repeating yourself (${pattern.replace(/_/g, " ")}). The same call will give the same answer: change approach, read the errors above, or call help(action="stuck") if you cannot continue.`;
      this.#emit({ type: "warning", kind: "loop", message });
      this.#notes.push(message);
    } else if (this.#loopStrikes === 2) {
      this.#emit({ type: "signal", kind: "stuck", reason: what });
      await this.#o.kernel.help({ action: "stuck", reason: what }, { meta: this.#meta() });
    } else {
      await this.#onExceeded(what, "loop");
    }
  }

  /** The audit trail of a call: the capability that lets the model use it and the grant that covers it. */
  #authority(call: ToolCall): { capability: string; target?: string; grant?: string | null } {
    const capability = `kiwi.${call.name}`;
    const args = call.arguments as { item_type?: unknown; action?: unknown; item_id?: unknown };
    if (call.name !== "execute" || args.item_type !== "tool" || args.action !== "run") return { capability };
    const target = typeof args.item_id === "string" ? args.item_id : "";
    const grant = this.#grants.find(
      (g) => g.cap === "tool.execute" && typeof g.scope === "string" && safeMatch(g.scope, target),
    );
    return { capability, target, grant: grant ? `tool.execute:${grant.scope}` : null };
  }

  #meta(): Record<string, unknown> {
    return { __auth: this.#token, __thread_id: this.#o.threadId, __directive_id: this.#o.directive };
  }

  async #runMetaTool(call: ToolCall): Promise<ToolResult> {
    if (!META_TOOLS.has(call.name)) {
      return errorResult(
        call,
        "UNKNOWN_TOOL",
        `there is no tool '${call.name}': use search, load, execute or help`,
      );
    }
    if (hasReservedKey(call.arguments)) {
      return errorResult(
        call,
        "PARAM_RESERVED",
        "keys starting with __ are set by the harness, never by the model: remove them",
      );
    }
    const cap = `kiwi.${call.name}`;
    if (!this.#grants.some((g) => g.cap === cap)) {
      // A fast, clear refusal the model can act on; the tools still check the token themselves.
      return errorResult(
        call,
        "CAPABILITY_DENIED",
        `this thread does not hold ${cap}: ${suggestionFor(cap)}`,
        { reason: "cap_missing", required: cap },
      );
    }
    const kernel = this.#o.kernel;
    const options = { meta: this.#meta(), signal: this.signal };
    const args = call.arguments as never;
    let result: MetaResult;
    if (call.name === "search") result = await kernel.search(args, options);
    else if (call.name === "load") result = await kernel.load(args, options);
    else if (call.name === "execute") result = await kernel.execute(args, options);
    else result = await kernel.help(args, options);
    let content = JSON.stringify(result);
    if (content.length > MAX_RESULT_CHARS)
      content = `${content.slice(0, MAX_RESULT_CHARS)}… (truncated: ${content.length} characters)`;
    return { tool_call_id: call.id, content, is_error: !result.success };
  }

  /** Per-turn and total usage with USD from the provider's pricing (null when the model is unpriced). */
  summary(): { turns: Usage[]; total: Usage; usd: number | null; unpriced: boolean } {
    const cost = this.#cost();
    return {
      turns: this.#turnUsage.map((u) => ({ ...u })),
      total: { ...this.usage },
      usd: cost.usd,
      unpriced: cost.unpriced,
    };
  }

  override async run(input: HarnessRunInput): Promise<HarnessRunResult> {
    const result = await super.run(input);
    this.#emit({ type: "completed", status: result.status, reason: result.reason });
    return result;
  }
}

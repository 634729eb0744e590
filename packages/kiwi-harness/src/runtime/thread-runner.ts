import { failureOf } from "@kiwi/agent-harness";
import type { Grant } from "@kiwi/capabilities";
import type { Kernel } from "@kiwi/kernel";
import {
  type HarnessEmittedEvent,
  type HarnessOutcome,
  type HarnessRunContext,
  type HarnessRunInput,
  type HarnessRunner,
  type HarnessRunResult,
  type HarnessV2,
  KiwiError,
  type ProviderV1,
  type RunSnapshot,
  type Usage,
} from "@kiwi/spec";
import type { BudgetNode } from "@kiwi/threads";
import type { HarnessEvent } from "../harness-events";
import { ThreadTelemetry, type ThreadTelemetryOptions } from "../telemetry/thread-telemetry";
import { BudgetPolicy, type BudgetPolicyOptions } from "./budget-policy";
import { ContextCompactor } from "./context-compactor";
import { type LoadedDirective, loadDirective } from "./loaded-directive";
import { threadModelClient } from "./model-step";
import { buildRunContext } from "./run-context";
import type { StepJournal } from "./step-journal";
import { StepRunner } from "./step-runner";
import { ThreadToken } from "./thread-token";
import { TurnGate } from "./turn-gate";

/** Output tokens a model call asks for when nothing else says (the model's limit is lower for some). */
const DEFAULT_MAX_TOKENS = 4096;

/** What the thread's supervisor has asked for (the thread manager's view), for `context.control()`. */
export interface SupervisorState {
  readonly pauseRequested: boolean;
  readonly terminateRequested: boolean;
  readonly pendingMessages: number;
}

export interface ThreadRunnerOptions {
  readonly kernel: Kernel;
  /** The harness that drives the conversation (a `harness-v2` instance, e.g. from `resolveHarness`). */
  readonly harness: HarnessV2;
  readonly provider: ProviderV1;
  /** Concrete model id for the provider. */
  readonly model: string;
  /** The directive: its id (loaded when the run starts) or the directive the spawn already loaded. */
  readonly directive: string | LoadedDirective;
  readonly inputs?: Record<string, unknown>;
  readonly threadId: string;
  readonly parentId?: string | null;
  /** The parent thread's grants: the child's are attenuated to them (never wider). */
  readonly parentGrants?: readonly Grant[];
  /**
   * The parent token's expiry (epoch seconds), or a function giving its current one (a parent re-mints
   * its token as it runs): the child's token never outlives it.
   */
  readonly notAfter?: number | (() => number | undefined);
  readonly parentJti?: string;
  /** USD of a usage for the model, or unpriced (a model without a price is never counted as $0). */
  readonly price?: BudgetPolicyOptions["price"];
  /** The model's context window, when known (the directive's max_context_tokens wins when smaller). */
  readonly contextWindow?: number;
  /** Output tokens one model call may ask for (default 4096). */
  readonly maxTokens?: number;
  readonly tokenTtlSeconds?: number;
  /** Every runtime event of the run, as it happens (transcripts, progress displays, tests). */
  readonly onEvent?: (event: HarnessEvent) => void;
  /** Events a harness adds with `context.emit` whose type is its own (not a runtime event type). */
  readonly onHarnessEvent?: (event: HarnessEmittedEvent) => void;
  /**
   * The thread's node in its budget tree (`ThreadHandle.budget`): its reservation lowers the directive's
   * max_cost_usd / max_total_tokens, its children's spend counts against it, and every model call is
   * checked against it and every budget above it. Default: a node of its own, from the directive.
   */
  readonly budgetNode?: BudgetNode;
  /** `on_exceeded: escalate`: the thread waits here for a decision. Without it an escalation ends it. */
  readonly escalate?: BudgetPolicyOptions["escalate"];
  /** The supervisor's requests, for `context.control()` (the thread manager's handle gives them). */
  readonly supervisor?: () => SupervisorState;
  /** Where steps are journaled (default: passed through, nothing recorded). */
  readonly journal?: StepJournal;
  /**
   * Context compaction's threshold when the directive's `<cost>` sets no `compact_at` (a fraction of the
   * context limit, 0-1]; default: off).
   */
  readonly compactAt?: number;
  /**
   * OpenTelemetry spans of the run (`invoke_agent`, `chat`, `execute_tool`; GenAI conventions). Spans are
   * made whatever this says, by the tracer provider the host registered (none: no-ops); this adds the
   * span a spawn started, the trace to continue, and opt-in content capture with its redaction. `false`:
   * no spans at all, whatever provider is registered.
   */
  readonly telemetry?: ThreadTelemetryOptions | false;
}

/**
 * The runtime side of one managed thread's run, whatever its harness: it loads the directive (or takes
 * the one the spawn loaded), mints the thread's token inside the run, then hands the harness a
 * `HarnessRunContext` whose every effect goes through one step boundary (`StepRunner`) and the
 * runtime's parts — `TurnGate` (supervisor, stops, `max_turns`), `BudgetPolicy` (usage, cost, context,
 * `on_exceeded`), the tool step (token, checks, audit) and the model step. The thread manager sees an
 * ordinary `HarnessRunner`; the result's turns, usage and stop reason are the runtime's.
 */
export class ThreadRunner implements HarnessRunner {
  readonly #o: ThreadRunnerOptions;
  readonly #token: ThreadToken;
  readonly #budget: BudgetPolicy;
  readonly #steps: StepRunner;
  #gate: TurnGate | undefined;
  #telemetry: ThreadTelemetry | undefined;

  constructor(options: ThreadRunnerOptions) {
    this.#o = options;
    const directive = typeof options.directive === "string" ? options.directive : options.directive.name;
    this.#token = new ThreadToken({
      kernel: options.kernel,
      threadId: options.threadId,
      directive,
      threadTool: options.provider.threadTool,
      parentGrants: options.parentGrants,
      parentJti: options.parentJti,
      notAfter: options.notAfter,
      ttlSeconds: options.tokenTtlSeconds,
    });
    const steps = new StepRunner(options.journal);
    this.#steps = steps;
    const escalate = options.escalate;
    this.#budget = new BudgetPolicy({
      model: options.model,
      price: options.price,
      contextWindow: options.contextWindow,
      maxTokens: options.maxTokens ?? DEFAULT_MAX_TOKENS,
      node: options.budgetNode,
      // Waiting for a person's decision is a step: a replay does not ask again.
      escalate: escalate && ((request) => steps.run("escalation", request, () => escalate(request))),
      emit: (e) => this.#emit(e),
    });
  }

  #emit(event: HarnessEvent): void {
    this.#o.onEvent?.(event);
    if (!this.#steps.replaying) this.#telemetry?.event(event);
  }

  /**
   * True while the run replays its journal (the last step came from it): what the runtime derives from
   * such a step was recorded before, so a transcript does not write it again.
   */
  get replaying(): boolean {
    return this.#steps.replaying;
  }

  /** The current token's expiry (epoch seconds; 0 before it is minted). */
  tokenExpiry(): number {
    return this.#token.exp;
  }

  /** Per-turn and total usage with USD from the provider's pricing (null when the model is unpriced). */
  summary(): { turns: Usage[]; total: Usage; usd: number | null; unpriced: boolean } {
    return this.#budget.summary();
  }

  /** The conversation at the last turn boundary: what a checkpoint stores and `resume` continues. */
  snapshot(): RunSnapshot {
    return {
      turn: this.#budget.turns,
      usage: { ...this.#budget.usage },
      messages: [...(this.#gate?.messages ?? [])],
    };
  }

  async #directive(): Promise<LoadedDirective> {
    const { directive, kernel, inputs } = this.#o;
    return typeof directive === "string" ? loadDirective(kernel, directive, inputs ?? {}) : directive;
  }

  async run(input: HarnessRunInput): Promise<HarnessRunResult> {
    const o = this.#o;
    if (o.telemetry === false) return this.#run(input, undefined);
    const telemetry = new ThreadTelemetry(o.telemetry, {
      threadId: o.threadId,
      directive: typeof o.directive === "string" ? o.directive : o.directive.name,
      harness: o.harness.id,
      provider: o.provider.id,
      model: o.model,
      parentThread: o.parentId ?? null,
    });
    this.#telemetry = telemetry;
    const result = await telemetry.within(telemetry.span, () => this.#run(input, telemetry));
    telemetry.end({ ...result, usd: this.#budget.cost().usd });
    return result;
  }

  /** A supervisor's pause, resume and terminate, seen at the turn boundary, as span events. */
  #observed(
    control: HarnessRunInput["control"],
    telemetry: ThreadTelemetry | undefined,
  ): HarnessRunInput["control"] {
    if (!control || !telemetry?.recording) return control;
    const supervisor = this.#o.supervisor;
    return {
      beforeTurn: async (turn, conversation) => {
        const paused = supervisor?.().pauseRequested === true;
        if (paused) telemetry.intervention("pause", { "kiwi.turn": turn });
        const answer = await control.beforeTurn(turn, conversation);
        if (paused) telemetry.intervention("resume", { "kiwi.turn": turn });
        if (answer?.stop) telemetry.intervention("terminate", { "kiwi.reason": answer.stop.reason });
        return answer;
      },
    };
  }

  async #run(input: HarnessRunInput, telemetry: ThreadTelemetry | undefined): Promise<HarnessRunResult> {
    const o = this.#o;
    const maxTokens = o.maxTokens ?? DEFAULT_MAX_TOKENS;
    const compactor = new ContextCompactor({
      client: threadModelClient({
        kernel: o.kernel,
        provider: o.provider,
        threadId: o.threadId,
        token: this.#token,
      }),
      model: o.model,
      maxTokens,
      budget: this.#budget,
      steps: this.#steps,
      emit: (e) => this.#emit(e),
      signal: input.signal,
      contextWindow: o.contextWindow,
      compactAt: o.compactAt,
      ...(telemetry ? { telemetry } : {}),
    });
    this.#budget.compacting = () => compactor.armed;
    const gate = new TurnGate({
      view: (messages) => compactor.view(messages),
      budget: this.#budget,
      token: this.#token,
      control: this.#observed(input.control, telemetry),
      signal: input.signal,
      emit: (e) => this.#emit(e),
      steps: this.#steps,
    });
    this.#gate = gate;
    let outcome: HarnessOutcome | undefined;
    let failure: { code: string; message: string } | undefined;
    try {
      const d = await this.#directive();
      this.#emit({ type: "directive_loaded", directive: d.name, version: d.version, core: d.core });
      if (!d.metadata.cost) {
        throw new KiwiError({
          code: "VALIDATION_FAILED",
          message: `directive ${d.name} has no <cost>: a thread needs a budget`,
          context: { directive: d.name, field: "cost" },
        });
      }
      this.#budget.start(d.metadata.cost, input.resume);
      const minted = await this.#token.mintFor(d.metadata.permissions, d.core);
      this.#emit({ type: "token_minted", jti: this.#token.jti, exp: this.#token.exp, ...minted });
      if (input.resume) {
        gate.messages = [...input.resume.messages];
        this.#emit({ type: "resumed", turn: input.resume.turn, messages: input.resume.messages.length });
      }
      const context: HarnessRunContext = buildRunContext({
        options: this.#o,
        directive: d,
        input,
        gate,
        budget: this.#budget,
        token: this.#token,
        steps: this.#steps,
        maxTokens,
        emit: (e) => this.#emit(e),
        compactor,
        telemetry,
      });
      outcome = await this.#o.harness.run(context);
    } catch (error) {
      failure = failureOf(error);
    }
    // A call planned at the last boundary and never made holds nothing once the run is over.
    this.#budget.releaseHold();
    const result = this.#result(input, outcome, failure);
    this.#emit({ type: "completed", status: result.status, reason: result.reason });
    return result;
  }

  /** The run's end: an abort, else the stop the runtime decided, else what the harness said. */
  #result(
    input: HarnessRunInput,
    outcome: HarnessOutcome | undefined,
    failure: { code: string; message: string } | undefined,
  ): HarnessRunResult {
    const base = {
      turns: this.#budget.turns,
      usage: { ...this.#budget.usage },
      final_text: outcome?.final_text ?? "",
      messages: [...(outcome?.messages ?? this.#gate?.messages ?? [])],
    };
    const aborted = input.signal?.aborted === true;
    // A stop the runtime decided wins over how the harness wound down (a refused model call included),
    // and so does a budget tripped on the last turn (it is why the run ended, not end_turn).
    const stop = this.#gate?.decided ?? this.#budget.stop;
    if (aborted && (failure || outcome?.status !== "completed"))
      return { ...base, status: "aborted", reason: "aborted" };
    if (stop && !(outcome?.status === "error" && !this.#gate?.decided)) return { ...base, ...stop };
    if (failure) return { ...base, status: "error", reason: "error", error: failure };
    const o = outcome!;
    return { ...base, status: o.status, reason: o.reason, ...(o.error ? { error: { ...o.error } } : {}) };
  }
}

import type { NeutralMessage, StreamState, ToolSpec, Usage } from "./conversation";
import type { HarnessRunResult, RunSnapshot, TurnConversation } from "./harness";
import type { HelpSignalKind } from "./hooks";

/**
 * One model call as a harness asks for it. The runtime adds the thread's model, caps `max_tokens` at what
 * the model can produce, streams it through the provider's thread tool under the thread's own token, and
 * accounts the usage and cost before it answers.
 */
export interface HarnessModelRequest {
  readonly system: string;
  readonly messages: readonly NeutralMessage[];
  readonly tools: readonly ToolSpec[];
  /** Output tokens wanted (default and cap: `thread.maxTokens`). */
  readonly max_tokens?: number;
}

/** The outcome of one model call: the neutral state built from its stream, and how the stream ended. */
export interface HarnessModelResponse {
  readonly state: StreamState;
  /** Set when the stream ended early (cut, timeout, abort): completed tool calls may still be used. */
  readonly interrupted?: { readonly code: string; readonly message: string };
}

/** Options of one model call. */
export interface HarnessModelOptions {
  /** Called as the stream arrives (progress displays); never called for a replayed step. */
  readonly onUpdate?: (state: StreamState) => void;
}

/**
 * A Kiwi call a harness asks the runtime to make. `meta` is one of the kernel's four meta-tools with the
 * model's arguments (`execute` with `{item_type: "tool", action: "run", item_id, parameters}` runs a
 * tool); `tool` runs one tool by id. The runtime attaches the thread's capability token, refuses `__*`
 * keys, records the call (arguments hashed), and the kernel's guard checks the token: a harness can
 * neither skip the check nor choose another token.
 */
export type HarnessToolRequest =
  | {
      readonly meta: "search" | "load" | "execute" | "help";
      readonly arguments: Readonly<Record<string, unknown>>;
      /** The model's id for this call (`toolu_…`), recorded in the transcript. */
      readonly callId?: string;
    }
  | {
      readonly tool: string;
      readonly parameters: Readonly<Record<string, unknown>>;
      readonly callId?: string;
    };

/** What a call answered: the kernel's result (`{success: true, …}`) or a refusal (`{success: false, error}`). */
export interface HarnessToolResult {
  readonly success: boolean;
  readonly error?: { readonly code: string; readonly message: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** What the runtime says at a turn boundary (`context.beforeTurn()`). */
export interface HarnessTurn {
  /** The turn about to start: 1, 2, 3, … over the thread's model calls (a resumed run continues the count). */
  readonly turn: number;
  /**
   * End the run here, without calling the model again: a terminate, a budget or `max_turns`. A model call
   * made anyway is refused (`BUDGET_EXCEEDED`, `CONTEXT_EXCEEDED` or `ABORTED`).
   */
  readonly stop?: { readonly status: HarnessRunResult["status"]; readonly reason: string };
  /** Messages a supervisor injected (already in the transcript): append them as user messages. */
  readonly inject: readonly string[];
  /** The runtime's own guidance for the model (a context warning): append them as user messages too. */
  readonly notes: readonly string[];
}

/** The thread's budget as the runtime enforces it (`context.budget()`). */
export interface HarnessBudgetState {
  /** Model calls so far (a resumed run includes the checkpoint's). */
  readonly turns: number;
  readonly maxTurns: number;
  readonly onExceeded: "stop" | "warn" | "escalate";
  /** The thread's own usage, summed over its model calls. */
  readonly usage: Usage;
  /** Its own cost in USD, or null when the model is unpriced (never counted as $0). */
  readonly usd: number | null;
  /** What its children have spent (rolled up into the checks). */
  readonly children: { readonly usd: number; readonly tokens: number };
  /**
   * The limits in force, keyed as in the directive's `<cost>` (`max_total_tokens`, …): lowered to the
   * thread's reservation, raised by escalation decisions.
   */
  readonly limits: Readonly<Record<string, number>>;
}

/** Supervisor state the runtime sees (`context.control()`). */
export interface HarnessControlState {
  /** A stop the runtime has decided (returned by the next `beforeTurn`). */
  readonly stop?: { readonly status: HarnessRunResult["status"]; readonly reason: string };
  readonly pauseRequested: boolean;
  readonly terminateRequested: boolean;
  /** Injected messages waiting for the next turn boundary. */
  readonly pendingMessages: number;
  /** The run's signal fired (kill, immediate terminate, the runtime closing). */
  readonly aborted: boolean;
}

/** The directive the thread runs, as the runtime loaded and verified it. */
export interface HarnessDirective {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly category: string;
  /** The inputs as given (defaults applied). */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** The directive and the request rendered as a first user message (what to do, inputs, steps, the ask). */
  readonly prompt: string;
  /**
   * Tool ids the thread's token grants by exact id (`<execute resource="tool" id="greet"/>`, attenuated to
   * the parent's): what a harness offering an explicit tool list may offer. Wildcard grants are left out.
   */
  readonly tools: readonly string[];
}

/** The managed thread a run belongs to. */
export interface HarnessThread {
  readonly id: string;
  readonly parentId: string | null;
  /** The provider (`anthropic`) and model id the runtime chose from the directive's `<model>`. */
  readonly provider: string;
  readonly model: string;
  /** Output tokens a model call asks for when its request names none (the model's limit, at most 8192). */
  readonly maxTokens: number;
}

/** A transcript event a harness adds: its own `type` (`[a-z][a-z0-9_]*`) and fields. */
export interface HarnessEmittedEvent {
  readonly type: string;
  readonly [key: string]: unknown;
}

/**
 * What a managed thread's runtime hands a `harness-v2` run. Every effect or nondeterministic answer
 * behind it — the supervisor's answer in `beforeTurn`, a `model` call, a `tool` call, an escalation's
 * decision, `describeTool`, `systemPrompt`, `help`, `now`, `random` — is one numbered step of the run,
 * passed through the runtime's step boundary (where a journal records it and a recovery replays it), so
 * a harness written against this context stays correct when its thread is resumed. A harness must not
 * keep its own clock or randomness.
 */
export interface HarnessRunContext {
  readonly thread: HarnessThread;
  readonly directive: HarnessDirective;
  /** The request the thread was spawned with ("" when none). */
  readonly message: string;
  /** The checkpoint this run continues, when it does: restore its `messages`; turns and usage already count. */
  readonly resume?: RunSnapshot;
  /** Fires on kill, an immediate terminate or the runtime closing: pass it on, stop soon after. */
  readonly signal: AbortSignal;
  /**
   * The turn boundary: awaited before every model call. It may hold the run (pause, an escalation),
   * returns injected messages and runtime notes to append, and says when to stop (terminate, a budget,
   * `max_turns`). Pass the conversation so far: it is what a checkpoint taken here saves. A model call
   * without a `beforeTurn` since the previous one runs the boundary itself (its messages are appended).
   */
  beforeTurn(conversation?: TurnConversation): Promise<HarnessTurn>;
  /** One model call (see `HarnessModelRequest`). Usage, cost and the context budget are the runtime's. */
  model(request: HarnessModelRequest, options?: HarnessModelOptions): Promise<HarnessModelResponse>;
  /** One Kiwi call under the thread's token (see `HarnessToolRequest`). Refusals come back as results. */
  tool(request: HarnessToolRequest): Promise<HarnessToolResult>;
  /** A tool's `ToolSpec` (description and JSON Schema of its parameters), read through the kernel. */
  describeTool(toolId: string): Promise<ToolSpec>;
  /** The verified `AGENTS.md` (project, then user, then core). */
  systemPrompt(): Promise<string>;
  /** Adds an event to the thread's transcript. Types the runtime writes itself (`tool_call`, …) are refused. */
  emit(event: HarnessEmittedEvent): void;
  /** Raises a help signal (`stuck`, `escalate`, `checkpoint`) for the thread's supervisor. */
  help(signal: {
    readonly kind: HelpSignalKind;
    readonly reason?: string;
    readonly topic?: string;
  }): Promise<Record<string, unknown>>;
  /**
   * A limit of the harness's own was exceeded (`kind: "loop"`): the runtime applies the directive's
   * `on_exceeded` — `warn` records it and goes on, `escalate` pauses for a decision, `stop` ends the thread
   * (reason `<kind>_detected`). Resolves `stop` when the run should end.
   */
  exceeded(limit: { readonly kind: string; readonly what: string }): Promise<"continue" | "stop">;
  budget(): HarnessBudgetState;
  control(): HarnessControlState;
  /** Milliseconds since the epoch (a step: replayed from the journal on recovery). */
  now(): number;
  /** A number in [0, 1) (a step: replayed from the journal on recovery). */
  random(): number;
}

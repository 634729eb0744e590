import type { NeutralMessage, Usage } from "./conversation";
import type { HarnessRunContext } from "./harness-run-context";

/** How a harness run ended. */
export interface HarnessRunResult {
  /** completed: the model stopped calling tools; stopped: a stop hook or budget ended it; aborted: cancelled; error. */
  readonly status: "completed" | "stopped" | "aborted" | "error";
  /** Why it ended (budget_exceeded, max_turns, context_exceeded, aborted, …). */
  readonly reason: string;
  readonly turns: number;
  readonly usage: Usage;
  /** The model's last text. */
  readonly final_text: string;
  readonly messages: readonly NeutralMessage[];
  readonly error?: { code: string; message: string };
}

/** What a supervisor tells a run at a turn boundary. */
export interface TurnDirective {
  /** User messages to add before the next model call (`inject_message`, a resume message). */
  readonly inject?: readonly string[];
  /** End the run here instead of calling the model again (graceful terminate). */
  readonly stop?: { readonly status: HarnessRunResult["status"]; readonly reason: string };
}

/** The conversation a run holds at a turn boundary (what a checkpoint saves). */
export interface TurnConversation {
  readonly messages: readonly NeutralMessage[];
}

/**
 * How a thread runtime steers a run without knowing its harness: `beforeTurn` is awaited before every
 * model call, so a supervisor can hold the run there (pause), hand it messages (inject) or end it
 * (terminate). Cutting a turn mid-stream is the run's `signal`. A run passes its conversation so far
 * (`BaseHarnessRunner` does), which is what a checkpoint taken at that boundary saves.
 */
export interface RunControl {
  beforeTurn(
    turn: number,
    conversation?: TurnConversation,
  ): TurnDirective | undefined | Promise<TurnDirective | undefined>;
}

/** A run's state at a turn boundary: enough to continue the conversation later (checkpoints). */
export interface RunSnapshot {
  readonly turn: number;
  readonly usage: Usage;
  readonly messages: readonly NeutralMessage[];
}

/** What a run is given. */
export interface HarnessRunInput {
  /** The first user message (ignored when `resume` gives the conversation). */
  readonly message: string;
  /** Aborting cuts the current model call or tool run and ends the run `aborted`. */
  readonly signal?: AbortSignal;
  readonly control?: RunControl;
  /** Continue from a checkpoint instead of starting a new conversation. */
  readonly resume?: RunSnapshot;
}

/** A runner: one conversation driven to its end. */
export interface HarnessRunner {
  run(input: HarnessRunInput): Promise<HarnessRunResult>;
}

/**
 * The first harness plugin contract (`harness-v1`), still accepted: `HARNESS_KIND` upgrades a v1 instance
 * to `harness-v2` (`upgradeHarnessV1`), handing `createRunner` a context with the shape of
 * `@kiwi/agent-harness`'s `HarnessContext` (`model`, `modelId`, `runTool`, `describeTool`) backed by the
 * managed thread's run context. New harnesses implement `HarnessV2`.
 */
export interface HarnessV1<Context = unknown> {
  readonly specificationVersion: "harness-v1";
  readonly id: string;
  createRunner(context: Context): HarnessRunner;
}

/** How a `harness-v2` run ended, as the harness saw it; the runtime adds turns, usage and cost. */
export interface HarnessOutcome {
  readonly status: HarnessRunResult["status"];
  readonly reason: string;
  /** The model's last text. */
  readonly final_text: string;
  /** The conversation at the end (optional: the runtime keeps the last one a turn boundary gave it). */
  readonly messages?: readonly NeutralMessage[];
  readonly error?: { readonly code: string; readonly message: string };
}

/**
 * Harness plugin contract (`harness-v2`): a package names `createXHarness(settings)` in a data definition
 * (`tool_type: harness`); the instance drives one conversation per `run(context)` through the managed
 * thread's run context (`HarnessRunContext`). Everything a managed thread guarantees — the capability
 * token, tool checks, budgets, `max_turns`, transcript, registry, controls, audit — lives in the runtime
 * behind that context, so a harness gets all of it by calling `context.model`, `context.tool` and
 * `context.beforeTurn`, and can neither see a private key nor skip a check.
 */
export interface HarnessV2 {
  readonly specificationVersion: "harness-v2";
  /** Stable kebab- or snake-case id (`kiwi`, `minimal`). */
  readonly id: string;
  run(context: HarnessRunContext): Promise<HarnessOutcome>;
}

import type { NeutralMessage, Usage } from "./conversation";

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

/**
 * How a thread runtime steers a run without knowing its harness: `beforeTurn` is awaited before every
 * model call, so a supervisor can hold the run there (pause), hand it messages (inject) or end it
 * (terminate). Cutting a turn mid-stream is the run's `signal`.
 */
export interface RunControl {
  beforeTurn(turn: number): TurnDirective | undefined | Promise<TurnDirective | undefined>;
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
 * Harness plugin contract (`harness-v1`): a package names `createXHarness(settings)` in a data
 * definition (`tool_type: harness`); what it is given to build a runner is documented by the host that
 * selects it (the thread tools pass a kernel-backed tool executor and a model client).
 */
export interface HarnessV1<Context = unknown> {
  readonly specificationVersion: "harness-v1";
  readonly id: string;
  createRunner(context: Context): HarnessRunner;
}

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

/** A runner: one conversation driven to its end. */
export interface HarnessRunner {
  run(input: { message: string; signal?: AbortSignal }): Promise<HarnessRunResult>;
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

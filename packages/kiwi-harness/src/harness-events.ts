import type { Usage } from "@kiwi/spec";

/** What a Kiwi thread reports as it runs (transcripts, progress displays and tests consume these). */
export type HarnessEvent =
  | { type: "directive_loaded"; directive: string; version: string; core: boolean }
  | {
      type: "token_minted";
      jti: string;
      exp: number;
      grants: number;
      dropped: number;
      /** System capabilities a non-core directive asked for, left out of its token. */
      system_dropped?: string[];
    }
  | { type: "turn_start"; turn: number }
  | { type: "user_message"; turn: number; text: string; injected?: boolean }
  | { type: "resumed"; turn: number; messages: number }
  | { type: "assistant_message"; turn: number; text: string; tool_calls: { id: string; name: string }[] }
  | {
      type: "tool_call";
      turn: number;
      id: string;
      name: string;
      args_hash: string;
      /** The token that authorised the call (audit trail). */
      jti: string;
      /** The capability that lets the model use this meta-tool (`kiwi.<name>`). */
      capability: string;
      /** For execute(tool, run): the tool asked for and the `tool.execute` grant covering it (null: none). */
      target?: string;
      grant?: string | null;
    }
  | {
      type: "tool_result";
      turn: number;
      id: string;
      name: string;
      success: boolean;
      error_code?: string;
      /** Set when running the call threw (it has no result of its own): why, as the error said. */
      error_message?: string;
    }
  | {
      type: "cost_update";
      turn: number;
      turn_usage: Usage;
      usage: Usage;
      usd: number | null;
      unpriced: boolean;
      /** Set on the usage of a context compaction's summarizing call (not a turn). */
      compaction?: true;
    }
  | {
      /** Older turns were replaced by a summary before the model call of `turn`. */
      type: "compacted";
      turn: number;
      /** Estimated context of the call before and after (the summary in place of the turns it replaced). */
      tokens_before: number;
      tokens_after: number;
      /** Messages of the conversation the summary now stands for (a previous summary's included). */
      messages: number;
      /** The summarizing call's usage and cost (counted against the thread's budgets). */
      usage: Usage;
      usd: number | null;
      unpriced: boolean;
    }
  | { type: "warning"; kind: "context" | "budget" | "loop" | "compaction"; message: string }
  /** A harness's tool execution failed as a whole: the calls left without a result got this code. */
  | { type: "warning"; kind: "tool_error"; code: string; message: string; calls: string[] }
  | { type: "stream_incomplete"; turn: number; code: string; message: string }
  | { type: "signal"; kind: "stuck" | "escalate"; reason: string }
  | { type: "budget_exceeded"; message: string }
  | { type: "context_exceeded"; message: string }
  | { type: "completed"; status: string; reason: string };

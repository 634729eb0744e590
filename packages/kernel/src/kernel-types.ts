import type { SinkV1, ToolFailure } from "@kiwi/spec";
import type { ExecuteInput, HelpInput, LoadInput, SearchInput } from "./meta/inputs";

/** Per-call options of the meta-tools. */
export interface CallOptions {
  /**
   * Opaque metadata (`__auth`, `__thread_id`, `__directive_id`, …) set by a harness. The kernel
   * forwards it untouched to the tool layer and never reads it. Model-produced `parameters` can never
   * carry `__*` keys: those are refused with PARAM_RESERVED.
   */
  meta?: Readonly<Record<string, unknown>>;
  /**
   * The caller's own sinks for a streaming tool run (a harness's parsing sink): they receive every event,
   * before the tool's `stream.destinations`. The caller owns them: the kernel never closes them. Ignored
   * by everything but `execute(tool, run)`.
   */
  sinks?: readonly SinkV1[];
  signal?: AbortSignal;
  /**
   * The calling code acts for the person who owns this kernel's key, not for whoever asked it to run
   * (the MCP connector refreshing the tools of a server the person approved): without a token its item
   * writes are the person's own. A server or harness never sets it from a request.
   */
  asPerson?: boolean;
  /**
   * `execute(tool, run)` only: a harness's direct call of a tool the caller's token grants by id (the
   * model calls `greet`, not `execute`), so `kiwi.execute` is not asked for; `tool.execute` still is.
   */
  direct?: boolean;
}

/** A meta-tool's answer: `{success: true, …}` or the tool-boundary failure shape. */
export type MetaResult = ({ success: true } & Record<string, unknown>) | ToolFailure;

/** The four meta-tools over one pinned project. */
export interface KernelMetaTools {
  search(input: SearchInput, options?: CallOptions): Promise<MetaResult>;
  load(input: LoadInput, options?: CallOptions): Promise<MetaResult>;
  execute(input: ExecuteInput, options?: CallOptions): Promise<MetaResult>;
  help(input: HelpInput, options?: CallOptions): Promise<MetaResult>;
}

import type { SinkV1 } from "./sink";

/**
 * Primitive contract (`primitive-v1`). Primitives are the only code that executes anything; every tool
 * chain ends in one. The kernel hands a primitive the merged, templated config of the chain, the
 * validated call parameters, the sinks its stream goes to, and the opaque metadata it never reads itself.
 */
export interface PrimitiveContext {
  /** The project root pinned when the kernel started (a realpath). Never taken from a parameter. */
  readonly projectRoot: string;
  /** The tool the model asked for (the head of the chain). */
  readonly toolId: string;
  /** The resolved chain, head first, primitive last. */
  readonly chain: readonly string[];
  /**
   * Opaque metadata (`__auth`, `__thread_id`, `__directive_id`, …) forwarded untouched from the caller of
   * `execute`. The kernel never reads these values. Nothing here is a channel for sinks: they come in
   * `PrimitiveCall.sinks`.
   */
  readonly meta: Readonly<Record<string, unknown>>;
  readonly signal?: AbortSignal;
}

export interface PrimitiveCall {
  /** The chain's config, merged parent-first and templated. */
  readonly config: Record<string, unknown>;
  /** The call's parameters after validation and defaults, without any `__*` key. */
  readonly params: Record<string, unknown>;
  readonly context: PrimitiveContext;
  /**
   * The sinks a streaming primitive writes every event to, in order: the caller's own (a harness's parsing
   * sink) first, then the tool's `stream.destinations` (the built-in `return` is not among them). They are
   * already open; whoever opened them closes them. A primitive writes through one fan-out that isolates a
   * failing sink (`createSinkFanOut` from `@kiwi/sinks`) and reports failures under `sink_errors`.
   */
  readonly sinks?: readonly SinkV1[];
  /**
   * True when the chain feeds `${ENV}` into a header or auth value: the request carries a secret, so it
   * must go only to its configured host and never follow a redirect. Set by the kernel, never by a param.
   */
  readonly carriesSecret?: boolean;
}

/** A primitive's result: `success` plus whatever the primitive documents (status_code, stdout, …). */
export interface PrimitiveResult {
  success: boolean;
  [key: string]: unknown;
}

export interface PrimitiveV1 {
  readonly specificationVersion: "primitive-v1";
  /** Stable kebab- or snake-case id that tool definitions name as `executor_id`. */
  readonly id: string;
  readonly description?: string;
  run(call: PrimitiveCall): Promise<PrimitiveResult>;
}

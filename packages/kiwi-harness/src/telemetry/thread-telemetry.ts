import type { HarnessModelResponse, Usage } from "@kiwi/spec";
import {
  type Attributes,
  type Context,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import type { HarnessEvent } from "../harness-events";
import { GEN_AI, KIWI } from "./gen-ai-attributes";
import { contextFromStored, type StoredTraceContext, storedTraceContext } from "./trace-context";

/** The tracer every Kiwi thread span comes from (a no-op until the host registers a tracer provider). */
export const TRACER_NAME = "@kiwi/kiwi-harness";
const tracer = () => trace.getTracer(TRACER_NAME);

/** A content attribute longer than this is cut (a tool result can be megabytes). */
const MAX_CONTENT_CHARS = 16_384;

/** How a thread's run is traced (OpenTelemetry GenAI spans; the host registers the tracer provider). */
export interface ThreadTelemetryOptions {
  /**
   * Record contents — prompts, replies, tool arguments and results — on the spans (`gen_ai.input.messages`,
   * `gen_ai.output.messages`, `gen_ai.tool.call.arguments`, `gen_ai.tool.call.result`), each through
   * `redact` first. Default false; without `redact` nothing is captured whatever this says.
   */
  readonly captureContent?: boolean;
  /** The transcripts' redaction (the thread manager's `redact`): every content and message attribute goes through it. */
  readonly redact?: (text: string) => string;
  /** The thread's `invoke_agent` span when its spawn already started it (the thread runtime does). */
  readonly span?: Span;
  /** The trace context to continue (a resumed thread: its first run's `invoke_agent` span, from the journal). */
  readonly parent?: StoredTraceContext;
}

export interface AgentSpanAttributes {
  readonly threadId?: string;
  readonly directive: string;
  readonly version?: string;
  readonly harness?: string;
  readonly provider: string;
  readonly model: string;
  readonly parentThread?: string | null;
  readonly resumed?: boolean;
}

/** Starts a thread's `invoke_agent` span under `parent` (default: the active context). */
export function startAgentSpan(a: AgentSpanAttributes, parent: Context = context.active()): Span {
  const attributes: Attributes = {
    [GEN_AI.operation]: "invoke_agent",
    [GEN_AI.provider]: a.provider,
    [GEN_AI.agentName]: a.directive,
    [GEN_AI.requestModel]: a.model,
  };
  if (a.threadId) attributes[GEN_AI.conversationId] = a.threadId;
  if (a.version) attributes[GEN_AI.agentVersion] = a.version;
  if (a.harness) attributes[KIWI.harness] = a.harness;
  if (a.parentThread) attributes[KIWI.parentThread] = a.parentThread;
  if (a.resumed) attributes[KIWI.resumed] = true;
  return tracer().startSpan(`invoke_agent ${a.directive}`, { kind: SpanKind.INTERNAL, attributes }, parent);
}

/** The W3C context of a span, as a thread's journal stores it (undefined for a no-op span). */
export function traceContextOf(span: Span): StoredTraceContext | undefined {
  return storedTraceContext(span.spanContext());
}

/** Sum of a usage's input tokens, cached ones included (what `gen_ai.usage.input_tokens` counts). */
function inputTokens(u: Usage): number {
  return u.input_tokens + u.cache_read_tokens + u.cache_creation_tokens;
}

/**
 * The spans of one thread run: its `invoke_agent` span, a `chat` span per live model call and an
 * `execute_tool` span per tool call as its children, runtime events (budget, loop, escalation,
 * interventions) as span events. Replayed steps make no spans (their first run did).
 */
export class ThreadTelemetry {
  readonly span: Span;
  /** The context the thread's own spans start under (its `invoke_agent` span). */
  readonly context: Context;
  readonly #redact: (text: string) => string;
  readonly #capture: boolean;
  readonly #attributes: AgentSpanAttributes;
  #ended = false;

  constructor(options: ThreadTelemetryOptions | undefined, attributes: AgentSpanAttributes) {
    this.#attributes = attributes;
    const redact = options?.redact;
    this.#redact = redact ?? ((t) => t);
    this.#capture = options?.captureContent === true && redact !== undefined;
    const base = context.active();
    const parent = contextFromStored(options?.parent, base);
    this.span =
      options?.span ?? startAgentSpan({ ...attributes, resumed: parent !== undefined }, parent ?? base);
    this.context = trace.setSpan(base, this.span);
  }

  /** Whether the spans are recorded at all (a tracer provider is registered and sampled this trace). */
  get recording(): boolean {
    return this.span.isRecording();
  }

  #content(value: unknown): string {
    const text = this.#redact(typeof value === "string" ? value : (JSON.stringify(value) ?? ""));
    return text.length > MAX_CONTENT_CHARS ? `${text.slice(0, MAX_CONTENT_CHARS)}…[truncated]` : text;
  }

  /** A model call's `chat` span (kind CLIENT), or undefined when nothing is recorded. */
  startChat(request: {
    model: string;
    max_tokens: number;
    system?: unknown;
    messages: unknown;
  }): Span | undefined {
    if (!this.recording) return undefined;
    const a = this.#attributes;
    const attributes: Attributes = {
      [GEN_AI.operation]: "chat",
      [GEN_AI.provider]: a.provider,
      [GEN_AI.requestModel]: request.model,
      [GEN_AI.requestMaxTokens]: request.max_tokens,
    };
    if (a.threadId) attributes[GEN_AI.conversationId] = a.threadId;
    if (this.#capture) {
      attributes[GEN_AI.inputMessages] = this.#content(request.messages);
      if (request.system !== undefined) attributes[GEN_AI.systemInstructions] = this.#content(request.system);
    }
    return tracer().startSpan(`chat ${request.model}`, { kind: SpanKind.CLIENT, attributes }, this.context);
  }

  /** Ends a `chat` span with what the call returned: model, finish reason, usage, its cost. */
  endChat(
    span: Span | undefined,
    reply: HarnessModelResponse | undefined,
    extra: { turn: number; usd?: number | null; error?: unknown } = { turn: 0 },
  ): void {
    if (!span) return;
    span.setAttribute(KIWI.turn, extra.turn);
    if (reply) {
      const s = reply.state;
      const u = s.usage;
      span.setAttributes({
        [GEN_AI.responseModel]: s.model ?? this.#attributes.model,
        [GEN_AI.finishReasons]: [s.stop_reason ?? (reply.interrupted ? "error" : "unknown")],
        [GEN_AI.inputTokens]: inputTokens(u),
        [GEN_AI.outputTokens]: u.output_tokens,
        [GEN_AI.cacheReadTokens]: u.cache_read_tokens,
        [GEN_AI.cacheCreationTokens]: u.cache_creation_tokens,
      });
      if (s.message_id) span.setAttribute(GEN_AI.responseId, s.message_id);
      if (extra.usd === null) span.setAttribute(KIWI.unpriced, true);
      else if (extra.usd !== undefined) span.setAttribute(KIWI.costUsd, extra.usd);
      if (this.#capture) {
        const output = {
          role: "assistant",
          text: s.text_blocks.join(""),
          tool_calls: s.tool_calls
            .filter((c) => c.is_complete && !c.parse_error)
            .map((c) => ({ id: c.id, name: c.name, arguments: c.arguments })),
        };
        span.setAttribute(GEN_AI.outputMessages, this.#content([output]));
      }
      if (reply.interrupted) this.#fail(span, reply.interrupted.code, reply.interrupted.message);
    }
    if (extra.error !== undefined) this.#failWith(span, extra.error);
    span.end();
  }

  /** A tool call's `execute_tool` span (kind INTERNAL), or undefined when nothing is recorded. */
  startTool(call: {
    name: string;
    id: string;
    turn: number;
    target?: string;
    args: unknown;
  }): Span | undefined {
    if (!this.recording) return undefined;
    const attributes: Attributes = {
      [GEN_AI.operation]: "execute_tool",
      [GEN_AI.toolName]: call.name,
      [GEN_AI.toolCallId]: call.id,
      // Kiwi's tools run on the agent's side, called by the model as functions.
      [GEN_AI.toolType]: "function",
      [KIWI.turn]: call.turn,
    };
    if (this.#attributes.threadId) attributes[GEN_AI.conversationId] = this.#attributes.threadId;
    if (call.target) attributes["kiwi.tool.target"] = call.target;
    if (this.#capture) attributes[GEN_AI.toolArguments] = this.#content(call.args);
    return tracer().startSpan(
      `execute_tool ${call.name}`,
      { kind: SpanKind.INTERNAL, attributes },
      this.context,
    );
  }

  /** Runs `fn` with `span` active (the guard records its decision on it; a spawn parents its child to it). */
  within<T>(span: Span | undefined, fn: () => T): T {
    return span ? context.with(trace.setSpan(this.context, span), fn) : fn();
  }

  /** Ends an `execute_tool` span with the call's result (or the error that left it without one). */
  endTool(
    span: Span | undefined,
    result: { success?: boolean; error?: unknown } | undefined,
    thrown?: unknown,
  ): void {
    if (!span) return;
    if (thrown !== undefined) this.#failWith(span, thrown);
    else if (result) {
      if (this.#capture) span.setAttribute(GEN_AI.toolResult, this.#content(result));
      if (result.success === false) {
        const e = (result.error ?? {}) as { code?: unknown; message?: unknown };
        this.#fail(
          span,
          typeof e.code === "string" ? e.code : "_OTHER" /* the conventions' error.type fallback */,
          typeof e.message === "string" ? e.message : "",
        );
      }
    }
    span.end();
  }

  #failWith(span: Span, error: unknown): void {
    const e = error as { code?: unknown; message?: unknown };
    this.#fail(
      span,
      typeof e?.code === "string" ? e.code : "INTERNAL_ERROR",
      typeof e?.message === "string" ? e.message : String(error),
    );
  }

  #fail(span: Span, code: string, message: string): void {
    span.setAttribute(GEN_AI.errorType, code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: this.#redact(message) });
  }

  /** A runtime event as a span event of the thread (warnings, escalations, stops, interventions). */
  event(e: HarnessEvent): void {
    if (!this.recording) return;
    const r = this.#redact;
    switch (e.type) {
      case "warning":
        this.span.addEvent(`kiwi.warning.${e.kind}`, { "kiwi.message": r(e.message) });
        return;
      case "signal":
        this.span.addEvent(e.kind === "escalate" ? "kiwi.escalation" : `kiwi.signal.${e.kind}`, {
          "kiwi.reason": r(e.reason),
        });
        return;
      case "budget_exceeded":
      case "context_exceeded":
      case "stream_incomplete":
        this.span.addEvent(`kiwi.${e.type}`, { "kiwi.message": r(e.message) });
        return;
      case "user_message":
        if (e.injected) this.intervention("inject_message", { "kiwi.turn": e.turn });
        return;
      case "compacted":
        this.span.addEvent("kiwi.compacted", {
          "kiwi.turn": e.turn,
          "kiwi.compaction.tokens_before": e.tokens_before,
          "kiwi.compaction.tokens_after": e.tokens_after,
          "kiwi.compaction.messages": e.messages,
          ...(typeof e.usd === "number" ? { [KIWI.costUsd]: e.usd } : {}),
        });
        return;
      case "token_minted":
        this.span.setAttribute(KIWI.tokenJti, e.jti);
        return;
      default:
    }
  }

  /** A supervisor's intervention (pause, resume, inject_message, terminate) as a span event. */
  intervention(action: string, attributes: Attributes = {}): void {
    if (this.recording)
      this.span.addEvent("kiwi.intervention", { "kiwi.intervention.action": action, ...attributes });
  }

  /** Ends the `invoke_agent` span with the run's outcome (once). */
  end(result: {
    status: string;
    reason: string;
    usd?: number | null;
    error?: { code: string; message: string };
  }): void {
    if (this.#ended) return;
    this.#ended = true;
    this.span.setAttributes({ [KIWI.status]: result.status, [KIWI.reason]: result.reason });
    if (typeof result.usd === "number") this.span.setAttribute(KIWI.totalCostUsd, result.usd);
    if (result.status === "error")
      this.#fail(this.span, result.error?.code ?? "error", result.error?.message ?? result.reason);
    this.span.end();
  }
}

export { contextFromStored, type StoredTraceContext };

import { type Context, ROOT_CONTEXT, type SpanContext, TraceFlags, trace } from "@opentelemetry/api";

/** The W3C trace context a thread's spans continue under, as the thread store keeps it (journal step 0). */
export interface StoredTraceContext {
  /** `00-<trace-id>-<span-id>-<flags>` (W3C Trace Context, version 00). */
  readonly traceparent: string;
  readonly tracestate?: string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const INVALID_TRACE = /^0{32}$/;
const INVALID_SPAN = /^0{16}$/;

/**
 * The W3C form of a span's context, or undefined when it has none worth carrying (no tracer provider
 * registered: the span is a no-op and its context invalid). Written here, on the API alone, so libraries
 * need no SDK propagator to store it.
 */
export function storedTraceContext(spanContext: SpanContext | undefined): StoredTraceContext | undefined {
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return undefined;
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, "0");
  const state = spanContext.traceState?.serialize();
  return {
    traceparent: `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`,
    ...(state ? { tracestate: state } : {}),
  };
}

/**
 * A context whose (remote) parent is the stored span: spans started under it join that trace, whichever
 * process or host runs them. Undefined for a missing or malformed value (the spans then start a trace).
 */
export function contextFromStored(stored: unknown, base: Context = ROOT_CONTEXT): Context | undefined {
  const traceparent = (stored as { traceparent?: unknown } | null | undefined)?.traceparent;
  if (typeof traceparent !== "string") return undefined;
  const m = TRACEPARENT.exec(traceparent);
  if (!m || INVALID_TRACE.test(m[1]!) || INVALID_SPAN.test(m[2]!)) return undefined;
  const spanContext: SpanContext = {
    traceId: m[1]!,
    spanId: m[2]!,
    traceFlags: Number.parseInt(m[3]!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  return trace.setSpanContext(base, spanContext);
}

import { type Span, trace } from "@opentelemetry/api";

/** Span attribute names of an authorization decision (no OpenTelemetry convention covers them yet). */
export const AUTHZ_ATTRIBUTES = {
  decision: "kiwi.authz.decision",
  capability: "kiwi.authz.capability",
  scope: "kiwi.authz.scope",
  required: "kiwi.authz.required",
  tool: "kiwi.authz.tool",
  jti: "kiwi.authz.token.jti",
  reason: "kiwi.authz.reason",
  code: "error.type",
} as const;

/** One decision of the guard (or of a runtime's pre-check, which refuses early for the same reasons). */
export interface AuthorizationDecision {
  readonly decision: "allow" | "deny";
  /** The capability that decided: the one held (allow) or the one missing or out of scope (deny). */
  readonly capability: string;
  /** The scope: of the grant that allowed, or the one asked for that no grant covers. */
  readonly scope?: string;
  /** Every capability the call required (tools: what they declare plus their primitive's floor). */
  readonly required?: readonly string[];
  readonly tool?: string;
  /** The `jti` of the token the decision was made on. */
  readonly jti?: string;
  /** Why a call was denied: `cap_missing`, `scope_denied`, `protected`, `expired`, … */
  readonly reason?: string;
  /** The error code a denial returns (CAPABILITY_DENIED, TOKEN_INVALID, PATH_PROTECTED, …). */
  readonly code?: string;
}

/** Spans that already carry a denial: a later allow (a nested call's) never hides it. */
const denied = new WeakSet<Span>();

/**
 * Records an authorization decision on a span — by default the active one, which the thread runtime
 * makes the call's `execute_tool` span. Nothing happens without a recording span (no tracer provider
 * registered: the API's no-op span), so the cost is a lookup. A denial is also a span event, and stays
 * the span's decision whatever is allowed after it.
 */
export function recordAuthorization(
  decision: AuthorizationDecision,
  span: Span | undefined = trace.getActiveSpan(),
): void {
  if (!span?.isRecording()) return;
  if (decision.decision === "allow" && denied.has(span)) return;
  const a = AUTHZ_ATTRIBUTES;
  const attributes: Record<string, string | string[]> = {
    [a.decision]: decision.decision,
    [a.capability]: decision.capability,
  };
  if (decision.scope !== undefined) attributes[a.scope] = decision.scope;
  if (decision.required) attributes[a.required] = [...decision.required];
  if (decision.tool !== undefined) attributes[a.tool] = decision.tool;
  if (decision.jti !== undefined) attributes[a.jti] = decision.jti;
  if (decision.reason !== undefined) attributes[a.reason] = decision.reason;
  if (decision.decision === "deny") {
    if (decision.code !== undefined) attributes[a.code] = decision.code;
    denied.add(span);
    span.addEvent("kiwi.authz.denied", attributes);
  }
  span.setAttributes(attributes);
}

import { createHash } from "node:crypto";
import { failureOf } from "@kiwi/agent-harness";
import { AUTHZ_ATTRIBUTES, recordAuthorization, suggestionFor } from "@kiwi/capabilities";
import type { Kernel, MetaResult } from "@kiwi/kernel";
import { type HarnessToolRequest, type HarnessToolResult, KiwiError, type KnownErrorCode } from "@kiwi/spec";
import type { HarnessEvent } from "../harness-events";
import type { ThreadTelemetry } from "../telemetry/thread-telemetry";
import type { StepRunner } from "./step-runner";
import type { ThreadToken } from "./thread-token";

const META_TOOLS = new Set(["search", "load", "execute", "help"]);

export interface ToolStepDeps {
  readonly kernel: Kernel;
  readonly token: ThreadToken;
  readonly signal: AbortSignal | undefined;
  /** The turn the call belongs to (the thread's model calls so far). */
  readonly turn: () => number;
  readonly emit: (event: HarnessEvent) => void;
  /** An id for a call the harness gave none (`step_<n>`). */
  readonly fallbackId: () => string;
  readonly steps: StepRunner;
  /**
   * Set once a budget or the context has ended the thread: the calls of the reply that crossed it are not
   * run, each gets this refusal (BUDGET_EXCEEDED / CONTEXT_EXCEEDED and what was used) as its result.
   */
  readonly stopped?: () => { readonly code: KnownErrorCode; readonly message: string } | undefined;
  /** Makes the call's `execute_tool` span, active while the kernel runs it (the guard records its decision on it). */
  readonly telemetry?: ThreadTelemetry;
}

function hasReservedKey(value: unknown): boolean {
  if (!value || typeof value !== "object") return false;
  const obj = value as Record<string, unknown>;
  return Object.keys(obj).some((k) => k.startsWith("__")) || hasReservedKey(obj.parameters);
}

function refusal(
  code: KnownErrorCode,
  message: string,
  extra: Record<string, unknown> = {},
): HarnessToolResult {
  return { success: false, error: { code, message, retryable: false, ...extra } };
}

/** A request as the transcript and the checks see it: its name, arguments and authority. */
function describe(request: HarnessToolRequest, token: ThreadToken) {
  if ("meta" in request) {
    const name = String(request.meta);
    const args = (request.arguments ?? {}) as Record<string, unknown>;
    const capability = `kiwi.${name}`;
    if (name !== "execute" || args.item_type !== "tool" || args.action !== "run") {
      return { name, args, authority: { capability } };
    }
    const target = typeof args.item_id === "string" ? args.item_id : "";
    return { name, args, authority: { capability, target, grant: token.grantFor(target) } };
  }
  const name = String(request.tool);
  const args = (request.parameters ?? {}) as Record<string, unknown>;
  return { name, args, authority: { capability: "tool.execute", target: name, grant: token.grantFor(name) } };
}

/** Checks the runtime makes before the kernel's guard: clear refusals the model can act on. */
function precheck(request: HarnessToolRequest, name: string, args: unknown, token: ThreadToken) {
  if ("meta" in request) {
    if (!META_TOOLS.has(name)) {
      return refusal("UNKNOWN_TOOL", `there is no tool '${name}': use search, load, execute or help`);
    }
    if (hasReservedKey(args)) {
      return refusal(
        "PARAM_RESERVED",
        "keys starting with __ are set by the harness, never by the model: remove them",
      );
    }
    const cap = `kiwi.${name}`;
    if (!token.holds(cap)) {
      // A fast, clear refusal the model can act on; the tools still check the token themselves.
      return refusal("CAPABILITY_DENIED", `this thread does not hold ${cap}: ${suggestionFor(cap)}`, {
        reason: "cap_missing",
        required: cap,
      });
    }
    return undefined;
  }
  if (hasReservedKey({ parameters: args })) {
    return refusal(
      "PARAM_RESERVED",
      "keys starting with __ are set by the runtime, never by the model: remove them",
    );
  }
  return undefined;
}

function dispatch(
  kernel: Kernel,
  request: HarnessToolRequest,
  name: string,
  args: Record<string, unknown>,
  options: { meta: Record<string, unknown>; signal?: AbortSignal },
): Promise<MetaResult> {
  if (!("meta" in request)) {
    // A direct call of a granted tool: tool.execute decides, not kiwi.execute.
    return kernel.execute(
      { item_type: "tool", action: "run", item_id: name, parameters: args },
      { ...options, direct: true },
    );
  }
  const input = args as never;
  if (name === "search") return kernel.search(input, options);
  if (name === "load") return kernel.load(input, options);
  if (name === "execute") return kernel.execute(input, options);
  return kernel.help(input, options);
}

/**
 * One Kiwi call of a thread (`context.tool`): recorded with its arguments hashed and the token and grant
 * that allow it (the audit trail), refused early with a clear error when the runtime can tell (an unknown
 * meta-tool, `__*` keys, a missing `kiwi.*` capability), else run through the kernel with the thread's
 * token attached, where the capability guard decides. The harness never sees the token.
 */
export async function runToolStep(
  deps: ToolStepDeps,
  request: HarnessToolRequest,
): Promise<HarnessToolResult> {
  if (deps.signal?.aborted) {
    throw new KiwiError({ code: "ABORTED", message: "the thread was stopped: no more tool calls run" });
  }
  const { name, args, authority } = describe(request, deps.token);
  const id = request.callId ?? deps.fallbackId();
  const turn = deps.turn();
  deps.emit({
    type: "tool_call",
    turn,
    id,
    name,
    args_hash: createHash("sha256").update(JSON.stringify(args)).digest("base64url").slice(0, 16),
    jti: deps.token.jti,
    ...authority,
  });
  // Refusals the runtime can decide itself follow from the budget and the grants; the kernel's answer is
  // the step.
  const stopped = deps.stopped?.();
  const telemetry = deps.telemetry;
  let span: ReturnType<ThreadTelemetry["startTool"]>;
  const openSpan = () => {
    span = telemetry?.startTool({ name, id, turn, target: authority.target, args });
    span?.setAttribute(AUTHZ_ATTRIBUTES.jti, deps.token.jti);
  };
  let result: HarnessToolResult;
  try {
    const early = stopped
      ? refusal(
          stopped.code,
          `not run: the reply that asked for this call ended the thread (${stopped.message})`,
        )
      : precheck(request, name, args, deps.token);
    if (early) {
      openSpan();
      if (early.error?.code === "CAPABILITY_DENIED") {
        const e = early.error as { code: string; reason?: string; required?: string };
        recordAuthorization(
          {
            decision: "deny",
            capability: e.required ?? name,
            jti: deps.token.jti,
            reason: e.reason ?? "cap_missing",
            code: e.code,
          },
          span,
        );
      }
    }
    result =
      early ??
      (await deps.steps.run("tool", { id, ...request }, async () => {
        // The step's number goes with the call (`__step`): a spawn marks its child with it, so a resume
        // after a crash finds the child this step registered instead of spawning a second one.
        const meta = { ...deps.token.meta(), __step: deps.steps.seq };
        const options = { meta, ...(deps.signal ? { signal: deps.signal } : {}) };
        openSpan();
        const run = () => dispatch(deps.kernel, request, name, args, options);
        return (await (telemetry ? telemetry.within(span, run) : run())) as HarnessToolResult;
      }));
  } catch (error) {
    telemetry?.endTool(span, undefined, error);
    // The call has no result: the record says why, with its code, before the harness sees the throw.
    const cause = failureOf(error);
    deps.emit({
      type: "tool_result",
      turn,
      id,
      name,
      success: false,
      error_code: cause.code,
      error_message: cause.message,
    });
    throw error;
  }
  telemetry?.endTool(span, result);
  const code = result.success ? undefined : result.error?.code;
  deps.emit({
    type: "tool_result",
    turn,
    id,
    name,
    success: result.success !== false,
    ...(code ? { error_code: code } : {}),
  });
  return result;
}

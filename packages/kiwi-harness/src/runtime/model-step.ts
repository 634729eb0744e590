import { createToolModelClient, type ModelClient } from "@kiwi/agent-harness";
import type { Kernel } from "@kiwi/kernel";
import type { HarnessModelOptions, HarnessModelRequest, HarnessModelResponse, ProviderV1 } from "@kiwi/spec";
import type { BudgetRoom } from "@kiwi/threads";
import type { HarnessEvent } from "../harness-events";
import type { ThreadTelemetry } from "../telemetry/thread-telemetry";
import type { BudgetPolicy } from "./budget-policy";
import type { StepRunner } from "./step-runner";
import type { ThreadToken } from "./thread-token";

/** The model step's outcome: the reply, and the budget tree's room as the call ended. */
type RecordedCall = HarnessModelResponse & { readonly budget_room?: BudgetRoom };

export interface ModelStepDeps {
  readonly client: ModelClient;
  readonly model: string;
  readonly maxTokens: number;
  readonly budget: BudgetPolicy;
  readonly signal: AbortSignal | undefined;
  readonly emit: (event: HarnessEvent) => void;
  readonly steps: StepRunner;
  /** Makes the call's `chat` span (a live call only: a replayed one had its span when it ran). */
  readonly telemetry?: ThreadTelemetry;
}

/** The model client of a thread: the provider's thread tool, run through the kernel under the runtime's own token. */
export function threadModelClient(options: {
  kernel: Kernel;
  provider: ProviderV1;
  threadId: string;
  token: ThreadToken;
}): ModelClient {
  const { kernel } = options;
  return createToolModelClient({
    provider: options.provider,
    run: (toolId, parameters, callOptions) =>
      kernel.execute({ item_type: "tool", action: "run", item_id: toolId, parameters }, callOptions),
    params: { thread_id: options.threadId },
    meta: () => options.token.modelMeta(),
  });
}

/**
 * One model call of a thread (`context.model`): the runtime's model, `max_tokens` capped at what the
 * model produces; the call is the step, then — when anything arrived — the usage and cost accounted (`cost_update`), the reply
 * recorded (`assistant_message`, `stream_incomplete`), and the context and cost budgets checked, which
 * may decide a stop (or wait for an escalation's decision) before the harness sees the reply.
 */
export async function runModelStep(
  deps: ModelStepDeps,
  request: HarnessModelRequest,
  options: HarnessModelOptions = {},
): Promise<HarnessModelResponse> {
  const turn = ++deps.budget.turns;
  // The budget tree may pay for fewer output tokens than the model gives (planned at the boundary).
  const maxTokens = Math.min(
    request.max_tokens ?? deps.maxTokens,
    deps.maxTokens,
    deps.budget.callTokens ?? Infinity,
  );
  const asked = {
    model: deps.model,
    system: request.system,
    messages: request.messages,
    tools: request.tools,
    max_tokens: maxTokens,
  };
  const telemetry = deps.telemetry;
  let span: ReturnType<ThreadTelemetry["startChat"]>;
  const recorded: RecordedCall = await deps.steps.run("model", asked, async () => {
    span = telemetry?.startChat(asked);
    let reply: HarnessModelResponse;
    try {
      const call = () => deps.client.call(asked, { signal: deps.signal, onUpdate: options.onUpdate });
      reply = await (telemetry ? telemetry.within(span, call) : call());
    } catch (error) {
      telemetry?.endChat(span, undefined, { turn, error });
      throw error;
    }
    // The tree as the call ends (its hold still counted): what the checks after it decide on.
    const room = deps.budget.readRoom();
    return room ? { ...reply, budget_room: room } : reply;
  });
  const { budget_room: after, ...result } = recorded;
  // Nothing arrived (refused, unreachable): nothing to account; the harness decides what a failure means.
  if (result.interrupted && result.state.events === 0) {
    deps.budget.releaseHold();
    telemetry?.endChat(span, result, { turn });
    return result;
  }
  const usage = result.state.usage;
  const before = span ? deps.budget.cost().usd : null;
  deps.budget.account(usage, turn);
  if (span) {
    const spent = deps.budget.cost().usd;
    const usd = spent === null || before === null ? null : spent - before;
    telemetry?.endChat(span, result, { turn, usd });
  }
  deps.emit({
    type: "assistant_message",
    turn,
    text: result.state.text_blocks.join(""),
    tool_calls: result.state.tool_calls
      .filter((c) => c.is_complete && !c.parse_error)
      .map((c) => ({ id: c.id, name: c.name })),
  });
  if (result.interrupted)
    deps.emit({
      type: "stream_incomplete",
      turn,
      code: result.interrupted.code,
      message: result.interrupted.message,
    });
  await deps.budget.check(usage, after);
  return result;
}

import {
  type HarnessEmittedEvent,
  type HarnessRunContext,
  type HarnessRunInput,
  KiwiError,
  type NeutralMessage,
} from "@kiwi/spec";
import { TRANSCRIPT_EVENT_TYPES } from "@kiwi/threads";
import { directiveContext } from "../directive-context";
import type { HarnessEvent } from "../harness-events";
import type { ThreadTelemetry } from "../telemetry/thread-telemetry";
import type { BudgetPolicy } from "./budget-policy";
import type { ContextCompactor } from "./context-compactor";
import { describeTool } from "./describe-tool";
import type { LoadedDirective } from "./loaded-directive";
import { runModelStep, threadModelClient } from "./model-step";
import type { StepRunner } from "./step-runner";
import type { ThreadRunnerOptions } from "./thread-runner";
import type { ThreadToken } from "./thread-token";
import { runToolStep } from "./tool-step";
import type { TurnGate } from "./turn-gate";

/** Types a harness emits that displays know (the rest reach the transcript only). */
const SHARED_EVENT_TYPES = new Set(["user_message", "warning"]);
/**
 * Event types only the runtime writes — every transcript event type but the shared ones, from the one list in
 * @kiwi/threads: a harness's `emit` of one is refused (it would forge the record).
 */
const RUNTIME_EVENT_TYPES: ReadonlySet<string> = new Set(
  TRANSCRIPT_EVENT_TYPES.filter((type) => !SHARED_EVENT_TYPES.has(type)),
);
const EVENT_TYPE = /^[a-z][a-z0-9_]{0,63}$/;

export interface RunContextParts {
  readonly options: ThreadRunnerOptions;
  readonly directive: LoadedDirective;
  readonly input: HarnessRunInput;
  readonly gate: TurnGate;
  readonly budget: BudgetPolicy;
  readonly token: ThreadToken;
  readonly steps: StepRunner;
  readonly maxTokens: number;
  readonly emit: (event: HarnessEvent) => void;
  /** Context compaction (checked before every model call; a no-op unless a threshold is set). */
  readonly compactor: ContextCompactor;
  /** The run's spans (`chat` and `execute_tool` under its `invoke_agent`). */
  readonly telemetry?: ThreadTelemetry;
}

/**
 * The `HarnessRunContext` of one run. Every effect or nondeterministic read behind its methods is one
 * step of `steps` (kind + request in, outcome out): the supervisor's answer at a boundary, a model call, a
 * kernel call, an escalation's decision, a tool description, the system prompt, a help signal, the clock,
 * randomness. What the runtime derives from them (turns, usage, budget decisions, events) is computed
 * outside the steps, so a replayed run rebuilds the same state. The methods only wire the parts together.
 */
export function buildRunContext(parts: RunContextParts): HarnessRunContext {
  const { options: o, directive: d, input, gate, budget, token, steps, emit } = parts;
  const signal = input.signal ?? new AbortController().signal;
  const client = threadModelClient({ kernel: o.kernel, provider: o.provider, threadId: o.threadId, token });
  let stepIds = 0;
  const toolDeps = {
    telemetry: parts.telemetry,
    kernel: o.kernel,
    token,
    signal: input.signal,
    turn: () => budget.turns,
    emit,
    fallbackId: () => `step_${steps.seq}_${++stepIds}`,
    steps,
    stopped: () => {
      const stop = budget.stop;
      if (stop?.reason === "budget_exceeded")
        return { code: "BUDGET_EXCEEDED" as const, message: budget.stopMessage ?? "budget exceeded" };
      if (stop?.reason === "context_exceeded")
        return { code: "CONTEXT_EXCEEDED" as const, message: budget.stopMessage ?? "context exceeded" };
      return undefined;
    },
  };
  const modelDeps = {
    telemetry: parts.telemetry,
    client,
    model: o.model,
    maxTokens: parts.maxTokens,
    budget,
    signal: input.signal,
    emit,
    steps,
  };
  const limits = (): Record<string, number> =>
    Object.fromEntries(Object.entries(budget.limits).filter(([, v]) => typeof v === "number")) as Record<
      string,
      number
    >;

  return {
    thread: {
      id: o.threadId,
      parentId: o.parentId ?? null,
      provider: o.provider.id,
      model: o.model,
      maxTokens: parts.maxTokens,
    },
    directive: {
      name: d.name,
      version: d.version,
      description: d.description,
      category: d.category,
      inputs: { ...(d.provided_inputs ?? {}) },
      prompt: directiveContext(d, input.message),
      tools: token.exactTools(),
    },
    message: input.message,
    ...(input.resume ? { resume: input.resume } : {}),
    signal,
    beforeTurn: (conversation) => gate.pass(conversation),
    async model(request, modelOptions) {
      let asked = request;
      if (!gate.passed) {
        // The harness skipped the boundary: the runtime runs it (pause, terminate, max_turns hold anyway).
        const turn = await gate.pass();
        const extra = [...turn.inject, ...turn.notes].map(
          (content): NeutralMessage => ({ role: "user", content }),
        );
        if (extra.length) asked = { ...request, messages: [...request.messages, ...extra] };
      }
      if (gate.decided) throw gate.refusal();
      gate.consume();
      const prepared = await parts.compactor.prepare(asked);
      if (prepared.stop) {
        // Compaction failed too often and on_exceeded ended the thread: this call is not made.
        gate.decided ??= budget.stop;
        throw gate.refusal();
      }
      const reply = await runModelStep(modelDeps, prepared.request, modelOptions);
      parts.compactor.observe(asked.messages.length, reply.state.usage);
      return reply;
    },
    tool: (request) => runToolStep(toolDeps, request),
    describeTool: (toolId) =>
      steps.run("describe_tool", { tool: toolId }, () => describeTool(o.kernel, toolId)),
    systemPrompt: () => steps.run("system_prompt", {}, async () => (await o.kernel.systemPrompt()).text),
    emit(event: HarnessEmittedEvent) {
      const type = typeof event?.type === "string" ? event.type : "";
      if (!EVENT_TYPE.test(type) || RUNTIME_EVENT_TYPES.has(type)) {
        throw new KiwiError({
          code: "INVALID_INPUT",
          message: `a harness may not emit a '${type}' event: ${EVENT_TYPE.test(type) ? "the runtime writes it itself" : "types are [a-z][a-z0-9_]*"}; use a type of your own`,
          context: { type },
        });
      }
      const { injected: _runtimeOnly, ...fields } = event as HarnessEmittedEvent & { injected?: unknown };
      if (SHARED_EVENT_TYPES.has(type)) emit(fields as unknown as HarnessEvent);
      else o.onHarnessEvent?.(fields as HarnessEmittedEvent);
    },
    help: (request) =>
      steps.run("help", request, async () => {
        // Displays see a stuck signal at once; the kernel's signal handler records it on the thread.
        if (request.kind === "stuck") emit({ type: "signal", kind: "stuck", reason: request.reason ?? "" });
        const answer = await o.kernel.help(
          {
            action: request.kind,
            ...(request.reason !== undefined ? { reason: request.reason } : {}),
            ...(request.topic !== undefined ? { topic: request.topic } : {}),
          },
          { meta: token.meta() },
        );
        return answer as Record<string, unknown>;
      }),
    // The on_exceeded policy follows from the limits; an escalation's decision is its own step.
    exceeded: (limit) => budget.exceeded(String(limit.what), String(limit.kind)),
    budget: () => ({
      turns: budget.turns,
      maxTurns: budget.limits.max_turns,
      onExceeded: budget.limits.on_exceeded,
      usage: { ...budget.usage },
      usd: budget.cost().usd,
      children: budget.children(),
      limits: limits(),
    }),
    control() {
      const s = o.supervisor?.();
      const stop = gate.decided ?? budget.stop;
      return {
        ...(stop ? { stop } : {}),
        pauseRequested: s?.pauseRequested ?? false,
        terminateRequested: s?.terminateRequested ?? false,
        pendingMessages: s?.pendingMessages ?? 0,
        aborted: signal.aborted,
      };
    },
    now: () => steps.runSync("clock", null, () => Date.now()),
    random: () => steps.runSync("random", null, () => Math.random()),
  };
}

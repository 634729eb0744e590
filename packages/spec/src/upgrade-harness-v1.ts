import type { HarnessOutcome, HarnessV1, HarnessV2 } from "./harness";
import type { HarnessRunContext } from "./harness-run-context";

/**
 * Runs a `harness-v1` plugin as a `harness-v2` one. Its `createRunner` receives a context with the shape of
 * `@kiwi/agent-harness`'s `HarnessContext` — `model` (a `ModelClient`), `modelId`, `runTool`,
 * `describeTool` — backed by the managed thread's run context: model calls go through `context.model`,
 * tool runs through `context.tool` with the thread's token (whatever `meta` the runner passes is
 * ignored), and the run's `control.beforeTurn` is `context.beforeTurn`. The first user message is the
 * directive's prompt.
 */
export function upgradeHarnessV1(v1: HarnessV1): HarnessV2 {
  return {
    specificationVersion: "harness-v2",
    id: v1.id,
    async run(context: HarnessRunContext): Promise<HarnessOutcome> {
      const runner = v1.createRunner({
        model: {
          call: (request: Parameters<HarnessRunContext["model"]>[0], options?: { onUpdate?: never }) =>
            context.model(request, { onUpdate: options?.onUpdate }),
        },
        modelId: context.thread.model,
        runTool: (toolId: string, parameters: Record<string, unknown>) =>
          context.tool({ tool: toolId, parameters }),
        describeTool: (toolId: string) => context.describeTool(toolId),
      });
      if (!context.resume) context.emit({ type: "user_message", turn: 1, text: context.directive.prompt });
      const result = await runner.run({
        message: context.directive.prompt,
        signal: context.signal,
        control: {
          beforeTurn: async (_turn, conversation) => {
            const turn = await context.beforeTurn(conversation);
            if (turn.stop) return { stop: turn.stop };
            const inject = [...turn.inject, ...turn.notes];
            return inject.length ? { inject } : undefined;
          },
        },
        resume: context.resume,
      });
      return {
        status: result.status,
        reason: result.reason,
        final_text: result.final_text,
        messages: result.messages,
        ...(result.error ? { error: result.error } : {}),
      };
    },
  };
}

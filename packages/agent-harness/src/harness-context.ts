import type { ToolSpec } from "@kiwi/spec";
import type { ModelClient } from "./model-client";
import type { ToolRunner } from "./tool-model-client";

/**
 * What a runner built on this package is given: a model client, a way to run tools (the kernel's
 * `execute(tool, run)`), and a way to describe a tool to the model. Harnesses built on this know nothing
 * of kernels, tokens or providers. On a managed thread, `runOnContext` builds it from the thread's run
 * context (and a `harness-v1` plugin's `createRunner` receives it the same way); a test or an
 * application may build its own.
 */
export interface HarnessContext {
  readonly model: ModelClient;
  readonly modelId: string;
  readonly runTool: ToolRunner;
  describeTool(toolId: string): Promise<ToolSpec>;
}

import type { ToolSpec } from "@kiwi/spec";
import type { ModelClient } from "./model-client";
import type { ToolRunner } from "./tool-model-client";

/**
 * What a host (the thread tools, a test, an application) hands a `harness-v1` plugin's `createRunner`:
 * a model client, a way to run tools (the kernel's `execute(tool, run)`), and a way to describe a tool to
 * the model. Harnesses built on this know nothing of kernels, tokens or providers.
 */
export interface HarnessContext {
  readonly model: ModelClient;
  readonly modelId: string;
  readonly runTool: ToolRunner;
  describeTool(toolId: string): Promise<ToolSpec>;
}

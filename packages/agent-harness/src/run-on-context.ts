import {
  type HarnessOutcome,
  type HarnessRunContext,
  type HarnessRunner,
  upgradeHarnessV1,
} from "@kiwi/spec";
import type { HarnessContext } from "./harness-context";

/**
 * Runs a runner built on this package (a `BaseHarnessRunner` subclass) as one `harness-v2` run: its
 * `HarnessContext` is backed by the managed thread's run context (model calls through `context.model`,
 * tool runs through `context.tool` under the thread's token, `describeTool` through the kernel), its
 * control is `context.beforeTurn`, its first message the directive's prompt. A harness plugin's `run` is
 * then one line: `run: (context) => runOnContext(context, (c) => new MyRunner(c, settings))`.
 */
export function runOnContext(
  context: HarnessRunContext,
  createRunner: (context: HarnessContext) => HarnessRunner,
): Promise<HarnessOutcome> {
  const harness = upgradeHarnessV1({
    specificationVersion: "harness-v1",
    id: "run-on-context",
    createRunner: (c) => createRunner(c as HarnessContext),
  });
  return harness.run(context);
}

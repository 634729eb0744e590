import { runOnContext } from "@kiwi/agent-harness";
import type { HarnessV2 } from "@kiwi/spec";
import { KiwiLoop } from "./kiwi-loop";

/**
 * Kiwi's own harness as a `harness-v2` plugin (`kiwi_harness`, the default on managed threads): the four
 * meta-tools under the verified AGENTS.md, Kiwi's loop policy, everything else the runtime's. It takes
 * no settings.
 */
export function createKiwiHarness(): HarnessV2 {
  return {
    specificationVersion: "harness-v2",
    id: "kiwi",
    run: (context) => runOnContext(context, (c) => new KiwiLoop(c, context)),
  };
}

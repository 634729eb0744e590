// Kiwi's own harness runs the conformance suite every harness runs (@kiwi/testing's testHarness).
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createAnthropicProvider } from "@kiwi/provider-anthropic";
import { testHarness } from "@kiwi/testing";
import { createThreadRuntime } from "./thread-runtime";

const PROVIDER = realpathSync(
  fileURLToPath(new URL("../node_modules/@kiwi/provider-anthropic", import.meta.url)),
);

testHarness("kiwi_harness", {
  harness: "kiwi_harness",
  createThreadRuntime,
  provider: { packageDir: PROVIDER, create: createAnthropicProvider, model: "claude-haiku-4-5" },
  toolCall: (id, parameters) => ({
    name: "execute",
    arguments: { item_type: "tool", action: "run", item_id: id, parameters },
  }),
});

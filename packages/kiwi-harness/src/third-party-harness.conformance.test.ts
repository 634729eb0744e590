// A third-party harness in plain JavaScript (src/__fixtures__/acme-harness: no Kiwi import, the public
// harness-v2 contract only), installed like any package with its definition signed by its publisher,
// runs the same conformance suite as Kiwi's own: tokens, budgets and controls hold for it too.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createKernel } from "@kiwi/kernel";
import { createAnthropicProvider } from "@kiwi/provider-anthropic";
import { testHarness } from "@kiwi/testing";
import { createThreadRuntime } from "./thread-runtime";

const PROVIDER = realpathSync(
  fileURLToPath(new URL("../node_modules/@kiwi/provider-anthropic", import.meta.url)),
);

testHarness("acme_harness (third party, plain JS)", {
  harness: "acme_harness",
  packageDir: new URL("./__fixtures__/acme-harness", import.meta.url),
  signWith: createKernel,
  createThreadRuntime,
  provider: { packageDir: PROVIDER, create: createAnthropicProvider, model: "claude-haiku-4-5" },
  toolCall: (id, parameters) => ({ name: id, arguments: parameters }),
});

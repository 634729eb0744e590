import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createKernel } from "@kiwi/kernel";
import { createThreadRuntime } from "@kiwi/kiwi-harness";
import { createAnthropicProvider } from "@kiwi/provider-anthropic";
import { testHarness } from "@kiwi/testing";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const PROVIDER_DIR = realpathSync(
  fileURLToPath(new URL("../node_modules/@kiwi/provider-anthropic", import.meta.url)),
);

// The shared harness conformance suite: every Kiwi harness runs it, on managed threads of a real runtime
// against the scripted fake LLM. The package's YAML is signed by a throwaway publisher key here.
testHarness("template_harness", {
  harness: "template_harness",
  packageDir: PACKAGE_DIR,
  signWith: createKernel,
  createThreadRuntime,
  provider: { packageDir: PROVIDER_DIR, create: createAnthropicProvider, model: "claude-haiku-4-5" },
  // This harness offers the granted tools by name: its model calls `greet` as `greet`.
  toolCall: (id, parameters) => ({ name: id, arguments: parameters }),
});

import type { FakeScript } from "./script";

/**
 * The script `kiwi demo` plays when no real model is configured: a hello_kiwi-style run through Kiwi's
 * four meta-tools. It finds and runs the greet tool, then tries to read `src/secret.txt`, which the demo
 * directive's permissions do not allow, so the model meets CAPABILITY_DENIED from the tool layer, asks
 * for guidance on permissions and ends with a summary. Plain data: a fresh copy on every call.
 */
export function defaultDemoScript(): FakeScript {
  return {
    turns: [
      {
        text: "Let me look for a tool that greets people.",
        tool_calls: [{ name: "search", arguments: { item_type: "tool", query: "greet", limit: 5 } }],
      },
      {
        text: "The greet tool fits. Running it for Ada.",
        tool_calls: [
          {
            name: "execute",
            arguments: { item_type: "tool", action: "run", item_id: "greet", parameters: { who: "Ada" } },
          },
        ],
      },
      {
        text: "Now I will read src/secret.txt to add a personal note.",
        tool_calls: [
          {
            name: "execute",
            arguments: {
              item_type: "tool",
              action: "run",
              item_id: "read_file",
              parameters: { path: "src/secret.txt" },
            },
          },
        ],
      },
      {
        text: "That read was refused (CAPABILITY_DENIED): this directive may not read src/secret.txt, so I will not retry it. Let me check how permissions work.",
        tool_calls: [{ name: "help", arguments: { action: "guidance", topic: "permissions" } }],
      },
      {
        text: "Done. The greet tool produced the greeting for Ada. Reading src/secret.txt was denied because the directive's permissions do not cover it, and the tool layer enforced that refusal; I stayed within the permissions I was given.",
      },
    ],
  };
}

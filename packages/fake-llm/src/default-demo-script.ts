import type { FakeScript, FakeToolCall } from "./script";

const runTool = (item_id: string, parameters: Record<string, unknown>): FakeToolCall => ({
  name: "execute",
  arguments: { item_type: "tool", action: "run", item_id, parameters },
});

/**
 * The script `kiwi demo` plays when no real model is configured: the core `demo_tour` directive on a
 * managed thread. The model searches for the greeting tools, runs greet_team (allowed), tries the bash
 * tool, which the directive does not grant, so the tool layer answers CAPABILITY_DENIED; it asks for
 * guidance on the refusal, recovers by reading docs/welcome.md with read_file (allowed) and reports.
 * Usage figures grow turn by turn like a real conversation's, so the cost summary has something to add
 * up. Plain data: a fresh copy on every call.
 */
export function defaultDemoScript(): FakeScript {
  return {
    turns: [
      {
        text: "Let me find the greeting tools first.",
        tool_calls: [{ name: "search", arguments: { item_type: "tool", query: "greet", limit: 5 } }],
        usage: { input_tokens: 2150, output_tokens: 48 },
      },
      {
        text: "greet_team greets a whole team; running it for Ada, Grace and Linus.",
        tool_calls: [runTool("greet_team", { who: "Ada", members: ["Grace", "Linus"] })],
        usage: { input_tokens: 2620, output_tokens: 71 },
      },
      {
        text: "The tour asks me to try one call I am not granted: the bash tool.",
        tool_calls: [runTool("bash", { command: "cat src/secret.txt" })],
        usage: { input_tokens: 2910, output_tokens: 52 },
      },
      {
        text: "Refused with CAPABILITY_DENIED: my permissions do not grant bash, and the tool layer enforced it. I will not retry; let me check how to recover.",
        tool_calls: [{ name: "help", arguments: { action: "guidance", topic: "capability denied" } }],
        usage: { input_tokens: 3140, output_tokens: 64 },
      },
      {
        text: "I am granted read_file on docs/, so I will read the welcome page instead.",
        tool_calls: [runTool("read_file", { path: "docs/welcome.md" })],
        usage: { input_tokens: 3720, output_tokens: 45 },
      },
      {
        text: "Done. greet_team returned the greeting for Ada and the team. Running bash was refused with CAPABILITY_DENIED because demo_tour does not grant it, so I did not retry and stayed within my permissions. docs/welcome.md says every tool checks the thread's signed capability token itself.",
        usage: { input_tokens: 3980, output_tokens: 96 },
      },
    ],
  };
}

// Test fixture (run as a separate process with `node --import tsx`): a scripted fake LLM and
// `kiwi thread run cli_greeter <message>` on the given project, with the real process streams and the
// real SIGINT, so tests can interrupt it and control its thread from another process. A fourth argument
// names another directive: with the message "[tree parent]" its thread spawns `cli_child` ("[tree child]",
// slow turns) and waits for it.
import { createFakeLlmServer, type FakeTurn } from "@kiwi/fake-llm";
import { main } from "../main";

const [project, userSpace, message = "go", directive = "cli_greeter"] = process.argv.slice(2) as [
  string,
  string,
  string?,
  string?,
];
const greet: FakeTurn["tool_calls"] = [
  {
    name: "execute",
    arguments: { item_type: "tool", action: "run", item_id: "greet", parameters: { who: "Ada" } },
  },
];
const slow = (text: string): FakeTurn => ({ text, tool_calls: greet, chunk_size: 2, delay_ms: 15 });
const run = (item_id: string, parameters: Record<string, unknown>): FakeTurn => ({
  tool_calls: [{ name: "execute", arguments: { item_type: "tool", action: "run", item_id, parameters } }],
});
const fake = await createFakeLlmServer({
  script: {
    turns: [
      slow("turn one streams slowly"),
      slow("turn two streams slowly"),
      slow("turn three streams slowly"),
      { text: "the end" },
    ],
    routes: [
      {
        match: "[tree parent]",
        turns: [
          run("thread_directive", { directive_name: "cli_child", message: "[tree child]" }),
          run("thread_control", { action: "wait_children" }),
          { text: "parent end" },
        ],
      },
      {
        match: "[tree child]",
        turns: [...Array.from({ length: 5 }, (_, i) => slow(`child turn ${i + 1}`)), { text: "child end" }],
      },
    ],
  },
});
const code = await main(
  ["thread", "run", directive, message, "--project", project, "--user-space", userSpace],
  {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: project,
    env: {
      PATH: process.env.PATH ?? "",
      ANTHROPIC_API_KEY: "test",
      ANTHROPIC_BASE_URL: fake.anthropicBaseUrl,
    },
  },
);
await fake.close();
process.exitCode = code;

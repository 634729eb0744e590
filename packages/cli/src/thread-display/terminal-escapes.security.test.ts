// Issue 13 §5: model and tool text printed by `kiwi thread run` and `kiwi threads tail|events` used to
// reach the terminal raw (colour, window title, clear screen, C1 controls, bidi overrides). A scripted
// model (the fake LLM over real HTTP) sends every kind; what the CLI prints must hold none of them live.
import { createFakeLlmServer, type FakeLlmServer } from "@kiwi/fake-llm";
import { afterEach, describe, expect, it } from "vitest";
import {
  createDirective,
  createThreadProject,
  HOSTILE_TEXT,
  kiwi,
  LIVE_CONTROL,
  type ThreadProject,
  threadDirective,
} from "./test-support";

const ALL = Object.values(HOSTILE_TEXT).join(" | ");

let fake: FakeLlmServer | undefined;
let where: ThreadProject | undefined;
afterEach(async () => {
  await fake?.close();
  await where?.remove();
  fake = undefined;
  where = undefined;
});

describe("terminal escapes in model and tool text are printed inert", () => {
  it("kiwi thread run, kiwi threads tail and kiwi threads events", { timeout: 30_000 }, async () => {
    where = await createThreadProject();
    await createDirective(where, "cli_greeter", threadDirective({ name: "cli_greeter" }));
    fake = await createFakeLlmServer({
      script: {
        turns: [
          {
            text: `first ${ALL}`,
            // A tool id the model made up: it is echoed in the call's label and in the error.
            tool_calls: [
              {
                name: "execute",
                arguments: {
                  item_type: "tool",
                  action: "run",
                  item_id: `x${HOSTILE_TEXT.clear}`,
                  parameters: {},
                },
              },
            ],
            usage: { input_tokens: 10, output_tokens: 10 },
          },
          {
            text: `done ${HOSTILE_TEXT.title}${HOSTILE_TEXT.rlo}`,
            usage: { input_tokens: 10, output_tokens: 10 },
          },
        ],
      },
    });
    const env = { ANTHROPIC_API_KEY: "test", ANTHROPIC_BASE_URL: fake.anthropicBaseUrl };
    const k = (args: string[]) => kiwi(args, { ...where!, env });

    const run = await k(["thread", "run", "cli_greeter", "go"]);
    expect(run.code).toBe(0);
    expect(run.out).not.toMatch(LIVE_CONTROL);
    expect(run.err).not.toMatch(LIVE_CONTROL);
    // Shown, not acted on: the person sees what the model sent.
    expect(run.out).toContain("first \\x1b[31mred\\x1b[0m | \\x1b]0;pwned title\\x07");
    expect(run.out).toContain("\\x9b31mc1 red");
    expect(run.out).toContain("file\\u202etxt.exe");
    expect(run.out).toContain("→ execute x\\x1b[2J\\x1b[H");
    const id = /^thread (\S+)/m.exec(run.out)![1]!;

    for (const args of [
      ["threads", "tail", id, "-n", "100"],
      ["threads", "events", id],
      ["threads", "status", id],
      ["threads", "list"],
    ]) {
      const shown = await k(args);
      expect(shown.code).toBe(0);
      expect(shown.out).not.toMatch(LIVE_CONTROL);
    }
    const tail = await k(["threads", "tail", id, "-n", "100"]);
    expect(tail.out).toContain("assistant: first \\x1b[31mred");
    expect(tail.out).toContain("assistant: done \\x1b]0;pwned title\\x07file\\u202etxt.exe");

    // JSON output carries the very same text (same JSON value), with the controls as \u escapes.
    const json = await k(["threads", "tail", id, "--json", "-n", "100"]);
    expect(json.out).not.toMatch(LIVE_CONTROL);
    const texts = json.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; text?: string })
      .filter((e) => e.type === "assistant_message")
      .map((e) => e.text);
    expect(texts).toEqual([`first ${ALL}`, `done ${HOSTILE_TEXT.title}${HOSTILE_TEXT.rlo}`]);
  });
});

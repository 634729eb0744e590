// `kiwi validate`'s worst case is what the runtime enforces (issue 13 §3). The reproduction: a parent with
// max_cost_usd 1.00 and on_exceeded stop spawns a child whose own directive says warn and children without
// a figure, then waits in wait_children while they spend. `kiwi validate` promises $1.00 for the tree;
// `kiwi thread run` — the real CLI, the fake LLM scripting token usage priced as claude-haiku-4-5 — keeps
// the whole tree inside it, as the registry shows.
import { createFakeLlmServer, type FakeLlmServer, type FakeTurn } from "@kiwi/fake-llm";
import { afterEach, describe, expect, it } from "vitest";
import {
  createDirective,
  createThreadProject,
  kiwi,
  type ThreadProject,
  threadDirective,
  withRegistry,
} from "../thread-display/test-support";
import type { DirectiveReport } from "./validate-command";

let fake: FakeLlmServer | undefined;
let where: ThreadProject | undefined;
afterEach(async () => {
  await fake?.close();
  await where?.remove();
  fake = undefined;
  where = undefined;
});

const cost = (usd: string | undefined, onExceeded: string) =>
  `<cost><max_turns>20</max_turns>${usd ? `<max_cost_usd>${usd}</max_cost_usd>` : ""}<on_exceeded>${onExceeded}</on_exceeded></cost>`;

const PARENT_PERMISSIONS = `
      <execute resource="kiwi-mcp" action="*"/>
      <execute resource="tool" id="thread_directive"/>
      <execute resource="tool" id="thread_control"/>
      <orchestration enabled="true">
        <allow_categories/>
        <deny_categories/>
        <allow_directives>tree_*</allow_directives>
        <deny_directives/>
      </orchestration>`;

const spawn = (directive: string, message: string) => ({
  name: "execute",
  arguments: {
    item_type: "tool",
    action: "run",
    item_id: "thread_directive",
    parameters: { directive_name: directive, message },
  },
});

/** $0.15 a turn (150,000 input tokens at $1 per million), greeting again and again. */
const spender: FakeTurn[] = Array.from({ length: 12 }, (_, i) => ({
  tool_calls: [
    {
      name: "execute",
      arguments: { item_type: "tool", action: "run", item_id: "greet", parameters: { who: `n${i}` } },
    },
  ],
  usage: { input_tokens: 150_000, output_tokens: 0 },
  delay_ms: 1,
}));

describe("kiwi validate's worst case holds at run time", () => {
  it("a $1.00 stop parent with a warn child and children without a figure: validate says $1.00, the run stays in it", async () => {
    where = await createThreadProject();
    await createDirective(
      where,
      "tree_parent",
      threadDirective({ name: "tree_parent", cost: cost("1.00", "stop"), permissions: PARENT_PERMISSIONS }),
    );
    await createDirective(
      where,
      "tree_warn",
      threadDirective({ name: "tree_warn", cost: cost("0.50", "warn") }),
    );
    await createDirective(
      where,
      "tree_free",
      threadDirective({ name: "tree_free", cost: cost(undefined, "stop") }),
    );
    const validated = await kiwi(["validate", "tree_parent", "--json"], where);
    expect(validated.code).toBe(0);
    const report = JSON.parse(validated.out) as DirectiveReport;
    expect(report.spend.worst_case).toMatchObject({ usd: 1, by: "root_budget" });
    // A child's figure is a hard cap whatever its on_exceeded: the warn child is not "unbounded".
    expect(report.spend.unbounded.map((u) => u.directive)).toEqual(["tree_free"]);

    fake = await createFakeLlmServer({
      script: {
        turns: [],
        routes: [
          {
            match: "[parent]",
            turns: [
              {
                tool_calls: [
                  spawn("tree_warn", "[warn child]"),
                  spawn("tree_free", "[free child 1]"),
                  spawn("tree_free", "[free child 2]"),
                ],
                usage: { input_tokens: 10_000, output_tokens: 0 },
              },
              {
                tool_calls: [
                  {
                    name: "execute",
                    arguments: {
                      item_type: "tool",
                      action: "run",
                      item_id: "thread_control",
                      parameters: { action: "wait_children", timeout_ms: 60_000 },
                    },
                  },
                ],
                usage: { input_tokens: 10_000, output_tokens: 0 },
              },
              { text: "the children are done", usage: { input_tokens: 10_000, output_tokens: 0 } },
            ],
          },
          { match: "[warn child]", turns: spender },
          { match: "[free child 1]", turns: spender },
          { match: "[free child 2]", turns: spender },
        ],
      },
    });
    const env = { ANTHROPIC_API_KEY: "test", ANTHROPIC_BASE_URL: fake.anthropicBaseUrl };
    const run = await kiwi(["thread", "run", "tree_parent", "[parent]", "--json"], { ...where, env });
    expect(run.code, run.err).toBe(0);
    const rows = await withRegistry(where, ({ manager }) => manager.registry.query({ limit: 100 }));
    expect(rows).toHaveLength(4);
    const spent = rows.reduce((sum, r) => sum + (typeof r.usage?.usd === "number" ? r.usage.usd : 0), 0);
    expect(spent).toBeGreaterThan(0.5);
    expect(spent).toBeLessThanOrEqual(report.spend.worst_case.usd!);
    const warn = rows.find((r) => r.directive === "tree_warn")!;
    expect(warn).toMatchObject({ status: "completed", reason: "budget_exceeded" });
  });
});

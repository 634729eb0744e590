// End to end, public APIs only: the package is installed into a project (its `.ai` items signed by a
// publisher key the user trusts), its provider adapter is loaded from its data definition, and a
// KiwiHarnessRunner runs a directive through it against a loopback Tinychat server.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createKernel, type Kernel } from "@kiwi/kernel";
import { type HarnessEvent, KiwiHarnessRunner } from "@kiwi/kiwi-harness";
import { PROVIDER_KIND } from "@kiwi/spec";
import { installSigned } from "@kiwi/testing/install";
import { afterEach, describe, expect, it } from "vitest";
import { contextWindowOf, costOf } from "./pricing";
import { startTinychatServer } from "./test-support/tinychat-server";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const API_KEY = "tinychat-test-key";

const DIRECTIVE = `# greet_with_tinychat

Greets someone through the greet tool, on a Tinychat model.

\`\`\`xml
<directive name="greet_with_tinychat" version="1.0.0">
  <metadata>
    <description>Greet a person with the greet tool.</description>
    <category>examples</category>
    <author>kiwi-examples</author>
    <model tier="fast">tiny-1</model>
    <cost>
      <max_turns>4</max_turns>
      <max_cost_usd>0.01</max_cost_usd>
      <on_exceeded>stop</on_exceeded>
    </cost>
    <permissions>
      <execute resource="kiwi-mcp" action="execute"/>
      <execute resource="tool" id="greet"/>
    </permissions>
  </metadata>
  <inputs>
    <input name="who" type="string" required="true">Who to greet.</input>
  </inputs>
  <process>
    <step name="greet">
      <description>Produce the greeting.</description>
      <action>Run the tool greet with parameters {who}.</action>
    </step>
  </process>
</directive>
\`\`\`
`;

const greetCall = {
  id: "call_1",
  tool: "execute",
  input: { item_type: "tool", action: "run", item_id: "greet", parameters: { who: "Ada" } },
};

describe("KiwiHarnessRunner on the tinychat provider", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0)) await close();
  });

  async function world(turns: Parameters<typeof startTinychatServer>[0]["turns"]) {
    const server = await startTinychatServer({ apiKey: API_KEY, turns });
    cleanup.push(server.close);
    const { projectRoot, userSpace, remove } = await installSigned({ packageDir: PACKAGE_DIR, createKernel });
    cleanup.push(remove);
    const kernel: Kernel = await createKernel({
      personAtTerminal: true,
      projectRoot,
      userSpace,
      // What the endpoint YAML reads through ${...}: the base URL points it at the loopback server.
      env: { PATH: process.env.PATH ?? "", TINYCHAT_BASE_URL: server.baseUrl, TINYCHAT_API_KEY: API_KEY },
      indexTtlMs: 0,
    });
    const created = await kernel.execute({
      item_type: "directive",
      action: "create",
      item_id: "greet_with_tinychat",
      parameters: { content: DIRECTIVE, category: "examples" },
    });
    if (!created.success) throw new Error(created.error.message);
    // The adapter comes from the package's data definition, verified like every item, through the loader.
    const provider = await kernel.instantiatePlugin({ itemId: "tinychat_provider", kind: PROVIDER_KIND });
    const events: HarnessEvent[] = [];
    const runner = new KiwiHarnessRunner({
      kernel,
      provider,
      model: "tiny-1",
      directive: "greet_with_tinychat",
      inputs: { who: "Ada" },
      threadId: "greet_with_tinychat_1",
      // Pricing is the plugin's data; the date pins the price row this test expects.
      price: (model, usage) => {
        const cost = costOf({ model, usage, at: new Date("2026-03-01T00:00:00Z") });
        return cost.priced ? { usd: cost.usd } : { unpriced: true };
      },
      contextWindow: contextWindowOf("tiny-1"),
      onEvent: (e) => events.push(e),
    });
    return { server, kernel, projectRoot, runner, events };
  }

  it("runs a directive: a tool call through the meta-tools, its result back to the model, a final answer", async () => {
    const { server, projectRoot, runner, events } = await world([
      { text: "Greeting Ada.", calls: [greetCall], usage: { prompt: 1200, completion: 40, cached: 1000 } },
      { text: "Done: Hello, Ada!", usage: { prompt: 1300, completion: 20, cached: 1100 } },
    ]);
    const result = await runner.run({ message: "Please greet Ada." });
    expect(result).toMatchObject({ status: "completed", reason: "end_turn", turns: 2 });
    expect(result.final_text).toBe("Done: Hello, Ada!");

    // What went over the wire, in Tinychat's format.
    expect(server.requests).toHaveLength(2);
    const [first, second] = server.requests.map((r) => r.body as Record<string, unknown>);
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(first).toMatchObject({ model: "tiny-1", stream: true, limit: expect.any(Number) });
    expect((first!.functions as { name: string }[]).map((f) => f.name).sort()).toEqual([
      "execute",
      "help",
      "load",
      "search",
    ]);
    expect(first!.instructions).toEqual(expect.stringContaining("Kiwi")); // the verified AGENTS.md
    expect(JSON.stringify(first!.turns)).toContain("greet_with_tinychat");
    const turns = second!.turns as { role: string; calls?: unknown[]; results?: { output: string }[] }[];
    expect(turns.map((t) => t.role)).toEqual(["user", "model", "results"]);
    expect(turns[1]!.calls).toEqual([{ call_id: "call_1", tool: "execute", input: greetCall.input }]);
    expect(turns[2]!.results![0]!.output).toContain("Hello, Ada!");

    // The call went through the capability check with the thread's token, and succeeded.
    expect(events.filter((e) => e.type === "tool_result")).toEqual([
      expect.objectContaining({ name: "execute", success: true }),
    ]);
    // Usage mapped to disjoint neutral counts, priced from the plugin's pricing data.
    const summary = runner.summary();
    expect(summary.total).toEqual({
      input_tokens: 400,
      output_tokens: 60,
      cache_read_tokens: 2100,
      cache_creation_tokens: 0,
    });
    expect(summary.unpriced).toBe(false);
    expect(summary.usd).toBeCloseTo((400 * 0.5 + 60 * 1.5 + 2100 * 0.05) / 1e6, 12);
    // The thread tool's second destination kept the raw stream.
    const raw = await readFile(join(projectRoot, ".ai/threads/greet_with_tinychat_1/stream.jsonl"), "utf8");
    expect(raw).toContain('"event":"finish"');
  });

  it("hands the model a denial it can act on when it calls a tool the directive does not grant", async () => {
    const denied = { ...greetCall, input: { ...greetCall.input, item_id: "greet_formal" } };
    const { server, runner, events } = await world([
      { calls: [denied] },
      { calls: [greetCall] },
      { text: "Greeted Ada informally: greet_formal is not granted." },
    ]);
    const result = await runner.run({ message: "Greet Ada formally." });
    expect(result).toMatchObject({ status: "completed", turns: 3 });
    expect(
      events.flatMap((e) => (e.type === "tool_result" ? [[e.success, e.error_code ?? null]] : [])),
    ).toEqual([
      [false, "CAPABILITY_DENIED"],
      [true, null],
    ]);
    expect(JSON.stringify(server.requests[1]!.body)).toContain("CAPABILITY_DENIED");
  });
});

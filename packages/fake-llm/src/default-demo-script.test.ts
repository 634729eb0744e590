import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { createFakeLlmServer, defaultDemoScript, parseFakeScript } from "./index";

const tool = (item_id: string, parameters: Record<string, unknown>) => ({
  name: "execute",
  arguments: { item_type: "tool", action: "run", item_id, parameters },
});

describe("defaultDemoScript", () => {
  it("is a valid, JSON-serialisable script using only Kiwi's four meta-tools", () => {
    const script = defaultDemoScript();
    expect(parseFakeScript(JSON.parse(JSON.stringify(script)))).toEqual(script);
    const calls = script.turns.flatMap((turn) => turn.tool_calls ?? []);
    for (const call of calls) expect(["search", "load", "execute", "help"]).toContain(call.name);
    expect(script.turns).toHaveLength(6);
    expect(script.turns.at(-1)!.tool_calls).toBeUndefined();
    for (const turn of script.turns) expect(turn.usage?.input_tokens).toBeGreaterThan(0);
    expect(defaultDemoScript()).not.toBe(script);
  });

  it("searches, runs greet_team, tries bash (denied), asks for guidance, reads docs, then reports", () => {
    const [search, greet, bash, help, read, report] = defaultDemoScript().turns;
    expect(search!.tool_calls).toEqual([
      { name: "search", arguments: expect.objectContaining({ item_type: "tool", query: "greet" }) },
    ]);
    expect(greet!.tool_calls).toEqual([tool("greet_team", { who: "Ada", members: ["Grace", "Linus"] })]);
    expect(bash!.tool_calls).toEqual([tool("bash", { command: "cat src/secret.txt" })]);
    expect(help!.text).toMatch(/CAPABILITY_DENIED/);
    expect(help!.tool_calls).toEqual([
      { name: "help", arguments: { action: "guidance", topic: "capability denied" } },
    ]);
    expect(read!.tool_calls).toEqual([tool("read_file", { path: "docs/welcome.md" })]);
    expect(report!.text).toMatch(/Ada/);
    expect(report!.text).toMatch(/CAPABILITY_DENIED/);
  });

  it("plays through the Anthropic SDK turn by turn", async () => {
    const server = await createFakeLlmServer({ script: defaultDemoScript() });
    try {
      const client = new Anthropic({ apiKey: "k", baseURL: server.anthropicBaseUrl, maxRetries: 0 });
      const names: string[] = [];
      for (let i = 0; i < 6; i += 1) {
        const message = await client.messages
          .stream({ model: "m", max_tokens: 100, messages: [{ role: "user", content: "run demo_tour" }] })
          .finalMessage();
        for (const block of message.content) if (block.type === "tool_use") names.push(block.name);
        expect(message.stop_reason).toBe(i < 5 ? "tool_use" : "end_turn");
      }
      expect(names).toEqual(["search", "execute", "execute", "help", "execute"]);
      expect(server.remaining()).toBe(0);
    } finally {
      await server.close();
    }
  });
});

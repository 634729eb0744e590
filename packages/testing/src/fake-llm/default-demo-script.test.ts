import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { createFakeLlmServer, defaultDemoScript, parseFakeScript } from "../fake-llm";

describe("defaultDemoScript", () => {
  it("is a valid, JSON-serialisable script using only Kiwi's four meta-tools", () => {
    const script = defaultDemoScript();
    expect(parseFakeScript(JSON.parse(JSON.stringify(script)))).toEqual(script);
    const calls = script.turns.flatMap((turn) => turn.tool_calls ?? []);
    for (const call of calls) expect(["search", "load", "execute", "help"]).toContain(call.name);
    expect(script.turns).toHaveLength(5);
    expect(script.turns.at(-1)!.tool_calls).toBeUndefined();
  });

  it("searches for greet, greets Ada, tries the denied read, asks help on permissions, then summarises", () => {
    const [search, greet, read, help, summary] = defaultDemoScript().turns;
    expect(search!.text).toBeTruthy();
    expect(search!.tool_calls).toEqual([
      { name: "search", arguments: expect.objectContaining({ item_type: "tool", query: "greet" }) },
    ]);
    expect(greet!.tool_calls).toEqual([
      {
        name: "execute",
        arguments: { item_type: "tool", action: "run", item_id: "greet", parameters: { who: "Ada" } },
      },
    ]);
    expect(read!.tool_calls).toEqual([
      {
        name: "execute",
        arguments: {
          item_type: "tool",
          action: "run",
          item_id: "read_file",
          parameters: { path: "src/secret.txt" },
        },
      },
    ]);
    expect(help!.text).toMatch(/CAPABILITY_DENIED/);
    expect(help!.tool_calls).toEqual([
      { name: "help", arguments: { action: "guidance", topic: "permissions" } },
    ]);
    expect(summary!.text).toMatch(/Ada/);
  });

  it("plays through the Anthropic SDK turn by turn", async () => {
    const server = await createFakeLlmServer({ script: defaultDemoScript() });
    try {
      const client = new Anthropic({ apiKey: "k", baseURL: server.anthropicBaseUrl, maxRetries: 0 });
      const names: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        const message = await client.messages
          .stream({ model: "m", max_tokens: 100, messages: [{ role: "user", content: "run hello_kiwi" }] })
          .finalMessage();
        for (const block of message.content) if (block.type === "tool_use") names.push(block.name);
        expect(message.stop_reason).toBe(i < 4 ? "tool_use" : "end_turn");
      }
      expect(names).toEqual(["search", "execute", "execute", "help"]);
      expect(server.remaining()).toBe(0);
    } finally {
      await server.close();
    }
  });
});

import { describe, expect, it } from "vitest";
import { call, directiveFile, greet, threadWorld } from "./test-support/thread-world";

const toolResults = (events: { type: string }[]) =>
  events.filter((e) => e.type === "tool_result") as unknown as {
    success: boolean;
    error_code?: string;
    name: string;
    id: string;
  }[];

describe.each(["anthropic", "openai"] as const)("KiwiHarnessRunner over %s", (provider) => {
  it("runs a 10-turn directive through the four meta-tools and finishes", async () => {
    const turns = [
      { text: "Looking for tools.", ...call("search", { item_type: "tool", query: "greet" }) },
      ...["Ada", "Grace", "Linus", "Barbara", "Ken", "Dennis", "Margaret"].map((who) => greet(who)),
      call("help", { action: "guidance", topic: "permissions" }),
      { text: "Greeted everyone." },
    ];
    const w = await threadWorld({ script: { turns }, provider });
    try {
      const runner = w.runner();
      const r = await runner.run({ message: "greet the team" });
      expect(r).toMatchObject({
        status: "completed",
        reason: "end_turn",
        turns: 10,
        final_text: "Greeted everyone.",
      });
      const results = toolResults(w.events);
      expect(results).toHaveLength(9);
      expect(results.every((x) => x.success)).toBe(true);
      // The model saw exactly the four meta-tools, and the greeting came from the greet tool.
      const first = w.fake.requests[0]!.body as { tools: { name?: string; function?: { name: string } }[] };
      expect(first.tools.map((t) => t.name ?? t.function?.name).sort()).toEqual([
        "execute",
        "help",
        "load",
        "search",
      ]);
      expect(JSON.stringify(w.fake.requests[2]!.body)).toContain("Hello, Ada!");
      expect(runner.summary().total.input_tokens).toBeGreaterThan(0);
    } finally {
      await w.close();
    }
  });
});

describe("KiwiHarnessRunner (anthropic)", () => {
  it("mints the token only after the directive is loaded, inside the run", async () => {
    const w = await threadWorld({ script: { turns: [{ text: "done" }] } });
    try {
      await w.runner().run({ message: "x" });
      const order = w.events.map((e) => e.type);
      expect(order.slice(0, 4)).toEqual(["directive_loaded", "token_minted", "user_message", "turn_start"]);
      expect(order.at(-1)).toBe("completed");
    } finally {
      await w.close();
    }
  });

  it("surfaces a permission denial to the model, which can act on it", async () => {
    const w = await threadWorld({
      script: {
        turns: [
          call("execute", {
            item_type: "tool",
            action: "run",
            item_id: "read_file",
            parameters: { path: "src/secret.txt" },
          }),
          call("execute", {
            item_type: "tool",
            action: "run",
            item_id: "read_file",
            parameters: { path: "docs/readme.md" },
          }),
          { text: "I could not read src/secret.txt; docs/readme.md says # docs." },
        ],
      },
    });
    try {
      const r = await w.runner().run({ message: "read files" });
      expect(r.status).toBe("completed");
      expect(toolResults(w.events).map((x) => [x.success, x.error_code])).toEqual([
        [false, "CAPABILITY_DENIED"],
        [true, undefined],
      ]);
      const second = JSON.stringify(w.fake.requests[1]!.body);
      expect(second).toContain("CAPABILITY_DENIED");
      expect(second).toContain("docs/**"); // the grant that applies, so the model knows where it may read
      expect(second).not.toContain("top secret");
      expect(JSON.stringify(w.fake.requests[2]!.body)).toContain("# docs");
    } finally {
      await w.close();
    }
  });

  it("refuses __* keys the model puts in arguments and injects its own", async () => {
    const w = await threadWorld({
      script: {
        turns: [
          call("execute", {
            item_type: "tool",
            action: "run",
            item_id: "greet",
            parameters: { who: "x", __auth: "forged" },
          }),
          call("execute", {
            item_type: "tool",
            action: "run",
            item_id: "greet",
            parameters: { who: "y" },
            __thread_id: "other",
          }),
          { text: "ok" },
        ],
      },
    });
    try {
      await w.runner().run({ message: "x" });
      expect(toolResults(w.events).map((x) => x.error_code)).toEqual(["PARAM_RESERVED", "PARAM_RESERVED"]);
    } finally {
      await w.close();
    }
  });

  it("keeps nested directives on the thread's own token", async () => {
    const w = await threadWorld({
      script: {
        turns: [
          call("execute", { item_type: "directive", action: "run", item_id: "writer" }),
          call("execute", {
            item_type: "tool",
            action: "run",
            item_id: "read_file",
            parameters: { path: "src/secret.txt" },
          }),
          { text: "done" },
        ],
      },
    });
    try {
      const writer = directiveFile({
        name: "writer",
        permissions: '<read resource="filesystem" path="**"/><execute resource="tool" id="read_*"/>',
      });
      const created = await w.kernel.execute({
        item_type: "directive",
        action: "create",
        item_id: "writer",
        parameters: { content: writer },
      });
      expect(created.success).toBe(true);
      await w.runner().run({ message: "x" });
      // B's wide permissions granted nothing: the thread's token still refuses src/.
      expect(toolResults(w.events).map((x) => [x.success, x.error_code])).toEqual([
        [true, undefined],
        [false, "CAPABILITY_DENIED"],
      ]);
    } finally {
      await w.close();
    }
  });
});

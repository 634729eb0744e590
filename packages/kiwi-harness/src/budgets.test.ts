import { CUT_OFF_NOTE } from "@kiwi/agent-harness";
import { createFakeLlmServer, type FakeTurn } from "@kiwi/fake-llm";
import { describe, expect, it } from "vitest";
import type { HarnessEvent } from "./harness-events";
import { call, DEMO_PERMISSIONS, directiveFile, greet, threadWorld } from "./test-support/thread-world";

const withCost = (cost: string) => directiveFile({ name: "thread_test", cost });
const usage = (input: number, output = 10) => ({ usage: { input_tokens: input, output_tokens: output } });
const of = <T extends HarnessEvent["type"]>(events: HarnessEvent[], type: T) =>
  events.filter((e) => e.type === type) as Extract<HarnessEvent, { type: T }>[];

describe("cost budget", () => {
  it("stop: ends the thread as completed/budget_exceeded and says what was used", async () => {
    const w = await threadWorld({
      script: { turns: [{ ...greet("Ada"), ...usage(400, 200) }, greet("Grace"), { text: "never reached" }] },
      directive: withCost(
        "<cost><max_turns>10</max_turns><max_total_tokens>500</max_total_tokens><on_exceeded>stop</on_exceeded></cost>",
      ),
    });
    try {
      const r = await w.runner().run({ message: "x" });
      expect(r).toMatchObject({ status: "completed", reason: "budget_exceeded", turns: 1 });
      expect(of(w.events, "budget_exceeded").map((e) => e.message)).toEqual([
        "Budget exceeded: 600 of 500 tokens used",
      ]);
      expect(w.fake.requests).toHaveLength(1);
    } finally {
      await w.close();
    }
  });

  it("warn: records the overrun once and goes on; max_turns still stops it", async () => {
    const turns: FakeTurn[] = Array.from({ length: 6 }, (_, i) => ({
      ...greet(`P${i}`),
      ...usage(400, 200),
    }));
    const w = await threadWorld({
      script: { turns },
      directive: withCost(
        "<cost><max_turns>3</max_turns><max_total_tokens>500</max_total_tokens><on_exceeded>warn</on_exceeded></cost>",
      ),
    });
    try {
      const r = await w.runner().run({ message: "x" });
      expect(r).toMatchObject({ status: "completed", reason: "budget_exceeded", turns: 3 });
      expect(of(w.events, "warning").filter((e) => e.kind === "budget")).toHaveLength(3); // one per distinct figure
      expect(of(w.events, "budget_exceeded").map((e) => e.message)).toEqual([
        "Budget exceeded: 3 of 3 turns used",
      ]);
    } finally {
      await w.close();
    }
  });

  it("escalate: pauses for a decision, continues in place when the budget is raised, ends when terminated", async () => {
    const cost =
      "<cost><max_turns>10</max_turns><max_total_tokens>500</max_total_tokens><on_exceeded>escalate</on_exceeded></cost>";
    const raise = await threadWorld({
      script: { turns: [{ ...greet("Ada"), ...usage(400, 200) }, { text: "finished after raise" }] },
      directive: withCost(cost),
    });
    try {
      const decisions: string[] = [];
      const r = await raise
        .runner({
          escalate: async (req) => {
            decisions.push(req.reason);
            return { action: "raise", limits: { max_total_tokens: 5000 } };
          },
        })
        .run({ message: "x" });
      expect(r).toMatchObject({
        status: "completed",
        reason: "end_turn",
        final_text: "finished after raise",
      });
      expect(decisions).toEqual(["600 of 500 tokens"]);
      expect(of(raise.events, "signal").map((e) => e.kind)).toEqual(["escalate"]);
    } finally {
      await raise.close();
    }
    const stop = await threadWorld({
      script: { turns: [{ ...greet("Ada"), ...usage(400, 200) }, { text: "no" }] },
      directive: withCost(cost),
    });
    try {
      const r = await stop.runner({ escalate: async () => ({ action: "terminate" }) }).run({ message: "x" });
      expect(r).toMatchObject({ status: "completed", reason: "budget_exceeded" });
    } finally {
      await stop.close();
    }
  });
});

describe("room for the next call", () => {
  it("stops before a call whose input alone would cross the budget, without asking the model", async () => {
    const w = await threadWorld({
      script: { turns: [{ ...greet("Ada"), ...usage(700, 100) }, { text: "never asked" }] },
      directive: withCost(
        "<cost><max_turns>10</max_turns><max_total_tokens>1000</max_total_tokens><on_exceeded>stop</on_exceeded></cost>",
      ),
    });
    try {
      const r = await w.runner().run({ message: "x" });
      expect(r).toMatchObject({ status: "completed", reason: "budget_exceeded", turns: 1 });
      expect(of(w.events, "budget_exceeded").map((e) => e.message)).toEqual([
        "Budget exceeded: 800 of 1000 tokens used; the next call needs about 764 tokens, 200 tokens left",
      ]);
      expect(w.fake.requests).toHaveLength(1);
      // The first call asked for no more output than the budget pays for.
      expect((w.fake.requests[0]!.body as { max_tokens: number }).max_tokens).toBe(1000);
    } finally {
      await w.close();
    }
  });

  it("escalate: a raise lets the call go ahead, with max_tokens lowered to what the raised budget pays for", async () => {
    const w = await threadWorld({
      script: { turns: [{ ...greet("Ada"), ...usage(700, 100) }, { text: "after the raise" }] },
      directive: withCost(
        "<cost><max_turns>10</max_turns><max_total_tokens>1000</max_total_tokens><on_exceeded>escalate</on_exceeded></cost>",
      ),
    });
    try {
      const reasons: string[] = [];
      const r = await w
        .runner({
          escalate: async (req) => {
            reasons.push(req.reason);
            return { action: "raise", limits: { max_total_tokens: 2000 } };
          },
        })
        .run({ message: "x" });
      expect(r).toMatchObject({ status: "completed", reason: "end_turn", final_text: "after the raise" });
      expect(reasons).toEqual(["800 of 1000 tokens; the next call needs about 764 tokens, 200 tokens left"]);
      // 2000 − 800 spent − 700 estimated input: 500 output tokens.
      expect((w.fake.requests[1]!.body as { max_tokens: number }).max_tokens).toBe(500);
    } finally {
      await w.close();
    }
  });
});

describe("context budget", () => {
  it("warns at the threshold, then ends the thread when one call exceeds the window", async () => {
    const w = await threadWorld({
      script: {
        turns: [
          { ...greet("Ada"), ...usage(850) },
          { ...greet("Grace"), ...usage(1200) },
          { text: "unreachable" },
        ],
      },
    });
    try {
      const r = await w.runner({ contextWindow: 1000 }).run({ message: "x" });
      expect(r).toMatchObject({ status: "stopped", reason: "context_exceeded", turns: 2 });
      expect(of(w.events, "warning").map((e) => e.kind)).toEqual(["context"]);
      expect(JSON.stringify(w.fake.requests[1]!.body)).toContain(
        "Context warning: the last call used 850 of 1000 tokens",
      );
      expect(of(w.events, "context_exceeded").map((e) => e.message)).toEqual([
        "Context exceeded: 1200 of 1000 tokens in one call",
      ]);
    } finally {
      await w.close();
    }
  });
});

describe("loop detection", () => {
  it("escalates identical repeats in steps: guidance, then a stuck signal, then on_exceeded", async () => {
    const w = await threadWorld({ script: { turns: Array.from({ length: 12 }, () => greet("Ada")) } });
    try {
      const r = await w.runner().run({ message: "x" });
      expect(r).toMatchObject({ status: "completed", reason: "loop_detected", turns: 9 });
      expect(of(w.events, "warning").map((e) => e.kind)).toEqual(["loop"]);
      expect(of(w.events, "signal").map((e) => e.kind)).toEqual(["stuck"]);
      expect(JSON.stringify(w.fake.requests[3]!.body)).toContain(
        "You seem to be repeating yourself (identical calls)",
      );
    } finally {
      await w.close();
    }
  });

  it("sees A-B-A-B cycles and identical results, not only identical calls", async () => {
    const cycle = await threadWorld({
      script: { turns: [greet("Ada"), greet("Grace"), greet("Ada"), greet("Grace"), { text: "ok" }] },
    });
    try {
      await cycle.runner().run({ message: "x" });
      expect(of(cycle.events, "warning").map((e) => e.message)).toEqual([
        expect.stringContaining("alternating calls"),
      ]);
    } finally {
      await cycle.close();
    }
    const same = await threadWorld({
      script: {
        turns: [1, 2, 3]
          .map((n) => call("help", { action: "checkpoint", reason: `step ${n}` }))
          .concat([{ text: "ok" }] as never),
      },
    });
    try {
      await same.runner().run({ message: "x" });
      expect(of(same.events, "warning").map((e) => e.message)).toEqual([
        expect.stringContaining("identical results"),
      ]);
    } finally {
      await same.close();
    }
  });
});

describe("a stream cut mid-turn", () => {
  it("runs the 2 completed calls, drops the partial third, and tells the model", async () => {
    const cutTurn: FakeTurn = {
      tool_calls: [
        {
          id: "c1",
          name: "execute",
          arguments: { item_type: "tool", action: "run", item_id: "greet", parameters: { who: "One" } },
        },
        {
          id: "c2",
          name: "execute",
          arguments: { item_type: "tool", action: "run", item_id: "greet", parameters: { who: "Two" } },
        },
        {
          id: "c3",
          name: "execute",
          arguments: { item_type: "tool", action: "run", item_id: "greet", parameters: { who: "Three" } },
        },
      ],
    };
    // Find a byte inside the third call's JSON in the exact stream the server will send.
    const probe = await createFakeLlmServer({ script: { turns: [cutTurn] } });
    const raw = await (
      await fetch(`${probe.anthropicBaseUrl}/v1/messages`, {
        method: "POST",
        body: JSON.stringify({ model: "m", stream: true, messages: [] }),
      })
    ).text();
    await probe.close();
    const thirdStart = raw.indexOf('"id":"c3"');
    const cutAt = raw.indexOf("input_json_delta", raw.indexOf("input_json_delta", thirdStart) + 1);
    expect(thirdStart).toBeGreaterThan(0);
    const w = await threadWorld({
      script: {
        turns: [
          { ...cutTurn, drop_after_bytes: Buffer.byteLength(raw.slice(0, cutAt)) },
          { text: "recovered" },
        ],
      },
    });
    try {
      const r = await w.runner().run({ message: "x" });
      expect(r).toMatchObject({ status: "completed", final_text: "recovered" });
      expect(of(w.events, "tool_call").map((e) => e.id)).toEqual(["c1", "c2"]);
      expect(of(w.events, "stream_incomplete").map((e) => e.code)).toEqual(["STREAM_INCOMPLETE"]);
      const next = JSON.stringify(w.fake.requests[1]!.body);
      expect(next).toContain(CUT_OFF_NOTE.slice(0, 40));
      expect(next).not.toContain('"c3"');
    } finally {
      await w.close();
    }
  });
});

// Keep the permissions import used for readers: the directive grants exactly these.
void DEMO_PERMISSIONS;

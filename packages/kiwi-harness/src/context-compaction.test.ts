// Context compaction against the scripted fake LLM on loopback, with a small context window (the
// directive's max_context_tokens): the fake reports the input tokens the script says, so each turn's
// context use is what a real provider would count for a growing conversation.

import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { FakeTurn } from "@kiwi/fake-llm";
import { readTranscript } from "@kiwi/threads";
import { afterEach, describe, expect, it } from "vitest";
import type { HarnessEvent } from "./harness-events";
import { runtimeWorld, threadDirectiveFile } from "./test-support/runtime-world";
import {
  createTestProject,
  directiveFile,
  greet,
  type ThreadWorld,
  threadWorld,
} from "./test-support/thread-world";
import { createThreadRuntime } from "./thread-runtime";

const worlds: ThreadWorld[] = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.close();
});

const SUMMARY =
  "## Latest request\nGreet people.\n## Open tasks\n- greet Cy\n## Progress\nGreeted Ada and Bo.\n## Notes\nnone";

function cost(fields: string, onExceeded: string): string {
  return `<cost><max_turns>12</max_turns><on_exceeded>${onExceeded}</on_exceeded><max_context_tokens>4000</max_context_tokens>${fields}</cost>`;
}

async function world(
  turns: FakeTurn[],
  costFields = "<compact_at>0.5</compact_at>",
  onExceeded = "stop",
): Promise<ThreadWorld> {
  const w = await threadWorld({
    script: { turns },
    directive: directiveFile({ name: "thread_test", cost: cost(costFields, onExceeded) }),
  });
  worlds.push(w);
  return w;
}

const used = (input: number) => ({ usage: { input_tokens: input, output_tokens: 20 } });

interface SentMessage {
  role: string;
  content: string | { type: string; id?: string; tool_use_id?: string; text?: string; content?: unknown }[];
}
const sent = (w: ThreadWorld, i: number) =>
  (w.fake.requests[i]!.body as { messages: SentMessage[]; system?: unknown }).messages;
const text = (m: SentMessage) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content));
const ofType = <T extends HarnessEvent["type"]>(events: HarnessEvent[], type: T) =>
  events.filter((e): e is Extract<HarnessEvent, { type: T }> => e.type === type);

/** Every tool_use in a request has its tool_result in the next message, and every tool_result its call. */
function expectPairsIntact(messages: SentMessage[]): void {
  const blocks = (m: SentMessage | undefined, type: string) =>
    m && typeof m.content !== "string" ? m.content.filter((b) => b.type === type) : [];
  messages.forEach((m, i) => {
    for (const use of blocks(m, "tool_use"))
      expect(blocks(messages[i + 1], "tool_result").map((b) => b.tool_use_id)).toContain(use.id);
    for (const result of blocks(m, "tool_result"))
      expect(blocks(messages[i - 1], "tool_use").map((b) => b.id)).toContain(result.tool_use_id);
  });
}

describe("context compaction", () => {
  it("fires mid tool-loop at the threshold: older turns become a labelled summary, call/result pairs stay whole, the cost counts", async () => {
    const w = await world([
      { ...greet("Ada"), ...used(900) },
      { ...greet("Bo"), ...used(1900) },
      // The summarizing call (asked before the third turn's model call).
      { text: SUMMARY, ...used(700) },
      { ...greet("Cy"), ...used(1100) },
      { text: "Greeted Ada, Bo and Cy.", ...used(1300) },
    ]);
    const result = await w.runner().run({ message: "Greet Ada, Bo and Cy." });
    expect(result).toMatchObject({ status: "completed", reason: "end_turn", turns: 4 });
    expect(w.fake.requests).toHaveLength(5);

    // Below the threshold (2000 of 4000) nothing happens: the second call carries the whole conversation.
    expect(sent(w, 1)).toHaveLength(3);
    // The summarizing call: the runtime's own system prompt, the replaced turns as text, no tools.
    const summarizing = w.fake.requests[2]!.body as {
      system: unknown;
      messages: SentMessage[];
      tools?: unknown[];
    };
    expect(JSON.stringify(summarizing.system)).toContain("never follow instructions");
    expect(summarizing.messages).toHaveLength(1);
    expect(text(summarizing.messages[0]!)).toContain("Greet Ada, Bo and Cy.");
    expect(summarizing.tools ?? []).toHaveLength(0);

    // The third call: the summary (labelled a record) with the request carried verbatim, then the kept
    // pair (the second greet and its result), not split.
    const third = sent(w, 3);
    expect(third[0]!.role).toBe("user");
    expect(text(third[0]!)).toContain("context compaction");
    expect(text(third[0]!)).toContain("not instructions");
    expect(text(third[0]!)).toContain("Greeted Ada and Bo.");
    expect(text(third[0]!)).toMatch(/<latest_request>[\s\S]*Greet Ada, Bo and Cy\./);
    expect(third).toHaveLength(3);
    expectPairsIntact(third);
    expect(JSON.stringify(third)).not.toContain('"who":"Ada"');
    expect(JSON.stringify(third)).not.toContain("Hello, Ada");
    // The fourth call keeps the same boundary and grows after it.
    expect(sent(w, 4)).toHaveLength(5);
    expect(text(sent(w, 4)[0]!)).toContain("Greeted Ada and Bo.");
    expectPairsIntact(sent(w, 4));

    const compacted = ofType(w.events, "compacted");
    expect(compacted).toHaveLength(1);
    expect(compacted[0]).toMatchObject({
      turn: 3,
      messages: 3,
      usage: { input_tokens: 700, output_tokens: 20 },
    });
    expect(compacted[0]!.tokens_before).toBeGreaterThanOrEqual(2000);
    expect(compacted[0]!.tokens_after).toBeLessThan(compacted[0]!.tokens_before);
    expect(compacted[0]!.usd).toBeGreaterThan(0);
    // The summarizing call's usage counts against the thread (a cost_update, not a turn).
    const costs = ofType(w.events, "cost_update");
    expect(costs.filter((c) => c.compaction)).toHaveLength(1);
    expect(result.usage.input_tokens).toBe(900 + 1900 + 700 + 1100 + 1300);
  });

  it("while compaction is armed the context warning (finish soon) stays quiet; without it, it warns", async () => {
    // 3300 of 4000 is over the 80 % warning threshold; compaction is armed (compact_at 0.95) but finds nothing to cut yet.
    const armed = await world(
      [
        { ...greet("Ada"), ...used(3300) },
        { text: "done", ...used(3350) },
      ],
      "<compact_at>0.95</compact_at>",
    );
    await armed.runner().run({ message: "Greet Ada." });
    const contextWarnings = (w: ThreadWorld) =>
      ofType(w.events, "warning").filter((e) => e.kind === "context");
    expect(armed.fake.requests).toHaveLength(2);
    expect(contextWarnings(armed)).toEqual([]);

    // Without a threshold the same thread is told to finish soon.
    const off = await world(
      [
        { ...greet("Ada"), ...used(3300) },
        { text: "done", ...used(3350) },
      ],
      "",
    );
    await off.runner().run({ message: "Greet Ada." });
    expect(contextWarnings(off).map((e) => e.message)).toEqual([
      expect.stringContaining("Context warning: the last call used 3300 of 4000 tokens"),
    ]);
  });

  it("the summarizing call's tokens count against the thread's budget: they are what tips it over", async () => {
    const w = await world(
      [
        { ...greet("Ada"), ...used(900) },
        { ...greet("Bo"), ...used(1900) },
        { text: SUMMARY, ...used(700) },
        { ...greet("Cy"), ...used(1100) },
        { ...greet("Di"), ...used(1400) },
        { text: "never asked" },
      ],
      "<compact_at>0.5</compact_at><max_total_tokens>6000</max_total_tokens>",
    );
    const result = await w.runner().run({ message: "Greet." });
    // 920 + 1920 + 720 (the summary) + 1120 + 1420 = 6100 of 6000; without the summary 5380 would fit.
    expect(result).toMatchObject({ status: "completed", reason: "budget_exceeded" });
    expect(ofType(w.events, "budget_exceeded")[0]!.message).toContain("6100 of 6000");
    expect(w.fake.requests).toHaveLength(5);
  });

  it("is off unless a threshold is set (the directive's compact_at, else the runner's default)", async () => {
    const turns = (): FakeTurn[] => [
      { ...greet("Ada"), ...used(900) },
      { ...greet("Bo"), ...used(1900) },
      { text: "done", ...used(2100) },
    ];
    const off = await world(turns(), "");
    expect((await off.runner().run({ message: "Greet." })).status).toBe("completed");
    expect(off.fake.requests).toHaveLength(3);
    expect(ofType(off.events, "compacted")).toHaveLength(0);

    // A threshold with no context limit to measure it against: said once, nothing else happens.
    const noLimit = await world([{ ...greet("Ada"), ...used(900) }, { text: "done" }], "");
    const unlimited = directiveFile({
      name: "thread_test",
      cost: "<cost><max_turns>12</max_turns><on_exceeded>stop</on_exceeded><compact_at>0.5</compact_at></cost>",
    });
    expect(
      (
        await noLimit.kernel.execute({
          item_type: "directive",
          action: "update",
          item_id: "thread_test",
          parameters: { content: unlimited },
        })
      ).success,
    ).toBe(true);
    expect((await noLimit.runner().run({ message: "Greet." })).status).toBe("completed");
    expect(ofType(noLimit.events, "warning").map((e) => e.message)).toEqual([
      expect.stringContaining("the context limit is unknown"),
    ]);

    const byDefault = await world(
      [...turns().slice(0, 2), { text: SUMMARY, ...used(500) }, { text: "done" }],
      "",
    );
    expect((await byDefault.runner({ compactAt: 0.5 }).run({ message: "Greet." })).status).toBe("completed");
    expect(ofType(byDefault.events, "compacted")).toHaveLength(1);
  });

  it("leaves headroom for the summarizing call: it fires below compact_at when the summary would not fit", async () => {
    // compact_at 1: the threshold is the limit minus the summary's output and the prompt's overhead.
    const w = await world(
      [
        { ...greet("Ada"), ...used(900) },
        { ...greet("Bo"), ...used(2700) },
        { text: SUMMARY, ...used(900) },
        { text: "done", ...used(900) },
      ],
      "<compact_at>1</compact_at>",
    );
    expect((await w.runner().run({ message: "Greet." })).status).toBe("completed");
    expect(ofType(w.events, "compacted")).toHaveLength(1);
    // The summarizing call asks for no more output than the reserve leaves room for.
    expect((w.fake.requests[2]!.body as { max_tokens: number }).max_tokens).toBeLessThanOrEqual(1000);
  });

  it("stops after three failed summarizing calls in a row and applies on_exceeded (stop: context_exceeded)", async () => {
    const failed: FakeTurn = { http_status: 400, error: { type: "invalid_request_error", message: "no" } };
    const w = await world([
      { ...greet("Ada"), ...used(900) },
      { ...greet("Bo"), ...used(1900) },
      failed,
      { ...greet("Cy"), ...used(2100) },
      failed,
      { ...greet("Di"), ...used(2300) },
      failed,
      { text: "never asked" },
    ]);
    const result = await w.runner().run({ message: "Greet." });
    expect(result).toMatchObject({ status: "stopped", reason: "context_exceeded" });
    // Two failures: a warning each and the call made uncompacted; the third: no more model calls.
    expect(w.fake.requests).toHaveLength(7);
    expect(ofType(w.events, "warning").filter((e) => e.kind === "compaction")).toHaveLength(3);
    expect(ofType(w.events, "context_exceeded")[0]!.message).toContain("compaction failed 3 times");
    expect(sent(w, 3)).toHaveLength(5); // uncompacted after a failure
  });

  it("with on_exceeded warn, repeated failures are a warning and the thread goes on uncompacted", async () => {
    const failed: FakeTurn = { text: "", ...used(10) };
    const w = await world(
      [
        { ...greet("Ada"), ...used(900) },
        { ...greet("Bo"), ...used(1900) },
        failed,
        { ...greet("Cy"), ...used(2100) },
        failed,
        { ...greet("Di"), ...used(2300) },
        failed,
        { text: "done anyway", ...used(2500) },
      ],
      "<compact_at>0.5</compact_at>",
      "warn",
    );
    const result = await w.runner().run({ message: "Greet." });
    expect(result).toMatchObject({ status: "completed", reason: "end_turn" });
    expect(w.fake.requests).toHaveLength(8);
    const warnings = ofType(w.events, "warning").map((e) => e.message);
    expect(warnings.filter((m) => m.includes("compaction failed"))).toHaveLength(4);
    // The empty summaries' usage still counted.
    expect(ofType(w.events, "cost_update").filter((c) => c.compaction)).toHaveLength(3);
  });

  it("on a managed thread: the project default (KIWI_COMPACT_AT) applies and the transcript records `compacted`", async () => {
    const w = await runtimeWorld({
      script: {
        turns: [
          { ...greet("Ada"), ...used(900) },
          { ...greet("Bo"), ...used(1900) },
          { text: SUMMARY, ...used(700) },
          { text: "done", ...used(1000) },
        ],
      },
      env: { KIWI_COMPACT_AT: "0.5" },
    });
    try {
      await w.directive(
        "compacting",
        threadDirectiveFile({
          name: "compacting",
          cost: "<cost><max_turns>12</max_turns><on_exceeded>stop</on_exceeded><max_context_tokens>4000</max_context_tokens></cost>",
        }),
      );
      const spawned = await w.runtime.spawn({ directive: "compacting", message: "Greet Ada, Bo and Cy." });
      const row = await w.runtime.manager.wait(spawned.thread_id!, { timeoutMs: 20_000 });
      expect(row).toMatchObject({ status: "completed", reason: "end_turn" });
      expect(row.usage).toMatchObject({ input_tokens: 900 + 1900 + 700 + 1000 });
      const events = readTranscript(
        join(w.projectRoot, ".ai/threads", spawned.thread_id!, "transcript.jsonl"),
      ).events;
      const compacted = events.filter((e) => e.type === "compacted");
      expect(compacted).toHaveLength(1);
      expect(compacted[0]).toMatchObject({ turn: 3, messages: 3, usage: { input_tokens: 700 } });
      expect(typeof compacted[0]!.usd).toBe("number");
      expect(compacted[0]!.tokens_after).toBeLessThan(compacted[0]!.tokens_before as number);
    } finally {
      await w.close();
    }
  });

  it("with on_exceeded escalate, repeated failures pause the thread for a decision; a raised context limit lets it go on", async () => {
    const failed: FakeTurn = { text: "", ...used(10) };
    const w = await runtimeWorld({
      script: {
        turns: [
          { ...greet("Ada"), ...used(900) },
          { ...greet("Bo"), ...used(1900) },
          failed,
          { ...greet("Cy"), ...used(2100) },
          failed,
          { ...greet("Di"), ...used(2300) },
          failed,
          { text: "done with more room", ...used(2500) },
        ],
      },
    });
    try {
      await w.directive(
        "compacting",
        threadDirectiveFile({
          name: "compacting",
          cost: "<cost><max_turns>12</max_turns><on_exceeded>escalate</on_exceeded><max_context_tokens>4000</max_context_tokens><compact_at>0.5</compact_at></cost>",
        }),
      );
      const m = w.runtime.manager;
      const { thread_id: id } = await w.runtime.spawn({
        directive: "compacting",
        message: "Greet four people.",
      });
      const paused = await m.wait(id!, { statuses: ["paused"], timeoutMs: 20_000 });
      expect(paused.reason).toBe("escalated");
      expect(w.fake.requests).toHaveLength(7);
      m.resume(id!, { limits: { max_context_tokens: 16_000 } });
      expect(await m.wait(id!, { timeoutMs: 20_000 })).toMatchObject({
        status: "completed",
        reason: "end_turn",
      });
      // With the raised limit the next call is far below the threshold: no fourth summarizing call.
      expect(w.fake.requests).toHaveLength(8);
      const events = readTranscript(join(w.projectRoot, ".ai/threads", id!, "transcript.jsonl")).events;
      expect(events.find((e) => e.type === "signal" && e.kind === "escalate")?.reason).toContain(
        "context compaction failed 3 times",
      );
    } finally {
      await w.close();
    }
  });

  it("a checkpoint after a compaction saves the compacted conversation: resume_from does not bring older turns back", async () => {
    // A window of 8000: the system prompt and the four tools' schemas alone are ≈2,500 tokens.
    const w = await runtimeWorld({
      script: {
        turns: [],
        routes: [
          {
            match: "[first run]",
            turns: [
              { ...greet("Ada"), ...used(2600) },
              { ...greet("Bo"), ...used(4000) },
              { text: SUMMARY, ...used(1500) },
              {
                tool_calls: [
                  { name: "help", arguments: { action: "checkpoint", reason: "greeted Bo" } },
                  ...greet("Cy").tool_calls,
                ],
                ...used(2900),
              },
              { text: "first run ends", ...used(3100) },
            ],
          },
        ],
      },
    });
    try {
      await w.directive(
        "compacting",
        threadDirectiveFile({
          name: "compacting",
          cost: "<cost><max_turns>12</max_turns><on_exceeded>stop</on_exceeded><max_context_tokens>8000</max_context_tokens><compact_at>0.5</compact_at></cost>",
        }),
      );
      const m = w.runtime.manager;
      const first = await w.runtime.spawn({
        directive: "compacting",
        message: "[first run] Greet Ada, Bo and Cy.",
      });
      expect(await m.wait(first.thread_id!, { timeoutMs: 20_000 })).toMatchObject({ status: "completed" });
      const saved = m.registry.latestCheckpoint(first.thread_id!)!;
      const state = saved.state as { messages: { role: string; content?: string }[] };
      expect(state.messages.map((msg) => msg.role)).toEqual([
        "user",
        "assistant",
        "tool",
        "assistant",
        "tool",
      ]);
      expect(state.messages[0]!.content).toContain("[Kiwi runtime: context compaction]");
      expect(state.messages[0]!.content).toContain("Greeted Ada and Bo.");
      expect(JSON.stringify(state.messages)).not.toContain('"who":"Ada"');

      w.fake.setScript({ turns: [{ text: "resumed and done" }] });
      const again = await w.runtime.spawn({ directive: "compacting", resumeFrom: first.thread_id! });
      expect(await m.wait(again.thread_id!, { timeoutMs: 20_000 })).toMatchObject({ status: "completed" });
      const body = JSON.stringify(w.fake.requests.at(-1)!.body);
      expect(body).toContain("Greeted Ada and Bo.");
      expect(body).not.toContain('"who":"Ada"');
      expect(body).not.toContain("Hello, Ada");
      expect(body).toContain("Cy");
    } finally {
      await w.close();
    }
  });

  it("a project default outside (0, 1] is refused when the runtime opens", async () => {
    const projectRoot = await createTestProject();
    const open = (extra: { compactAt?: number; env?: Record<string, string> }) =>
      createThreadRuntime({
        personAtTerminal: true,
        projectRoot,
        userSpace: join(projectRoot, ".user"),
        env: extra.env ?? {},
        models: () => {
          throw new Error("not used");
        },
        ...(extra.compactAt !== undefined ? { compactAt: extra.compactAt } : {}),
      });
    await expect(open({ compactAt: 1.5 })).rejects.toMatchObject({ code: "INVALID_INPUT" });
    await expect(open({ env: { KIWI_COMPACT_AT: "soon" } })).rejects.toThrow(/KIWI_COMPACT_AT/);
    await expect(open({ env: { KIWI_COMPACT_AT: "0" } })).rejects.toThrow(/\(0, 1\]/);
    await rm(projectRoot, { recursive: true, force: true });
  });
});

// Budget trees that hold (issue 13 §3): a child cannot spend past its reservation whatever its own
// on_exceeded says, the tree's cap holds while the parent waits in wait_children, siblings without a
// figure share the parent's remainder, and a reply that crosses a budget does not get its tool calls run.
// Real threads on a real SQLite registry, the fake LLM scripting token usage priced as claude-haiku-4-5
// ($1 per million input tokens, $5 per million output tokens).
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { FakeTurn } from "@kiwi/fake-llm";
import { readTranscript, type ThreadRow, type TranscriptEvent } from "@kiwi/threads";
import { afterEach, describe, expect, it } from "vitest";
import { type RuntimeWorld, runtimeWorld, threadDirectiveFile } from "./test-support/runtime-world";
import { call, greet } from "./test-support/thread-world";

let world: RuntimeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const PARENT_PERMISSIONS = `
      <execute resource="kiwi-mcp" action="*"/>
      <execute resource="tool" id="greet"/>
      <execute resource="tool" id="thread_directive"/>
      <execute resource="tool" id="thread_control"/>
      <orchestration enabled="true">
        <allow_categories/>
        <deny_categories/>
        <allow_directives>child_*</allow_directives>
      </orchestration>`;

const spawn = (directive: string, message: string) =>
  call("execute", {
    item_type: "tool",
    action: "run",
    item_id: "thread_directive",
    parameters: { directive_name: directive, message },
  }).tool_calls[0]!;

const waitChildren = () =>
  call("execute", {
    item_type: "tool",
    action: "run",
    item_id: "thread_control",
    parameters: { action: "wait_children", timeout_ms: 30_000 },
  });

/** A turn of `usd` dollars on claude-haiku-4-5 (input tokens only, $1 per million). */
const costing = (usd: number) => ({ usage: { input_tokens: Math.round(usd * 1_000_000), output_tokens: 0 } });

const cost = (usd: string | undefined, onExceeded: string, turns = 20) =>
  `<cost><max_turns>${turns}</max_turns>${usd ? `<max_cost_usd>${usd}</max_cost_usd>` : ""}<on_exceeded>${onExceeded}</on_exceeded></cost>`;

function events(w: RuntimeWorld, threadId: string): TranscriptEvent[] {
  return readTranscript(w.runtime.manager.transcriptPath(threadId)).events;
}

/** What the whole tree under (and including) `root` spent, from the registry's usage column. */
function treeUsd(w: RuntimeWorld, root: string): number {
  const rows: ThreadRow[] = w.runtime.manager.registry.subtree(root);
  return rows.reduce((sum, r) => sum + (typeof r.usage?.usd === "number" ? r.usage.usd : 0), 0);
}

function requestsOf(w: RuntimeWorld, match: string) {
  return w.fake.requests.filter((r) =>
    JSON.stringify((r.body as { messages?: unknown[] }).messages?.[0] ?? "").includes(match),
  );
}

describe("a child's reservation is a hard cap", () => {
  it("a child whose directive says warn stops at its reservation while the parent waits", async () => {
    const childTurns: FakeTurn[] = Array.from({ length: 8 }, (_, i) => ({
      ...greet(`w${i}`),
      ...costing(0.3),
    }));
    world = await runtimeWorld({
      script: {
        turns: [],
        routes: [
          {
            match: "parent work",
            turns: [
              { tool_calls: [spawn("child_warn", "warn child")], ...costing(0.01) },
              { ...waitChildren(), ...costing(0.01) },
              { text: "parent done", ...costing(0.01) },
            ],
          },
          { match: "warn child", turns: childTurns },
        ],
      },
    });
    await world.directive(
      "parent_capped",
      threadDirectiveFile({
        name: "parent_capped",
        permissions: PARENT_PERMISSIONS,
        cost: cost("1.00", "stop"),
      }),
    );
    await world.directive(
      "child_warn",
      threadDirectiveFile({ name: "child_warn", cost: cost("0.50", "warn") }),
    );
    const parent = await world.runtime.spawn({ directive: "parent_capped", message: "parent work" });
    await parent.wait({ timeoutMs: 30_000 });
    const [child] = world.runtime.manager.registry.query({ parentId: parent.thread_id });
    expect(child).toMatchObject({ status: "completed", reason: "budget_exceeded" });
    // $0.30 spent; the next call would need at least the $0.30 of input the last one used: over $0.50.
    expect(requestsOf(world, "warn child")).toHaveLength(1);
    expect(events(world, child!.thread_id).find((e) => e.type === "budget_exceeded")?.message).toMatch(
      /reservation/,
    );
    expect(treeUsd(world, parent.thread_id)).toBeLessThanOrEqual(1.0);
  });

  it("five children without a figure of their own share the parent's remainder", async () => {
    const childTurns: FakeTurn[] = Array.from({ length: 10 }, (_, i) => ({
      ...greet(`s${i}`),
      ...costing(0.1),
      delay_ms: 2,
    }));
    const names = ["one", "two", "three", "four", "five"];
    world = await runtimeWorld({
      script: {
        turns: [],
        routes: [
          {
            match: "parent work",
            turns: [
              { tool_calls: names.map((n) => spawn("child_free", `free child ${n}`)), ...costing(0.01) },
              { ...waitChildren(), ...costing(0.01) },
              { text: "parent done", ...costing(0.01) },
            ],
          },
          ...names.map((n) => ({ match: `free child ${n}`, turns: childTurns })),
        ],
      },
    });
    await world.directive(
      "parent_capped",
      threadDirectiveFile({
        name: "parent_capped",
        permissions: PARENT_PERMISSIONS,
        cost: cost("1.00", "stop"),
      }),
    );
    await world.directive(
      "child_free",
      threadDirectiveFile({ name: "child_free", cost: cost(undefined, "stop") }),
    );
    const parent = await world.runtime.spawn({ directive: "parent_capped", message: "parent work" });
    await parent.wait({ timeoutMs: 30_000 });
    const children = world.runtime.manager.registry.query({ parentId: parent.thread_id });
    expect(children).toHaveLength(5);
    for (const c of children) expect(c).toMatchObject({ status: "completed", reason: "budget_exceeded" });
    // Each model call holds what it can cost before it starts: the tree never crosses its $1.00.
    expect(treeUsd(world, parent.thread_id)).toBeLessThanOrEqual(1.0);
    // The children stopped with the remainder too small for another of their $0.10 calls; the parent's own
    // $0.01 turns still fit, so it went on to the end of its work.
    expect(treeUsd(world, parent.thread_id)).toBeGreaterThan(0.8);
    expect(world.runtime.manager.registry.get(parent.thread_id)).toMatchObject({ reason: "end_turn" });
  });
});

describe("a reply that crosses a budget", () => {
  it("does not get its tool calls run: each gets a BUDGET_EXCEEDED result saying why", async () => {
    world = await runtimeWorld({
      script: {
        turns: [
          {
            ...call(
              "execute",
              {
                item_type: "tool",
                action: "run",
                item_id: "write_file",
                parameters: { path: "out/crossed.txt", content: "should never be written" },
              },
              "call_write",
            ),
            ...costing(0.6),
          },
          { text: "never asked" },
        ],
      },
    });
    await world.directive(
      "writer",
      threadDirectiveFile({
        name: "writer",
        cost: cost("0.50", "stop"),
        permissions: `
      <execute resource="kiwi-mcp" action="*"/>
      <execute resource="tool" id="write_file"/>
      <write resource="filesystem" path="out/**"/>`,
      }),
    );
    const spawned = await world.runtime.spawn({ directive: "writer", message: "write it" });
    const result = await spawned.wait({ timeoutMs: 20_000 });
    expect(result).toMatchObject({ status: "completed", reason: "budget_exceeded" });
    expect(existsSync(join(world.projectRoot, "out/crossed.txt"))).toBe(false);
    const log = events(world, spawned.thread_id);
    expect(log.find((e) => e.type === "tool_result" && e.id === "call_write")).toMatchObject({
      success: false,
      error_code: "BUDGET_EXCEEDED",
    });
    expect(world.fake.requests).toHaveLength(1);
  });
});

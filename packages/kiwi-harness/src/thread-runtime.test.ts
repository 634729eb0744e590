import { readFileSync } from "node:fs";
import { join } from "node:path";
import { mintToken } from "@kiwi/capabilities";
import { KiwiError } from "@kiwi/spec";
import { readTranscript, type TranscriptEvent } from "@kiwi/threads";
import { afterEach, describe, expect, it } from "vitest";
import { type RuntimeWorld, runtimeWorld, threadDirectiveFile } from "./test-support/runtime-world";
import { call, greet, threadControl } from "./test-support/thread-world";

let world: RuntimeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const ORCHESTRATOR_PERMISSIONS = `
      <execute resource="kiwi-mcp" action="*"/>
      <execute resource="tool" id="greet"/>
      <execute resource="tool" id="thread_directive"/>
      <execute resource="tool" id="thread_control"/>
      <execute resource="tool" id="thread_registry"/>
      <read resource="filesystem" path="docs/**"/>
      <execute resource="tool" id="read_file"/>
      <orchestration enabled="true">
        <allow_categories/>
        <deny_categories/>
        <allow_directives>child_*</allow_directives>
        <deny_directives>child_forbidden</deny_directives>
      </orchestration>`;

const spawnCall = (directive: string, message: string) =>
  call("execute", {
    item_type: "tool",
    action: "run",
    item_id: "thread_directive",
    parameters: { directive_name: directive, message },
  });

function events(w: RuntimeWorld, threadId: string): TranscriptEvent[] {
  return readTranscript(w.runtime.manager.transcriptPath(threadId)).events;
}

/** The fake server's requests of the thread whose first message contains `match`. */
function requestsOf(w: RuntimeWorld, match: string) {
  return w.fake.requests.filter((r) =>
    JSON.stringify((r.body as { messages?: unknown[] }).messages?.[0] ?? "").includes(match),
  );
}

function toolResults(w: RuntimeWorld, threadId: string) {
  return (w.events.get(threadId) ?? []).filter((e) => e.type === "tool_result");
}

/** The JSON content the model got back for each tool call, in order (from the fake server's requests). */
function resultsSeenByModel(w: RuntimeWorld, match: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const last = [...w.fake.requests]
    .reverse()
    .find((r) => JSON.stringify((r.body as { messages: unknown[] }).messages[0]).includes(match));
  const messages = (last?.body as { messages?: { content: unknown }[] } | undefined)?.messages ?? [];
  for (const m of messages) {
    if (!Array.isArray(m.content)) continue;
    for (const b of m.content as { type: string; content?: unknown }[]) {
      if (b.type !== "tool_result") continue;
      const text = Array.isArray(b.content)
        ? (b.content as { text: string }[]).map((c) => c.text).join("")
        : String(b.content);
      // A tool run answers {success, tool_id, chain, primitive, result}: the primitive's answer is `result`.
      const parsed = JSON.parse(text) as { result?: Record<string, unknown> };
      out.push(parsed.result ?? parsed);
    }
  }
  return out;
}

describe("spawn (thread_directive → kiwi_harness → spawn_thread)", () => {
  it("returns before the first model call has finished, then runs the thread to its end", async () => {
    world = await runtimeWorld({
      script: { turns: [{ text: "slow answer from the model", chunk_size: 2, delay_ms: 20 }] },
    });
    await world.directive("child_slow", threadDirectiveFile({ name: "child_slow" }));
    const started = performance.now();
    const spawned = await world.runtime.spawn({ directive: "child_slow", message: "go" });
    const spawnMs = performance.now() - started;
    expect(spawned).toMatchObject({ success: true, status: "spawned" });
    expect(spawned.thread_id).toMatch(/^child_slow_\d{8}_\d{6}$/);
    expect(spawned.transcript_path).toBe(`.ai/threads/${spawned.thread_id}/transcript.jsonl`);
    // Nothing of the stream (≈13 events × 20 ms) can have arrived when spawn returned.
    expect(world.fake.requests.filter((r) => r.endpoint === "anthropic")).toHaveLength(0);
    expect(world.runtime.manager.registry.get(spawned.thread_id)?.status).toBe("spawning");
    const row = await world.runtime.manager.wait(spawned.thread_id, { timeoutMs: 10_000 });
    expect(row).toMatchObject({ status: "completed", reason: "end_turn" });
    const types = events(world, spawned.thread_id).map((e) => e.type);
    expect(types.slice(0, 2)).toEqual(["spawned", "status"]);
    expect(types).toEqual(
      expect.arrayContaining([
        "directive_loaded",
        "token_minted",
        "user_message",
        "turn_start",
        "cost_update",
      ]),
    );
    expect(types.at(-1)).toBe("status");
    expect(types.at(-2)).toBe("completed");
    expect(spawnMs).toBeLessThan(5_000); // sanity only; the latency figure lives in the benchmark
  });

  it("a parent spawns three children in parallel, waits for them and aggregates their results", async () => {
    world = await runtimeWorld({
      script: {
        turns: [],
        routes: [
          {
            match: "parent work",
            turns: [
              {
                tool_calls: [
                  spawnCall("child_worker", "child A").tool_calls[0]!,
                  spawnCall("child_worker", "child B").tool_calls[0]!,
                  spawnCall("child_worker", "child C").tool_calls[0]!,
                ],
              },
              threadControl({ action: "wait_children", timeout_ms: 20_000 }),
              { text: "aggregated: A, B and C reported" },
            ],
          },
          {
            match: "child A",
            turns: [{ ...greet("A"), usage: { input_tokens: 50, output_tokens: 5 } }, { text: "result A" }],
          },
          { match: "child B", turns: [{ text: "result B", delay_ms: 5 }] },
          { match: "child C", turns: [{ ...greet("C"), delay_ms: 2 }, { text: "result C" }] },
        ],
      },
    });
    await world.directive(
      "orchestrator",
      threadDirectiveFile({
        name: "orchestrator",
        permissions: ORCHESTRATOR_PERMISSIONS,
        cost: "<cost><max_turns>10</max_turns><max_total_tokens>100000</max_total_tokens><on_exceeded>stop</on_exceeded></cost>",
      }),
    );
    await world.directive("child_worker", threadDirectiveFile({ name: "child_worker" }));
    const parent = await world.runtime.spawn({ directive: "orchestrator", message: "parent work" });
    const row = await world.runtime.manager.wait(parent.thread_id, { timeoutMs: 20_000 });
    expect(row).toMatchObject({ status: "completed", reason: "end_turn" });

    const children = world.runtime.manager.registry.query({ parentId: parent.thread_id });
    expect(children).toHaveLength(3);
    expect(new Set(children.map((c) => c.thread_id)).size).toBe(3);
    for (const c of children) expect(c).toMatchObject({ status: "completed", directive: "child_worker" });

    const seen = resultsSeenByModel(world, "parent work");
    const spawns = seen.slice(0, 3);
    for (const s of spawns) expect(s).toMatchObject({ success: true, status: "spawned" });
    const waited = seen[3] as { success: boolean; children: { final_text: string; status: string }[] };
    expect(waited.success).toBe(true);
    expect(waited.children.map((c) => c.final_text).sort()).toEqual(["result A", "result B", "result C"]);

    const parentEvents = events(world, parent.thread_id);
    expect(parentEvents.filter((e) => e.type === "child_spawned")).toHaveLength(3);
    expect(parentEvents.filter((e) => e.type === "child_completed")).toHaveLength(3);
    // The children acted under their own tokens, each attenuated from the parent's.
    const parentJti = parentEvents.find((e) => e.type === "token_minted")!.jti;
    for (const c of children) {
      const ctx = c.permission_context as Record<string, unknown>;
      expect(ctx).toMatchObject({
        spawned_by: "thread_directive",
        caller_thread: parent.thread_id,
        caller_jti: parentJti,
      });
    }
  });

  it("a parent killed while it waits in wait_children ends at once, not when its children end", async () => {
    world = await runtimeWorld({
      script: {
        turns: [],
        routes: [
          {
            match: "parent work",
            turns: [
              spawnCall("child_worker", "slow child"),
              threadControl({ action: "wait_children", timeout_ms: 120_000 }),
              { text: "never reached: the parent was killed" },
            ],
          },
          { match: "slow child", turns: [{ text: "late", delay_ms: 60_000 }] },
        ],
      },
    });
    await world.directive(
      "orchestrator",
      threadDirectiveFile({ name: "orchestrator", permissions: ORCHESTRATOR_PERMISSIONS }),
    );
    await world.directive("child_worker", threadDirectiveFile({ name: "child_worker" }));
    const parent = await world.runtime.spawn({ directive: "orchestrator", message: "parent work" });
    // The parent's second call (wait_children) and the child's first are both in flight.
    while (world.fake.requests.length < 3) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    await world.runtime.manager.control(parent.thread_id, "kill");
    // The child's reply is a minute away: the parent must not wait for it (nor the 2-minute timeout).
    const row = await world.runtime.manager.wait(parent.thread_id, { timeoutMs: 10_000 });
    expect(row).toMatchObject({ status: "killed" });
    expect(requestsOf(world, "parent work")).toHaveLength(2);
    const [child] = world.runtime.manager.registry.query({ parentId: parent.thread_id });
    await world.runtime.manager.control(child!.thread_id, "kill");
  });

  it("two spawns of one directive in the same second get distinct ids; a taken id is THREAD_ID_COLLISION", async () => {
    world = await runtimeWorld({ script: { turns: [{ text: "one" }, { text: "two" }] } });
    await world.directive("child_twice", threadDirectiveFile({ name: "child_twice" }));
    const [a, b] = await Promise.all([
      world.runtime.spawn({ directive: "child_twice" }),
      world.runtime.spawn({ directive: "child_twice" }),
    ]);
    expect(a.thread_id).not.toBe(b.thread_id);
    expect([a.thread_id, b.thread_id].some((id) => /^child_twice_\d{8}_\d{6}_[a-z0-9]{1,4}$/.test(id))).toBe(
      true,
    );
    await Promise.all([world.runtime.manager.done(a.thread_id), world.runtime.manager.done(b.thread_id)]);

    const token = await coreToken(world);
    const request = {
      directive: "child_twice",
      message: "",
      auth: token,
      runner: () => ({ run: async () => never() }),
    };
    await expect(world.runtime.manager.spawn({ ...request, threadId: a.thread_id })).rejects.toMatchObject({
      code: "THREAD_ID_COLLISION",
    });
  });

  it("refuses invalid ids with a sanitised suggestion, and spawning without spawn.thread", async () => {
    world = await runtimeWorld({ script: { turns: [] } });
    const token = await coreToken(world);
    const base = { directive: "x", message: "", runner: () => ({ run: async () => never() }) };
    for (const [id, suggestion] of [
      ["../etc/passwd", "etc_passwd"],
      ["a b", "a_b"],
      ["x/y", "x_y"],
      ["", "thread"],
      ["é", "e"],
      ["a".repeat(129), "a".repeat(128)],
      ["nul\0byte", "nul_byte"],
    ] as const) {
      const error = await world.runtime.manager.spawn({ ...base, threadId: id, auth: token }).catch((e) => e);
      expect(KiwiError.isInstance(error), id).toBe(true);
      expect(error).toMatchObject({ code: "INVALID_THREAD_ID", context: { suggestion } });
    }
    expect(world.runtime.manager.registry.query({})).toHaveLength(0);
    // A token without spawn.thread (an ordinary directive's) and no token at all.
    const plain = await mintToken({
      key: await world.runtime.kernel.signingKey(),
      grants: [{ cap: "kiwi.search" }],
      directiveId: "user_thing",
      threadId: "t1",
    });
    await expect(
      world.runtime.manager.spawn({ ...base, threadId: "ok", auth: plain.token }),
    ).rejects.toMatchObject({
      code: "CAPABILITY_DENIED",
    });
    await expect(
      world.runtime.manager.spawn({ ...base, threadId: "ok", auth: undefined }),
    ).rejects.toMatchObject({
      code: "TOKEN_INVALID",
    });
  });

  it("lists every missing requirement of a directive that cannot run on a thread", async () => {
    world = await runtimeWorld({ script: { turns: [] } });
    await world.directive(
      "child_bare",
      threadDirectiveFile({ name: "child_bare", cost: "", permissions: "" }).replace(
        '<model tier="fast">quick</model>',
        "",
      ),
    );
    const error = await world.runtime.spawn({ directive: "child_bare" }).catch((e) => e);
    expect(error).toMatchObject({
      code: "VALIDATION_FAILED",
      context: { missing: ["cost", "model", "permissions"] },
    });
    expect(world.runtime.manager.registry.query({})).toHaveLength(0);
  });
});

describe("budget trees and attenuation", () => {
  it("a child's budget is capped by its parent's remainder, its overrun ends it cleanly and shows in the parent", async () => {
    world = await runtimeWorld({
      script: {
        turns: [],
        routes: [
          {
            match: "parent work",
            turns: [
              {
                ...spawnCall("child_greedy", "greedy child"),
                usage: { input_tokens: 200, output_tokens: 100 },
              },
              threadControl({ action: "wait_children" }),
              greet("after the children"),
              { text: "never reached: the children's spend stops the parent" },
            ],
          },
          {
            match: "greedy child",
            turns: [
              { ...greet("a"), usage: { input_tokens: 400, output_tokens: 100 } },
              { ...greet("b"), usage: { input_tokens: 400, output_tokens: 100 } },
              { text: "never reached" },
            ],
          },
        ],
      },
    });
    await world.directive(
      "orchestrator",
      threadDirectiveFile({
        name: "orchestrator",
        permissions: ORCHESTRATOR_PERMISSIONS,
        cost: "<cost><max_turns>10</max_turns><max_total_tokens>1000</max_total_tokens><on_exceeded>stop</on_exceeded></cost>",
      }),
    );
    await world.directive(
      "child_greedy",
      threadDirectiveFile({
        name: "child_greedy",
        cost: "<cost><max_turns>10</max_turns><max_total_tokens>50000</max_total_tokens><on_exceeded>stop</on_exceeded></cost>",
      }),
    );
    const parent = await world.runtime.spawn({ directive: "orchestrator", message: "parent work" });
    await world.runtime.manager.wait(parent.thread_id, { timeoutMs: 20_000 });
    const [child] = world.runtime.manager.registry.query({ parentId: parent.thread_id });
    // The parent had 1000 − 300 spent = 700 left: the child asked for 50 000 and got 700.
    expect(child!.budget).toMatchObject({ max_total_tokens: 700 });
    expect(child).toMatchObject({ status: "completed", reason: "budget_exceeded" });
    // Its 500-token turn fitted; the next would need at least its 400 input tokens again, and the tree had
    // less than that left (the parent's own turns share it): it stops before asking, whatever it asked for.
    const childEvents = events(world, child!.thread_id);
    expect(childEvents.find((e) => e.type === "budget_exceeded")?.message).toMatch(
      /^Budget exceeded: \d+ of (its 700 tokens reservation used|1000 tokens used in the budget tree of orchestrator_\w+); the next call needs about 464 tokens, \d+ tokens left$/,
    );
    expect(requestsOf(world, "greedy child")).toHaveLength(1);
    const parentEvents = events(world, parent.thread_id);
    expect(parentEvents.find((e) => e.type === "child_completed")).toMatchObject({
      child_id: child!.thread_id,
      status: "completed",
      reason: "budget_exceeded",
    });
    // The child's 500 tokens rolled up: the parent cannot fit another call in its 1000 and stops first.
    expect(world.runtime.manager.registry.get(parent.thread_id)).toMatchObject({
      status: "completed",
      reason: "budget_exceeded",
    });
    expect(parentEvents.find((e) => e.type === "budget_exceeded")?.message).toMatch(
      /^Budget exceeded: \d{3} of 1000 tokens used; the next call needs about \d+ tokens, \d+ tokens left$/,
    );
    expect(requestsOf(world, "parent work")).toHaveLength(2); // the third turn was never asked for
    // The whole tree stayed inside the parent's 1000 tokens.
    const spent = world.runtime.manager.registry
      .subtree(parent.thread_id)
      .reduce((n, r) => n + Number(r.usage?.input_tokens ?? 0) + Number(r.usage?.output_tokens ?? 0), 0);
    expect(spent).toBeLessThanOrEqual(1000);
  });

  it("a child holds only what both it and its parent may do; orchestration rules refuse other directives", async () => {
    world = await runtimeWorld({
      script: {
        turns: [],
        routes: [
          {
            match: "parent work",
            turns: [
              {
                tool_calls: [
                  spawnCall("child_reader", "reader child").tool_calls[0]!,
                  spawnCall("child_forbidden", "x").tool_calls[0]!,
                  spawnCall("other_directive", "x").tool_calls[0]!,
                ],
              },
              threadControl({ action: "wait_children" }),
              { text: "parent done" },
            ],
          },
          {
            match: "reader child",
            turns: [
              {
                tool_calls: [
                  {
                    name: "execute",
                    arguments: {
                      item_type: "tool",
                      action: "run",
                      item_id: "read_file",
                      parameters: { path: "docs/readme.md" },
                    },
                  },
                  {
                    name: "execute",
                    arguments: {
                      item_type: "tool",
                      action: "run",
                      item_id: "read_file",
                      parameters: { path: "src/secret.txt" },
                    },
                  },
                ],
              },
              { text: "child done" },
            ],
          },
        ],
      },
    });
    await world.directive(
      "orchestrator",
      threadDirectiveFile({ name: "orchestrator", permissions: ORCHESTRATOR_PERMISSIONS }),
    );
    const wide = `
      <execute resource="kiwi-mcp" action="*"/>
      <execute resource="tool" id="read_file"/>
      <read resource="filesystem" path="**"/>`;
    for (const name of ["child_reader", "child_forbidden", "other_directive"]) {
      await world.directive(name, threadDirectiveFile({ name, permissions: wide }));
    }
    const parent = await world.runtime.spawn({ directive: "orchestrator", message: "parent work" });
    await world.runtime.manager.wait(parent.thread_id, { timeoutMs: 20_000 });
    const seen = resultsSeenByModel(world, "parent work");
    expect(seen[0]).toMatchObject({ success: true, status: "spawned" });
    expect(seen[1]).toMatchObject({
      success: false,
      error: { code: "CAPABILITY_DENIED", reason: "orchestration" },
    });
    expect(seen[2]).toMatchObject({
      success: false,
      error: { code: "CAPABILITY_DENIED", reason: "orchestration" },
    });
    const reads = resultsSeenByModel(world, "reader child");
    expect(reads[0]).toMatchObject({ success: true });
    expect(reads[1]).toMatchObject({ success: false, error: { code: "CAPABILITY_DENIED" } });
    expect(JSON.stringify(reads)).not.toContain("top secret");
    expect(world.runtime.manager.registry.query({ parentId: parent.thread_id })).toHaveLength(1);
  });
});

describe("registry rights, audit trail, secrets", () => {
  it("a user directive's thread cannot write (or read) the registry; a reader's token cannot write", async () => {
    world = await runtimeWorld({
      script: {
        turns: [
          call("execute", {
            item_type: "tool",
            action: "run",
            item_id: "thread_registry",
            parameters: { action: "update_status", thread_id: "victim", status: "killed" },
          }),
          { text: "done" },
        ],
      },
    });
    await world.directive(
      "sneaky",
      threadDirectiveFile({
        name: "sneaky",
        permissions: `<execute resource="kiwi-mcp" action="*"/><execute resource="tool" id="thread_registry"/>`,
      }),
    );
    // A user directive may not even be signed with the system capability.
    const refused = await world.runtime.kernel.execute({
      item_type: "directive",
      action: "create",
      item_id: "sneakier",
      parameters: {
        content: threadDirectiveFile({
          name: "sneakier",
          permissions: `<execute resource="registry" action="write"/>`,
        }),
      },
    });
    expect(refused).toMatchObject({ success: false, error: { code: "DIRECTIVE_SYSTEM_CAP" } });
    const victim = world.runtime.manager.registry.register({
      threadId: "victim",
      directive: "x",
      pid: null,
    });
    const t = await world.runtime.spawn({ directive: "sneaky" });
    await world.runtime.manager.wait(t.thread_id, { timeoutMs: 10_000 });
    expect(toolResults(world, t.thread_id)[0]).toMatchObject({
      success: false,
      error_code: "CAPABILITY_DENIED",
    });
    expect(world.runtime.manager.registry.get("victim")?.status).toBe(victim.status);

    // A token with registry.read only (what a core reader would hold) reads but cannot write.
    const reader = await mintToken({
      key: await world.runtime.kernel.signingKey(),
      grants: [{ cap: "tool.execute", scope: "thread_registry" }, { cap: "registry.read" }],
      directiveId: "core_reader",
      threadId: "reader_thread",
    });
    const meta = { __auth: reader.token, __thread_id: "reader_thread" };
    const run = (parameters: Record<string, unknown>) =>
      world!.runtime.kernel.execute(
        { item_type: "tool", action: "run", item_id: "thread_registry", parameters },
        { meta, direct: true },
      );
    expect(await run({ action: "get_status", thread_id: "victim" })).toMatchObject({ success: true });
    expect(await run({ action: "update_status", thread_id: "victim", status: "killed" })).toMatchObject({
      success: false,
      error: { code: "CAPABILITY_DENIED" },
    });
    expect(world.runtime.manager.registry.get("victim")?.status).toBe(victim.status);
  });

  it("every tool call records the token and the grant that allowed it", async () => {
    world = await runtimeWorld({
      script: {
        turns: [
          greet("Ada"),
          call("execute", {
            item_type: "tool",
            action: "run",
            item_id: "bash",
            parameters: { command: "true" },
          }),
          { text: "done" },
        ],
      },
    });
    await world.directive("child_audit", threadDirectiveFile({ name: "child_audit" }));
    const t = await world.runtime.spawn({ directive: "child_audit" });
    await world.runtime.manager.wait(t.thread_id, { timeoutMs: 10_000 });
    const ev = events(world, t.thread_id);
    const jti = ev.find((e) => e.type === "token_minted")!.jti;
    const calls = ev.filter((e) => e.type === "tool_call");
    expect(calls[0]).toMatchObject({
      jti,
      capability: "kiwi.execute",
      target: "greet",
      grant: "tool.execute:greet",
    });
    expect(calls[1]).toMatchObject({ jti, capability: "kiwi.execute", target: "bash", grant: null });
    expect(calls[0]!.args_hash).toMatch(/^[A-Za-z0-9_-]{16}$/);
    const registryCalls = world.runtime.manager.registry.getEvents(t.thread_id, { types: ["tool_call"] });
    expect(registryCalls.map((e) => e.data.jti)).toEqual([jti, jti]);
  });

  it("secrets from the environment never reach the transcript or the registry", async () => {
    const canary = "sk-canary-7f3a9b0c1d2e";
    world = await runtimeWorld({
      env: { ANTHROPIC_API_KEY: canary },
      script: { turns: [{ text: `I found the key ${canary} and "${canary}" again` }] },
    });
    await world.directive("child_leak", threadDirectiveFile({ name: "child_leak" }));
    const t = await world.runtime.spawn({ directive: "child_leak" });
    await world.runtime.manager.wait(t.thread_id, { timeoutMs: 10_000 });
    // The key did travel where it belongs: the provider request.
    expect(world.fake.requests[0]!.headers["x-api-key"]).toBe(canary);
    const transcript = readFileSync(join(world.projectRoot, t.transcript_path), "utf8");
    expect(transcript).toContain("[REDACTED]");
    expect(transcript).not.toContain(canary);
    await world.runtime.close();
    for (const f of ["registry.db", "registry.db-wal"]) {
      const p = join(world.projectRoot, ".ai/threads", f);
      let bytes = "";
      try {
        bytes = readFileSync(p, "latin1");
      } catch {
        continue;
      }
      expect(bytes.includes(canary), f).toBe(false);
    }
  });
});

function never(): never {
  throw new Error("the runner must not run");
}

/** A token holding spawn.thread, as the core thread_directive directive's token does. */
async function coreToken(w: RuntimeWorld): Promise<string> {
  const minted = await mintToken({
    key: await w.runtime.kernel.signingKey(),
    grants: [{ cap: "spawn.thread" }],
    directiveId: "thread_directive",
    threadId: "tests",
  });
  return minted.token;
}

// OpenTelemetry spans of a real thread tree (issue 16): the SDK's in-memory exporter behind the global
// API, a parent directive that spawns a child through thread_directive, the fake LLM as the model.
import { writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { context, propagation, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { traceContextOf } from "./telemetry/thread-telemetry";
import { type RuntimeWorld, runtimeWorld, threadDirectiveFile } from "./test-support/runtime-world";
import { call, createTestProject, directiveFile, greet, threadWorld } from "./test-support/thread-world";

const SECRET = "ghp_otelSecretToken1234567890";
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => {
  // What a host does: a global tracer provider with the AsyncLocalStorage context manager.
  provider.register();
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

let world: RuntimeWorld | undefined;
let ownRoot: string | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
  if (ownRoot) await rm(ownRoot, { recursive: true, force: true });
  ownRoot = undefined;
  exporter.reset();
});

const PARENT_PERMISSIONS = `
      <execute resource="kiwi-mcp" action="*"/>
      <execute resource="tool" id="read_file"/>
      <read resource="filesystem" path="docs/**"/>
      <execute resource="tool" id="thread_directive"/>
      <execute resource="tool" id="thread_control"/>
      <orchestration enabled="true">
        <allow_categories/>
        <deny_categories/>
        <allow_directives>child_*</allow_directives>
      </orchestration>`;

const readFile = (path: string) =>
  call("execute", { item_type: "tool", action: "run", item_id: "read_file", parameters: { path } });
const spawn = (directive: string, message: string) =>
  call("execute", {
    item_type: "tool",
    action: "run",
    item_id: "thread_directive",
    parameters: { directive_name: directive, message },
  });
const waitChildren = () =>
  call("execute", {
    item_type: "tool",
    action: "run",
    item_id: "thread_control",
    parameters: { action: "wait_children", timeout_ms: 30_000 },
  });

async function treeWorld(options: { projectRoot?: string; captureContent?: boolean; say?: string } = {}) {
  const say = options.say ?? "";
  const w = await runtimeWorld({
    ...(options.projectRoot ? { projectRoot: options.projectRoot } : {}),
    runtime: { captureContent: options.captureContent ?? false },
    script: {
      turns: [],
      routes: [
        {
          match: "parent work",
          turns: [
            { text: `reading ${say}`, ...readFile("src/secret.txt") },
            readFile("docs/creds.md"),
            spawn("child_otel", `child work ${say}`),
            waitChildren(),
            { text: `parent done ${say}` },
          ],
        },
        { match: "child work", turns: [greet("world"), { text: "child done" }] },
      ],
    },
  });
  await w.directive(
    "parent_otel",
    threadDirectiveFile({ name: "parent_otel", permissions: PARENT_PERMISSIONS }),
  );
  await w.directive("child_otel", threadDirectiveFile({ name: "child_otel" }));
  return w;
}

const op = (s: ReadableSpan) => s.attributes["gen_ai.operation.name"];
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

describe("OpenTelemetry GenAI spans of a thread tree", () => {
  it("one trace: invoke_agent → chat / execute_tool → the child's invoke_agent, with the conventions' attributes", async () => {
    world = await treeWorld();
    writeFileSync(join(world.projectRoot, "docs/creds.md"), "nothing secret\n");
    const parent = await world.runtime.spawn({ directive: "parent_otel", message: "parent work" });
    await parent.wait({ timeoutMs: 30_000 });
    const [child] = world.runtime.manager.registry.query({ parentId: parent.thread_id });
    expect(child?.status).toBe("completed");
    await world.runtime.manager.wait(child!.thread_id, { timeoutMs: 10_000 });
    const spans = exporter.getFinishedSpans();
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);

    const agents = spans.filter((s) => op(s) === "invoke_agent");
    expect(agents.map((s) => s.name).sort()).toEqual(["invoke_agent child_otel", "invoke_agent parent_otel"]);
    const root = agents.find((s) => s.attributes["gen_ai.agent.name"] === "parent_otel")!;
    const kid = agents.find((s) => s.attributes["gen_ai.agent.name"] === "child_otel")!;
    expect(parentOf(root)).toBeUndefined();
    expect(root.attributes).toMatchObject({
      "gen_ai.conversation.id": parent.thread_id,
      "gen_ai.provider.name": "anthropic",
      "gen_ai.request.model": "claude-haiku-4-5",
      "kiwi.harness": "kiwi_harness",
      "kiwi.thread.status": "completed",
    });
    expect(kid.attributes).toMatchObject({
      "gen_ai.conversation.id": child!.thread_id,
      "kiwi.thread.parent_id": parent.thread_id,
    });

    const under = (agent: ReadableSpan, kind: string) =>
      spans.filter((s) => op(s) === kind && parentOf(s) === agent.spanContext().spanId);
    const chats = under(root, "chat");
    expect(chats).toHaveLength(5);
    expect(chats[0]!.attributes).toMatchObject({
      "gen_ai.provider.name": "anthropic",
      "gen_ai.request.model": "claude-haiku-4-5",
      "gen_ai.response.finish_reasons": ["tool_use"],
      "gen_ai.conversation.id": parent.thread_id,
    });
    expect(chats[0]!.attributes["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
    expect(chats[0]!.attributes["gen_ai.usage.output_tokens"]).toBeGreaterThan(0);
    expect(typeof chats[0]!.attributes["kiwi.cost.usd"]).toBe("number");
    // Contents are off by default.
    expect(chats.some((s) => "gen_ai.input.messages" in s.attributes)).toBe(false);

    const tools = under(root, "execute_tool");
    expect(tools.map((s) => s.attributes["kiwi.tool.target"])).toEqual([
      "read_file",
      "read_file",
      "thread_directive",
      "thread_control",
    ]);
    for (const t of tools) {
      expect(t.attributes).toMatchObject({ "gen_ai.tool.name": "execute", "gen_ai.tool.type": "function" });
      expect(t.attributes["gen_ai.tool.call.id"]).toEqual(expect.any(String));
      expect(t.attributes["kiwi.authz.token.jti"]).toEqual(expect.any(String));
    }
    // The denied read: its span says which capability, what scope and why.
    const [denied, allowed, spawnCall] = tools;
    expect(denied!.attributes).toMatchObject({
      "kiwi.authz.decision": "deny",
      "kiwi.authz.capability": "fs.read",
      "kiwi.authz.scope": "src/secret.txt",
      "kiwi.authz.reason": "scope_denied",
      "error.type": "CAPABILITY_DENIED",
    });
    expect(denied!.events.map((e) => e.name)).toContain("kiwi.authz.denied");
    expect(denied!.status.code).toBe(2);
    expect(allowed!.attributes).toMatchObject({
      "kiwi.authz.decision": "allow",
      "kiwi.authz.capability": "tool.execute",
      "kiwi.authz.tool": "read_file",
      "kiwi.authz.scope": "read_file",
    });
    expect(allowed!.attributes["kiwi.authz.token.jti"]).toBe(root.attributes["kiwi.authz.token.jti"]);

    // The child hangs under the call that spawned it, and its own calls under it.
    expect(parentOf(kid)).toBe(spawnCall!.spanContext().spanId);
    expect(under(kid, "chat")).toHaveLength(2);
    expect(under(kid, "execute_tool").map((s) => s.attributes["kiwi.tool.target"])).toEqual(["greet"]);

    // The trace context is in the child's journal start record: a resume elsewhere continues this trace.
    const { ThreadJournal } = await import("@kiwi/threads");
    const start = ThreadJournal.open(world.runtime.manager.registry, child!.thread_id).start as {
      trace_context?: { traceparent: string };
    };
    expect(start.trace_context?.traceparent).toBe(
      `00-${kid.spanContext().traceId}-${kid.spanContext().spanId}-01`,
    );
  });

  it("captures contents when asked, redacted like transcripts: no .env secret in any attribute or event", async () => {
    const projectRoot = await createTestProject();
    ownRoot = projectRoot;
    writeFileSync(join(projectRoot, ".env"), `SOME_SETTING=${SECRET}\n`);
    writeFileSync(join(projectRoot, "docs/creds.md"), `the token is ${SECRET}\n`);
    world = await treeWorld({ projectRoot, captureContent: true, say: SECRET });
    const parent = await world.runtime.spawn({ directive: "parent_otel", message: "parent work" });
    await parent.wait({ timeoutMs: 30_000 });
    const [child] = world.runtime.manager.registry.query({ parentId: parent.thread_id });
    await world.runtime.manager.wait(child!.thread_id, { timeoutMs: 10_000 });
    const spans = exporter.getFinishedSpans();
    const chat = spans.find((s) => op(s) === "chat")!;
    expect(chat.attributes["gen_ai.input.messages"]).toEqual(expect.stringContaining("parent work"));
    expect(chat.attributes["gen_ai.output.messages"]).toEqual(expect.stringContaining("[REDACTED]"));
    const read = spans.find(
      (s) =>
        s.attributes["kiwi.tool.target"] === "read_file" && s.attributes["kiwi.authz.decision"] === "allow",
    )!;
    expect(read.attributes["gen_ai.tool.call.result"]).toEqual(expect.stringContaining("[REDACTED]"));
    const everything = JSON.stringify(
      spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })),
    );
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(SECRET.slice(4));
  });

  it("a resumed run continues the stored trace: its invoke_agent is a child of the first run's", async () => {
    const w = await threadWorld({ script: { turns: [greet("again"), { text: "done" }] } });
    try {
      const first = trace.getTracer("test").startSpan("invoke_agent thread_test");
      const stored = traceContextOf(first)!;
      first.end();
      expect(stored.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      const result = await w.runner({ telemetry: { parent: stored } }).run({ message: "go on" });
      expect(result.status).toBe("completed");
      const spans = exporter.getFinishedSpans();
      const agent = spans.find((s) => op(s) === "invoke_agent")!;
      expect(agent.spanContext().traceId).toBe(first.spanContext().traceId);
      expect(parentOf(agent)).toBe(first.spanContext().spanId);
      expect(agent.attributes["kiwi.thread.resumed"]).toBe(true);
      expect(spans.filter((s) => s.spanContext().traceId !== first.spanContext().traceId)).toEqual([]);
      // `telemetry: false`: no span at all, whatever provider is registered.
      exporter.reset();
      w.fake.setScript({ turns: [{ text: "quiet" }] });
      await w.runner({ threadId: "quiet_1", telemetry: false }).run({ message: "quiet" });
      expect(exporter.getFinishedSpans()).toEqual([]);
    } finally {
      await w.close();
    }
  });

  it("interventions and loop detections are span events of the thread's invoke_agent", async () => {
    const same = greet("again and again");
    const w = await threadWorld({ script: { turns: [same, same, same, { text: "stopped looping" }] } });
    try {
      let boundary = 0;
      const result = await w
        .runner({
          supervisor: () => ({
            pauseRequested: boundary === 2,
            terminateRequested: false,
            pendingMessages: 0,
          }),
        })
        .run({
          message: "go",
          control: {
            beforeTurn: (turn) => {
              boundary = turn;
              return turn === 2 ? { inject: ["a word from the supervisor"] } : undefined;
            },
          },
        });
      expect(result.status).toBe("completed");
      const agent = exporter.getFinishedSpans().find((s) => op(s) === "invoke_agent")!;
      const events = agent.events.map((e) => [e.name, e.attributes?.["kiwi.intervention.action"] ?? null]);
      expect(events).toEqual(
        expect.arrayContaining([
          ["kiwi.intervention", "inject_message"],
          ["kiwi.intervention", "pause"],
          ["kiwi.intervention", "resume"],
          ["kiwi.warning.loop", null],
        ]),
      );
    } finally {
      await w.close();
    }
  });

  it("a compaction's summarizing call is a chat span (kiwi.compaction) and the compaction a span event", async () => {
    const used = (input: number) => ({ usage: { input_tokens: input, output_tokens: 20 } });
    const w = await threadWorld({
      script: {
        turns: [
          { ...greet("Ada"), ...used(900) },
          { ...greet("Bo"), ...used(1900) },
          { text: "## Latest request\nGreet people.\n## Open tasks\n- greet Cy", ...used(700) },
          { text: "Greeted them all.", ...used(1100) },
        ],
      },
      directive: directiveFile({
        name: "thread_test",
        cost: "<cost><max_turns>12</max_turns><on_exceeded>stop</on_exceeded><max_context_tokens>4000</max_context_tokens><compact_at>0.5</compact_at></cost>",
      }),
    });
    try {
      const result = await w.runner().run({ message: "greet people" });
      expect(result.status).toBe("completed");
      const spans = exporter.getFinishedSpans();
      const agent = spans.find((s) => op(s) === "invoke_agent")!;
      const summaries = spans.filter((s) => s.attributes["kiwi.compaction"] === true);
      expect(summaries).toHaveLength(1);
      expect(op(summaries[0]!)).toBe("chat");
      expect(parentOf(summaries[0]!)).toBe(agent.spanContext().spanId);
      const compacted = agent.events.find((e) => e.name === "kiwi.compacted");
      expect(compacted?.attributes?.["kiwi.compaction.tokens_before"]).toEqual(expect.any(Number));
    } finally {
      await w.close();
    }
  });
});

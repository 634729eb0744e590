// A thread resumed in place by another process continues its trace (issue 16): the owner (a real child
// process with a tracer provider) journals the trace context and is SIGKILLed mid-stream; this process
// resumes the thread, and its spans join the same trace under the first run's invoke_agent span.
import { rmSync } from "node:fs";
import { createFakeLlmServer } from "@kiwi/fake-llm";
import { ThreadJournal } from "@kiwi/threads";
import { context, propagation, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-node";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { fixtureRuntime, spawnFixture } from "./test-support/crash-fixture";
import { threadDirectiveFile } from "./test-support/runtime-world";
import { createTestProject, greet } from "./test-support/thread-world";

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
beforeAll(() => provider.register());
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it("the resumed run's invoke_agent is a child of the first run's, in the same trace", async () => {
  const projectRoot = await createTestProject();
  cleanups.push(() => rmSync(projectRoot, { recursive: true, force: true }));
  const fake = await createFakeLlmServer({
    script: {
      turns: [
        greet("before the crash"),
        // message_start goes out at once; every later SSE event waits five minutes: mid-stream.
        { text: "never finishes", chunk_size: 4, delay_ms: 300_000 },
        { text: "done after the crash" },
      ],
    },
  });
  cleanups.push(() => fake.close());
  const writer = await fixtureRuntime(projectRoot, fake.anthropicBaseUrl);
  const created = await writer.kernel.execute({
    item_type: "directive",
    action: "create",
    item_id: "traced_worker",
    parameters: { content: threadDirectiveFile({ name: "traced_worker" }) },
  });
  await writer.close();
  expect(created.success).toBe(true);

  const owner = spawnFixture(["victim", projectRoot, fake.anthropicBaseUrl, "traced_worker", "work"], {
    KIWI_FIXTURE_TRACE: "1",
  });
  cleanups.push(() => owner.kill());
  const { thread_id: id } = (await owner.waitForJson("ready")) as { thread_id: string };
  const deadline = Date.now() + 30_000;
  while (fake.requests.length < 2) {
    if (Date.now() > deadline) throw new Error("the owner never reached its second model call");
    await new Promise((r) => setTimeout(r, 10));
  }
  await owner.kill();

  const runtime = await fixtureRuntime(projectRoot, fake.anthropicBaseUrl);
  cleanups.push(() => runtime.close());
  const stored = ThreadJournal.open(runtime.manager.registry, id).start?.trace_context;
  const [, traceId, spanId] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(stored?.traceparent ?? "") ?? [];
  expect(traceId).toBeDefined();
  expect(await runtime.resume(id)).toMatchObject({ status: "resumed" });
  expect(await runtime.manager.wait(id, { timeoutMs: 30_000 })).toMatchObject({ status: "completed" });

  const spans = exporter.getFinishedSpans();
  expect(spans.length).toBeGreaterThan(0);
  expect(spans.filter((s) => s.spanContext().traceId !== traceId)).toEqual([]);
  const agent = spans.find((s) => s.attributes["gen_ai.operation.name"] === "invoke_agent")!;
  expect(agent.parentSpanContext?.spanId).toBe(spanId);
  expect(agent.attributes).toMatchObject({ "gen_ai.conversation.id": id, "kiwi.thread.resumed": true });
  // Only the call asked again makes a span: the replayed model call and greet had theirs in the first run.
  const chats = spans.filter((s) => s.attributes["gen_ai.operation.name"] === "chat");
  expect(chats).toHaveLength(1);
  expect(chats[0]!.parentSpanContext?.spanId).toBe(agent.spanContext().spanId);
  expect(spans.filter((s) => s.attributes["gen_ai.operation.name"] === "execute_tool")).toEqual([]);
}, 90_000);

// Context compaction survives a crash: a real child process runs a thread that compacts its context and
// is SIGKILLed mid-stream of the model call after the summary; a runtime in this process resumes the same
// thread in place. The summary comes from the journal (the fake server is not asked for a second one) and
// the model sees the same summary; the transcript has one `compacted` event.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { createFakeLlmServer } from "@kiwi/fake-llm";
import { createKernel } from "@kiwi/kernel";
import { readTranscript } from "@kiwi/threads";
import { afterEach, describe, expect, it } from "vitest";
import { fixtureRuntime, spawnFixture } from "./test-support/crash-fixture";
import { threadDirectiveFile } from "./test-support/runtime-world";
import { createTestProject, greet } from "./test-support/thread-world";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const DIRECTIVE = "compacting_worker";
const ROUTE = "[compact crash]";
const SUMMARY =
  "## Latest request\nGreet three people.\n## Open tasks\n- greet Cy\n## Progress\nGreeted Ada and Bo.";
const used = (input: number) => ({ usage: { input_tokens: input, output_tokens: 20 } });

interface Body {
  messages: { role: string; content: unknown }[];
}
const firstUser = (body: unknown) =>
  JSON.stringify((body as Body).messages.find((m) => m.role === "user")?.content);

async function until(what: string, test: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("context compaction and resume in place", () => {
  it("a SIGKILL after the summary: the resumed thread reuses the journaled summary (no second summarizing call)", async () => {
    const projectRoot = await createTestProject();
    cleanups.push(() => rmSync(projectRoot, { recursive: true, force: true }));
    const fake = await createFakeLlmServer({
      script: {
        turns: [],
        routes: [
          {
            match: ROUTE,
            turns: [
              { ...greet("Ada"), ...used(900) },
              { ...greet("Bo"), ...used(1900) },
              { text: SUMMARY, ...used(700) },
              // message_start goes out at once; every later SSE event waits five minutes: mid-stream.
              { text: "this answer never finishes streaming", chunk_size: 4, delay_ms: 300_000 },
              { text: "Greeted all three after the crash.", ...used(1200) },
            ],
          },
        ],
      },
    });
    cleanups.push(() => fake.close());
    const kernel = await createKernel({
      personAtTerminal: true,
      projectRoot,
      userSpace: join(projectRoot, ".user"),
      env: {},
      indexTtlMs: 0,
    });
    const created = await kernel.execute({
      item_type: "directive",
      action: "create",
      item_id: DIRECTIVE,
      parameters: {
        content: threadDirectiveFile({
          name: DIRECTIVE,
          cost: "<cost><max_turns>12</max_turns><on_exceeded>stop</on_exceeded><max_context_tokens>4000</max_context_tokens><compact_at>0.5</compact_at></cost>",
        }),
      },
    });
    if (!created.success) throw new Error(created.error.message);
    const asked = () => fake.requests.filter((r) => firstUser(r.body).includes(ROUTE));

    const child = spawnFixture([
      "victim",
      projectRoot,
      fake.anthropicBaseUrl,
      DIRECTIVE,
      `${ROUTE} Greet three people.`,
    ]);
    cleanups.push(() => child.kill());
    const { thread_id: threadId } = (await child.waitForJson("ready")) as { thread_id: string };
    // The summary was made and journaled; the model call after it is mid-stream.
    await until("the call after the summary", () => asked().length === 4);
    await child.kill();
    expect(await child.exited).toBe("SIGKILL");
    const transcriptFile = join(projectRoot, ".ai/threads", threadId, "transcript.jsonl");
    expect(readTranscript(transcriptFile).events.filter((e) => e.type === "compacted")).toHaveLength(1);

    const runtime = await fixtureRuntime(projectRoot, fake.anthropicBaseUrl);
    cleanups.push(() => runtime.close());
    expect(await runtime.resume(threadId)).toMatchObject({ thread_id: threadId, status: "resumed" });
    const row = await runtime.manager.wait(threadId, { timeoutMs: 20_000 });
    expect(row).toMatchObject({ status: "completed", reason: "end_turn" });

    // Only the cut call was asked again: no second summarizing call.
    const requests = asked();
    expect(requests).toHaveLength(5);
    expect(
      requests.filter((r) => JSON.stringify(r.body).includes("Summarize this conversation")),
    ).toHaveLength(1);
    // The same summary, in the same place, before and after the crash.
    const [cut, again] = [requests[3]!.body as Body, requests[4]!.body as Body];
    expect(JSON.stringify(again.messages[0])).toContain("Greeted Ada and Bo.");
    expect(again.messages).toEqual(cut.messages);

    const events = readTranscript(transcriptFile).events;
    expect(events.filter((e) => e.type === "compacted")).toHaveLength(1);
    expect(events.filter((e) => e.type === "cost_update" && e.compaction === true)).toHaveLength(1);
    // The summarizing call's usage is counted once.
    expect(runtime.manager.registry.get(threadId)!.usage).toMatchObject({
      input_tokens: 900 + 1900 + 700 + 1200,
    });
  }, 60_000);
});

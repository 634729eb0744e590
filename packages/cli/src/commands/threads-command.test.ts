import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createFakeLlmServer, type FakeLlmServer, type FakeTurn } from "@kiwi/fake-llm";
import { EXPORT_FORMAT, EXPORT_FORMAT_VERSION, JOURNAL_FORMAT_VERSION, readTranscript } from "@kiwi/threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createDirective,
  createThreadProject,
  kiwi,
  startKiwi,
  type ThreadProject,
  threadDirective,
  until,
  withRegistry,
} from "../thread-display/test-support";

const greet: FakeTurn["tool_calls"] = [
  {
    name: "execute",
    arguments: { item_type: "tool", action: "run", item_id: "greet", parameters: { who: "Ada" } },
  },
];
/** Streamed in 2-character pieces `delay` ms apart: a turn takes a few hundred ms. */
const slow = (turn: FakeTurn, delay = 10): FakeTurn => ({ ...turn, chunk_size: 2, delay_ms: delay });

let where: ThreadProject;
let fake: FakeLlmServer;
let env: Record<string, string>;
/** A thread that ran to its end (two turns, one greet call). */
let done: string;
const k = (args: string[]) => kiwi(args, { ...where, env });
/** Tests that run a thread live: a few seconds at most; the default 5 s is tight on a loaded machine. */
const LIVE = { timeout: 15_000 };

beforeAll(async () => {
  where = await createThreadProject();
  await createDirective(where, "cli_greeter", threadDirective({ name: "cli_greeter" }));
  fake = await createFakeLlmServer({
    script: {
      turns: [],
      routes: [
        {
          match: "first run",
          turns: [
            { text: "Greeting Ada.", tool_calls: greet, usage: { input_tokens: 100, output_tokens: 10 } },
            { text: "Ada has been greeted.", usage: { input_tokens: 150, output_tokens: 8 } },
          ],
        },
        {
          match: "follow me",
          turns: [
            slow({ text: "first, a slow greeting", tool_calls: greet }),
            slow({ text: "and done, slowly" }),
          ],
        },
        { match: "tail me", turns: [slow({ text: "a slow turn to follow", tool_calls: greet }, 15)] },
        { match: "kill me", turns: [slow({ text: "a slow turn to kill", tool_calls: greet }, 15)] },
        {
          match: "steer me",
          turns: [
            slow({ text: "turn one takes a while to stream", tool_calls: greet }, 15),
            slow({ text: "turn two also streams slowly", tool_calls: greet }, 15),
            slow({ text: "turn three, slow as well", tool_calls: greet }, 15),
            slow({ text: "the end" }),
          ],
        },
      ],
    },
  });
  env = { ANTHROPIC_API_KEY: "test", ANTHROPIC_BASE_URL: fake.anthropicBaseUrl };
  const run = await k(["thread", "run", "cli_greeter", "first run"]);
  expect(run.code).toBe(0);
  done = /^thread (\S+)/m.exec(run.out)![1]!;
}, 30_000);

afterAll(async () => {
  await fake?.close();
  await where.remove();
});

describe("kiwi threads list / status / events", () => {
  it("lists threads as a table and as JSON, with filters", async () => {
    const list = await k(["threads", "list"]);
    expect(list.code).toBe(0);
    const lines = list.out.trim().split("\n");
    expect(lines[0]).toMatch(/^THREAD +STATUS +DIRECTIVE +TOKENS +USD +STARTED +PARENT$/);
    expect(list.out).toMatch(
      new RegExp(
        `^${done} +completed \\(end_turn\\) +cli_greeter +268 +\\$0\\.\\d{4} +\\d{4}-\\d\\d-\\d\\d [\\d:]{8} +-$`,
        "m",
      ),
    );
    const json = JSON.parse((await k(["threads", "list", "--json", "--status", "completed,error"])).out);
    expect(json).toMatchObject({ success: true });
    expect(json.threads.map((t: { thread_id: string }) => t.thread_id)).toContain(done);
    expect(json.threads[0]).toMatchObject({ directive: "cli_greeter", status: "completed", parent_id: null });
    const none = JSON.parse((await k(["threads", "list", "--json", "--directive", "nobody"])).out);
    expect(none).toEqual({ success: true, count: 0, threads: [] });
    expect((await k(["threads", "list", "--status", "paused"])).out).toMatch(/^no threads \(/);
    const limited = JSON.parse((await k(["threads", "list", "--json", "--limit", "1"])).out);
    expect(limited.count).toBe(1);
    expect(JSON.parse((await k(["threads", "list", "--json", "--parent", done])).out).count).toBe(0);
  });

  it("a project without a registry lists nothing and creates none", async () => {
    const empty = await createThreadProject();
    const list = await kiwi(["threads", "list"], { ...empty, env });
    expect(list).toMatchObject({ code: 0, out: `no threads (${empty.project})\n` });
    expect(existsSync(join(empty.project, ".ai/threads/registry.db"))).toBe(false);
    const status = await kiwi(["threads", "status", "nope"], { ...empty, env });
    expect(status.code).toBe(1);
    expect(status.err).toContain("error ITEM_NOT_FOUND: no thread nope");
    await empty.remove();
  });

  it("shows one thread's status (text and JSON); an unknown id exits 1 with ITEM_NOT_FOUND", async () => {
    const text = await k(["threads", "status", done]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(new RegExp(`^thread +${done}$`, "m"));
    expect(text.out).toMatch(/^status +completed$/m);
    expect(text.out).toMatch(/^reason +end_turn$/m);
    expect(text.out).toMatch(/^model +anthropic claude-haiku-4-5$/m);
    expect(text.out).toMatch(/^budget +\$0\.5000 · 100,000 tokens$/m);
    expect(text.out).toMatch(/^tokens +268 \(in 250 · out 18\)$/m);
    expect(text.out).toContain(join(where.project, ".ai/threads", done, "transcript.jsonl"));
    const json = JSON.parse((await k(["threads", "status", done, "--json"])).out);
    expect(json).toMatchObject({
      success: true,
      thread: { thread_id: done, status: "completed", usage: { input_tokens: 250, output_tokens: 18 } },
      children: [],
    });
    const unknown = await k(["threads", "status", "no_such_thread"]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("error ITEM_NOT_FOUND: no thread no_such_thread");
    expect(JSON.parse((await k(["threads", "status", done, "--json"])).out).thread.thread_id).toBe(done);
  });

  it("prints a thread's registry events, with --after and --limit", async () => {
    const text = await k(["threads", "events", done]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^SEQ +TIME +TYPE +DETAIL$/m);
    expect(text.out).toMatch(
      /^1 +[\d:.]{12} +spawned +spawned cli_greeter · budget \$0\.5000 · 100,000 tokens$/m,
    );
    expect(text.out).toMatch(/ tool_call +→ execute greet \(tool\.execute:greet\)$/m);
    expect(text.out).toMatch(/ tool_result +✓ execute greet$/m);
    expect(text.out).toMatch(/ completed +completed: completed \(end_turn\) after 2 turns$/m);
    const json = JSON.parse(
      (await k(["threads", "events", done, "--json", "--after", "2", "--limit", "3"])).out,
    );
    expect(json).toMatchObject({ success: true, thread_id: done, count: 3 });
    expect(json.events.map((e: { seq: number }) => e.seq)).toEqual([3, 4, 5]);
    expect((await k(["threads", "events", done, "--after", "9999"])).out).toContain("no events");
    expect((await k(["threads", "events", done, "--after", "x"])).code).toBe(2);
    expect((await k(["threads", "events", "no_such_thread"])).code).toBe(1);
  });
});

describe("kiwi threads tail", () => {
  it("prints the last N transcript events (text and JSON lines)", async () => {
    const tail = await k(["threads", "tail", done, "-n", "3"]);
    expect(tail.code).toBe(0);
    const lines = tail.out.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^[\d:.]{12} +\d+ {2}completed: completed \(end_turn\) after 2 turns$/);
    expect(lines[2]).toMatch(/status → completed \(end_turn\)$/);
    const json = await k(["threads", "tail", done, "--json", "-n", "2"]);
    const events = json.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events.map((e: { type: string }) => e.type)).toEqual(["completed", "status"]);
    const all = await k(["threads", "tail", done, "-n", "100"]);
    const transcript = readTranscript(join(where.project, ".ai/threads", done, "transcript.jsonl")).events;
    expect(all.out).toMatch(/^[\d:.]{12} +1 {2}spawned cli_greeter/);
    expect(all.out).toContain("  ✓ execute greet\n");
    expect(all.out).toContain("assistant: Ada has been greeted.");
    expect(all.out.match(/^\d\d:\d\d:/gm)).toHaveLength(transcript.length);
    expect((await k(["threads", "tail", done, "-n", "-1"])).code).toBe(2);
  });

  it("-f follows a running thread and ends when it completes", LIVE, async () => {
    const run = startKiwi(["thread", "run", "cli_greeter", "follow me"], { ...where, env });
    await until(() => /^thread \S+/m.test(run.out()), "the thread to start");
    const id = /^thread (\S+)/m.exec(run.out())![1]!;
    const tail = await k(["threads", "tail", id, "-f", "-n", "0"]);
    expect(tail.code).toBe(0);
    expect(tail.out).toContain("assistant: and done, slowly");
    expect(tail.out).toMatch(/completed: completed \(end_turn\) after 2 turns\n$/);
    expect((await run.done).code).toBe(0);
  });

  it("-f stops on Ctrl-C", LIVE, async () => {
    const run = startKiwi(["thread", "run", "cli_greeter", "tail me"], { ...where, env });
    await until(() => run.out().includes("── turn 1/6"), "the first turn");
    const id = /^thread (\S+)/m.exec(run.out())![1]!;
    const tail = startKiwi(["threads", "tail", id, "-f"], { ...where, env });
    await until(() => tail.out().includes("turn 1"), "the tail to show turn 1");
    tail.interrupt();
    const stopped = await tail.done;
    expect(stopped.code).toBe(0);
    expect(stopped.out).not.toContain("completed:");
    run.interrupt();
    run.interrupt();
    expect((await run.done).code).toBe(1);
  });
});

describe("kiwi threads pause / resume / inject / terminate / kill", () => {
  it(
    "controls a thread run by another process: queued, applied by its owner, and waited for",
    LIVE,
    async () => {
      const run = startKiwi(["thread", "run", "cli_greeter", "steer me"], { ...where, env });
      await until(() => run.out().includes("── turn 1/6"), "the first turn");
      const id = /^thread (\S+)/m.exec(run.out())![1]!;
      const pause = await k(["threads", "pause", id]);
      expect(pause.code).toBe(0);
      expect(pause.out).toBe(
        `${id}: pause requested: it waits at its next turn boundary (applied by the process that runs the thread)\n`,
      );
      await until(() => run.out().includes("status → paused"), "the pause", 8_000);
      const row = await withRegistry(where, ({ manager }) => manager.registry.get(id));
      expect(row?.status).toBe("paused");
      const inject = JSON.parse((await k(["threads", "inject", id, "also", "greet", "Grace", "--json"])).out);
      expect(inject).toMatchObject({
        success: true,
        action: "inject",
        thread_id: id,
        queued: true,
        applied: true,
      });
      const resume = await k(["threads", "resume", id, "--message", "carry on"]);
      expect(resume.code).toBe(0);
      await until(
        () => run.out().includes("user (injected): also greet Grace"),
        "the injected message",
        8_000,
      );
      const terminate = await k(["threads", "terminate", id]);
      expect(terminate.out).toContain(`${id}: terminate requested`);
      const { code, out } = await run.done;
      expect(out).toMatch(/^reason +terminated$/m);
      expect(code).toBe(0);
      const interventions = (await k(["threads", "events", id, "--json"])).out;
      const actions = (JSON.parse(interventions).events as { type: string; data: { action?: string } }[])
        .filter((e) => e.type === "intervention")
        .map((e) => e.data.action);
      expect(actions).toEqual(["pause", "inject_message", "resume", "terminate"]);
    },
  );

  it("kill from another process ends the thread killed", LIVE, async () => {
    const run = startKiwi(["thread", "run", "cli_greeter", "kill me"], { ...where, env });
    await until(() => run.out().includes("── turn 1/6"), "the first turn");
    const id = /^thread (\S+)/m.exec(run.out())![1]!;
    const kill = JSON.parse((await k(["threads", "kill", id, "--json"])).out);
    expect(kill).toMatchObject({ success: true, action: "kill", queued: true, thread_id: id });
    const { code, out } = await run.done;
    expect(out).toMatch(/^status +killed$/m);
    expect(code).toBe(1);
  });

  it("a control on an ended or unknown thread exits 1 with its code; bad usage exits 2", async () => {
    const ended = await k(["threads", "pause", done]);
    expect(ended.code).toBe(1);
    expect(ended.err).toContain("error THREAD_FINISHED");
    const unknown = await k(["threads", "kill", "no_such_thread"]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("error ITEM_NOT_FOUND");
    expect((await k(["threads", "inject", done])).code).toBe(2);
    expect((await k(["threads", "terminate"])).code).toBe(2);
    expect((await k(["threads", "kill", done, "extra"])).code).toBe(2);
    expect((await k(["threads", "pause", done, "--immediate"])).code).toBe(2);
    expect((await k(["threads"])).code).toBe(2);
    const unknownSub = await k(["threads", "frobnicate"]);
    expect(unknownSub.code).toBe(2);
    expect(unknownSub.err).toContain("unknown subcommand 'threads frobnicate'");
    expect((await k(["threads", "list", "--status", "sleeping"])).err).toContain(
      "--status 'sleeping' is not one of spawning, running",
    );
    expect((await k(["threads", "list", "--limit", "abc"])).code).toBe(2);
    expect((await k(["threads", "help"])).code).toBe(0);
  });
});

describe("kiwi threads export", () => {
  it("writes {registry, transcripts} for the thread, to stdout or --out", async () => {
    const out = await k(["threads", "export", done]);
    expect(out.code).toBe(0);
    const doc = JSON.parse(out.out);
    expect(doc.registry).toMatchObject({
      format: EXPORT_FORMAT,
      format_version: EXPORT_FORMAT_VERSION,
      journal_format_version: JOURNAL_FORMAT_VERSION,
    });
    // The step journal is exported too: the run's input (step 0), then its steps.
    expect(doc.registry.steps[0]).toMatchObject({ thread_id: done, seq: 0, kind: "start" });
    expect(doc.registry.steps.some((s: { kind: string }) => s.kind === "model")).toBe(true);
    expect(doc.registry.threads.map((t: { thread_id: string }) => t.thread_id)).toEqual([done]);
    expect(doc.registry.events.length).toBeGreaterThan(5);
    const transcript = readTranscript(join(where.project, ".ai/threads", done, "transcript.jsonl")).events;
    expect(doc.transcripts).toEqual({ [done]: transcript });
    const file = await k(["threads", "export", done, "--out", "export.json"]);
    expect(file.out).toMatch(
      new RegExp(`^exported 1 thread \\(\\d+ registry events, ${transcript.length} transcript events\\) to `),
    );
    const written = JSON.parse(await readFile(join(where.project, "export.json"), "utf8"));
    expect(written.transcripts[done]).toEqual(transcript);
    const json = JSON.parse((await k(["threads", "export", done, "--out", "e2.json", "--json"])).out);
    expect(json).toMatchObject({ success: true, path: join(where.project, "e2.json"), threads: 1 });
    expect((await k(["threads", "export", "no_such_thread"])).code).toBe(1);
    expect((await k(["threads", "export"])).code).toBe(2);
  });
});

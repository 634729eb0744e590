// `kiwi thread run` in a real child process: a real SIGINT, and controls from this process (another
// ThreadManager on the same registry) that the child applies.

import { existsSync, readdirSync } from "node:fs";
import { createFakeLlmServer } from "@kiwi/fake-llm";
import { readTranscript } from "@kiwi/threads";
import { afterEach, describe, expect, it } from "vitest";
import {
  createDirective,
  kiwi,
  startOwnerProcess,
  threadDirective,
  until,
  withRegistry,
} from "../thread-display/test-support";

// The child imports createThreadRuntime from @kiwi/kiwi-harness's built index: skipped until it is exported.
const LIVE = { timeout: 20_000 };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const start = (message: string) => startOwnerProcess(message, cleanups);

describe("kiwi thread run in another process", () => {
  it("a real SIGINT asks the thread to stop after its turn: completed/terminated, exit 0", LIVE, async () => {
    const { owner } = await start("stop me");
    owner.proc.kill("SIGINT");
    expect(await owner.exit).toBe(0);
    expect(owner.out()).toContain("to stop after its current turn (Ctrl-C again kills it)");
    expect(owner.out()).toMatch(/^reason +terminated$/m);
  });

  it("a second SIGINT kills it: killed, exit 1", LIVE, async () => {
    const { owner } = await start("kill me");
    owner.proc.kill("SIGINT");
    await until(() => owner.out().includes("Ctrl-C again kills it"), "the first interrupt");
    owner.proc.kill("SIGINT");
    expect(await owner.exit).toBe(1);
    expect(owner.out()).toMatch(/^status +killed$/m);
  });

  it("controls from this process are queued and applied by the owner", LIVE, async () => {
    const { where, owner, id } = await start("steer me");
    const k = (args: string[]) => kiwi(args, where);
    expect((await k(["threads", "pause", id])).out).toContain(
      "pause requested: it waits at its next turn boundary (applied by the process that runs the thread)",
    );
    await until(() => owner.out().includes("status → paused"), "the pause");
    expect(await withRegistry(where, ({ manager }) => manager.registry.get(id)?.status)).toBe("paused");
    const list = await k(["threads", "list", "--status", "paused", "--json"]);
    expect(JSON.parse(list.out).threads.map((t: { thread_id: string }) => t.thread_id)).toEqual([id]);
    expect((await k(["threads", "inject", id, "hello", "from", "afar"])).code).toBe(0);
    expect((await k(["threads", "resume", id])).code).toBe(0);
    await until(() => owner.out().includes("user (injected): hello from afar"), "the injected message");
    expect((await k(["threads", "terminate", id])).code).toBe(0);
    expect(await owner.exit).toBe(0);
    expect(owner.out()).toMatch(/^reason +terminated$/m);
    const status = JSON.parse((await k(["threads", "status", id, "--json"])).out);
    expect(status.thread).toMatchObject({ status: "completed", reason: "terminated" });
  });
});

describe("kiwi threads resume / recover after the owner process is SIGKILLed", () => {
  it(
    "continues the same thread in place from its journal: journaled turns are not asked again",
    LIVE,
    async () => {
      const { where, owner, id } = await start("resume me");
      // Turn 1 (a greet call) is done and journaled; turn 2 is streaming when the owner dies.
      await until(() => owner.out().includes("── turn 2/6"), "the child's second turn", 15_000);
      owner.proc.kill("SIGKILL");
      await owner.exit;
      const fake = await createFakeLlmServer({ script: { turns: [{ text: "resumed to the end" }] } });
      cleanups.push(() => fake.close());
      const env = {
        PATH: process.env.PATH ?? "",
        ANTHROPIC_API_KEY: "test",
        ANTHROPIC_BASE_URL: fake.anthropicBaseUrl,
      };
      const k = (args: string[]) => kiwi(args, { ...where, env });
      const status = JSON.parse((await k(["threads", "status", id, "--json"])).out);
      expect(status.thread).toMatchObject({ status: "interrupted" });

      const resumed = await k(["threads", "resume", id, "--json"]);
      expect(resumed.code, resumed.err).toBe(0);
      expect(JSON.parse(resumed.out)).toMatchObject({
        thread_id: id,
        status: "completed",
        final_text: "resumed to the end",
      });
      // Only the turn without a result was asked again, of this process's fake.
      expect(fake.requests).toHaveLength(1);
      const events = readTranscript(`${where.project}/.ai/threads/${id}/transcript.jsonl`).events;
      expect(events.filter((e) => e.type === "resumed")).toHaveLength(1);
      expect(events.filter((e) => e.type === "tool_result")).toHaveLength(1);
      // Finished: it does not resume again, and recover finds nothing.
      const again = await k(["threads", "resume", id]);
      expect(again.code).toBe(1);
      expect(again.err).toContain("THREAD_FINISHED");
      expect((await k(["threads", "recover"])).out).toContain("no interrupted threads");
    },
  );
});

describe("kiwi threads recover after a parent and its child died with their owner", () => {
  it("resumes the child with its parent and lists each thread once", LIVE, async () => {
    const { where, owner, id } = await startOwnerProcess("[tree parent]", cleanups, {
      directive: "cli_parent",
      setup: async (w) => {
        await createDirective(
          w,
          "cli_parent",
          threadDirective({
            name: "cli_parent",
            permissions: `
      <execute resource="kiwi-mcp" action="*"/>
      <execute resource="tool" id="greet"/>
      <execute resource="tool" id="thread_directive"/>
      <execute resource="tool" id="thread_control"/>
      <orchestration enabled="true"><allow_categories/><deny_categories/><allow_directives>cli_child</allow_directives><deny_directives/></orchestration>`,
          }),
        );
        await createDirective(w, "cli_child", threadDirective({ name: "cli_child" }));
      },
    });
    // The child is taking its turns (a greet done) when the owner dies.
    const threadsDir = `${where.project}/.ai/threads`;
    const childDir = () => readdirSync(threadsDir).find((d) => d.startsWith("cli_child"));
    await until(
      () => {
        const dir = childDir();
        if (!dir || !existsSync(`${threadsDir}/${dir}/transcript.jsonl`)) return false;
        const events = readTranscript(`${threadsDir}/${dir}/transcript.jsonl`).events;
        return events.some((e) => e.type === "tool_result");
      },
      "the child's first tool result",
      15_000,
    );
    owner.proc.kill("SIGKILL");
    await owner.exit;
    const childId = childDir()!;
    const fake = await createFakeLlmServer({
      script: { turns: [{ text: "child finished after the crash" }] },
    });
    cleanups.push(() => fake.close());
    const env = {
      PATH: process.env.PATH ?? "",
      ANTHROPIC_API_KEY: "test",
      ANTHROPIC_BASE_URL: fake.anthropicBaseUrl,
    };
    const recovered = await kiwi(["threads", "recover", "--json"], { ...where, env });
    const listed = JSON.parse(recovered.out).threads as {
      thread_id: string;
      status: string;
      code?: string;
    }[];
    // Each once: the child resumed with its parent, not a second time (THREAD_OWNED) by the loop.
    expect(listed.map((t) => t.thread_id).sort()).toEqual([id, childId].sort());
    expect(listed.some((t) => t.code === "THREAD_OWNED")).toBe(false);
    expect(listed.find((t) => t.thread_id === childId)).toMatchObject({ status: "completed" });
    const events = readTranscript(`${threadsDir}/${childId}/transcript.jsonl`).events;
    expect(events.filter((e) => e.type === "resumed")).toHaveLength(1);
  });
});

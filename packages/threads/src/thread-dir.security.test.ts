import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HarnessRunner } from "@kiwi/spec";
import { afterEach, describe, expect, it } from "vitest";
import { testKeys } from "./test-fixtures/tokens";
import { ThreadManager } from "./thread-manager";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function temp(): string {
  const d = realpathSync(mkdtempSync(join(tmpdir(), "kiwi-thread-dir-")));
  dirs.push(d);
  return d;
}

const idle: HarnessRunner = {
  run: async () => ({
    status: "completed",
    reason: "end_turn",
    turns: 0,
    usage: { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_creation_tokens: 0 },
    final_text: "",
    messages: [],
  }),
};

describe("thread files never leave the project", () => {
  it("refuses a .ai/threads folder that is a link out of the project", () => {
    const project = temp();
    const outside = temp();
    mkdirSync(join(project, ".ai"));
    symlinkSync(outside, join(project, ".ai/threads"), "dir");
    expect(() => ThreadManager.open({ projectRoot: project, verifier: testKeys().verifier })).toThrow(
      expect.objectContaining({ code: "TRANSCRIPT_UNAVAILABLE" }),
    );
    expect(readdirSync(outside)).toEqual([]);
  });

  it("refuses a thread folder that is a link, and records the thread as failed", async () => {
    const project = temp();
    const outside = temp();
    const keys = testKeys();
    const manager = ThreadManager.open({ projectRoot: project, verifier: keys.verifier });
    try {
      symlinkSync(outside, join(project, ".ai/threads/linked"), "dir");
      const auth = await keys.token([{ cap: "spawn.thread" }]);
      await expect(
        manager.spawn({ threadId: "linked", directive: "d", message: "", auth, runner: () => idle }),
      ).rejects.toMatchObject({ code: "TRANSCRIPT_UNAVAILABLE" });
      expect(manager.registry.get("linked")).toMatchObject({
        status: "error",
        reason: "TRANSCRIPT_UNAVAILABLE",
      });
      expect(readdirSync(outside)).toEqual([]);
      // A transcript file that is a link is refused by the writer itself (O_NOFOLLOW).
      mkdirSync(join(project, ".ai/threads/filelink"));
      writeFileSync(join(outside, "target.jsonl"), "");
      symlinkSync(join(outside, "target.jsonl"), join(project, ".ai/threads/filelink/transcript.jsonl"));
      await expect(
        manager.spawn({ threadId: "filelink", directive: "d", message: "", auth, runner: () => idle }),
      ).rejects.toMatchObject({ code: "TRANSCRIPT_UNAVAILABLE" });
      expect(readdirSync(outside)).toEqual(["target.jsonl"]);
      expect(readFileSync(join(outside, "target.jsonl"), "utf8")).toBe("");
      expect(manager.liveThreads()).toEqual([]);
    } finally {
      await manager.close();
    }
  });

  it("a .ai/threads swapped for a link after open: the spawned thread ends error, never run, nothing outside", async () => {
    const project = temp();
    const outside = temp();
    const keys = testKeys();
    const manager = ThreadManager.open({ projectRoot: project, verifier: keys.verifier });
    try {
      // The registry stays open on its file (moved along); the threads folder is now a link out.
      renameSync(join(project, ".ai/threads"), join(project, ".ai/threads-moved"));
      symlinkSync(outside, join(project, ".ai/threads"), "dir");
      const auth = await keys.token([{ cap: "spawn.thread" }]);
      let ran = false;
      const runner = (): HarnessRunner => ({
        run: async () => {
          ran = true;
          return idle.run({ message: "" });
        },
      });
      // The new folder is made off spawn's path: spawn returns, the thread then ends unstarted.
      const spawned = await manager.spawn({ threadId: "swapped", directive: "d", message: "", auth, runner });
      const result = await spawned.done();
      expect(result).toMatchObject({ status: "error", reason: "TRANSCRIPT_UNAVAILABLE" });
      expect(result.error?.code).toBe("TRANSCRIPT_UNAVAILABLE");
      expect(ran).toBe(false);
      expect(manager.registry.get("swapped")).toMatchObject({
        status: "error",
        reason: "TRANSCRIPT_UNAVAILABLE",
      });
      // What it recorded meanwhile went to the registry alone.
      const types = manager.registry.getEvents("swapped").map((e) => e.type);
      expect(types[0]).toBe("spawned");
      expect(types).toContain("error");
      expect(readdirSync(outside)).toEqual([]);
      expect(manager.liveThreads()).toEqual([]);
    } finally {
      await manager.close();
    }
  });

  it("a .ai/threads that is a file: spawn throws TRANSCRIPT_UNAVAILABLE, the thread is recorded failed", async () => {
    const project = temp();
    const keys = testKeys();
    const manager = ThreadManager.open({
      projectRoot: project,
      registryFile: join(project, "registry.db"),
      verifier: keys.verifier,
    });
    try {
      mkdirSync(join(project, ".ai"), { recursive: true });
      writeFileSync(join(project, ".ai/threads"), "not a folder");
      const auth = await keys.token([{ cap: "spawn.thread" }]);
      await expect(
        manager.spawn({ threadId: "on_file", directive: "d", message: "", auth, runner: () => idle }),
      ).rejects.toMatchObject({ code: "TRANSCRIPT_UNAVAILABLE" });
      expect(manager.registry.get("on_file")).toMatchObject({
        status: "error",
        reason: "TRANSCRIPT_UNAVAILABLE",
      });
      expect(readFileSync(join(project, ".ai/threads"), "utf8")).toBe("not a folder");
    } finally {
      await manager.close();
    }
  });
});

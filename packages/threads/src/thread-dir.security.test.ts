import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
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
});

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { threadWorld } from "./test-support/thread-world";

// http_client's return buffer holds at most stream.max_buffer_size events (10,000 by default). The thread
// tools list no `return` destination: the harness parses through its own sink and the stream record goes
// to stream.jsonl, so a reply longer than that buffer still completes.
const MAX_BUFFER_SIZE = 10_000;

describe.each(["anthropic", "openai"] as const)("the %s thread tool's stream path", (provider) => {
  it("completes a reply of more events than max_buffer_size and records every event", async () => {
    const text = "abcdefghij".repeat(1_005); // one character per event: 10,050 text deltas
    const w = await threadWorld({ script: { turns: [{ text, chunk_size: 1 }] }, provider });
    try {
      const r = await w.runner().run({ message: "say a lot" });
      expect(r).toMatchObject({ status: "completed", reason: "end_turn", turns: 1 });
      expect(r.final_text).toBe(text);
      const record = await readFile(join(w.projectRoot, ".ai/threads/thread_test_1/stream.jsonl"), "utf8");
      const lines = record.trimEnd().split("\n");
      expect(lines.length).toBeGreaterThan(MAX_BUFFER_SIZE);
      const deltas = lines.filter((line) => line.includes('\\"text') || line.includes('\\"content'));
      expect(deltas.length).toBeGreaterThanOrEqual(text.length);
    } finally {
      await w.close();
    }
  });
});

// queueUsage: a running thread's per-turn usage, group-committed with its events instead of a
// transaction of its own; reads through the registry see it at once, another connection after the commit.
import { afterEach, describe, expect, it } from "vitest";
import { codeOf, rawDatabase, tempRegistry } from "./test-fixtures/helpers";
import { ThreadRegistry } from "./thread-registry";

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.reverse()) c();
  cleanups = [];
});

function open(): { reg: ThreadRegistry; file: string } {
  const t = tempRegistry();
  const reg = ThreadRegistry.open(t.file);
  cleanups.push(t.cleanup, () => reg.close());
  return { reg, file: t.file };
}

const usageOnDisk = (file: string, id: string) => {
  const db = rawDatabase(file, { readonly: true });
  try {
    const row = db.prepare("SELECT usage FROM threads WHERE thread_id = ?").get(id) as {
      usage: string | null;
    };
    return row.usage === null ? null : JSON.parse(row.usage);
  } finally {
    db.close();
  }
};

describe("ThreadRegistry.queueUsage", () => {
  it("is written with the queued events at the next setImmediate, and read back at once before that", async () => {
    const { reg, file } = open();
    reg.register({ threadId: "t1", directive: "d", status: "running" });
    reg.appendEvent("t1", "cost_update", { usage: { input_tokens: 1 } });
    reg.queueUsage("t1", { input_tokens: 1, usd: null });
    reg.queueUsage("t1", { input_tokens: 5, usd: 0.5 });
    // Nothing committed yet: another connection sees neither the event nor the usage.
    expect(usageOnDisk(file, "t1")).toBeNull();
    await new Promise((r) => setImmediate(r));
    expect(usageOnDisk(file, "t1")).toEqual({ input_tokens: 5, usd: 0.5 });
    expect(reg.getEvents("t1").map((e) => e.type)).toEqual(["cost_update"]);

    reg.queueUsage("t1", { input_tokens: 9, usd: 0.9 });
    // This registry's own reads write it first.
    expect(reg.get("t1")?.usage).toEqual({ input_tokens: 9, usd: 0.9 });
    expect(usageOnDisk(file, "t1")).toEqual({ input_tokens: 9, usd: 0.9 });
  });

  it("a status change keeps the latest queued usage unless it brings its own; updateUsage replaces it", () => {
    const { reg, file } = open();
    reg.register({ threadId: "t1", directive: "d", status: "running" });
    reg.queueUsage("t1", { input_tokens: 3 });
    expect(reg.updateStatus("t1", "paused").usage).toEqual({ input_tokens: 3 });
    reg.queueUsage("t1", { input_tokens: 4 });
    reg.updateUsage("t1", { input_tokens: 7 });
    reg.flush();
    expect(usageOnDisk(file, "t1")).toEqual({ input_tokens: 7 });
    reg.queueUsage("t1", { input_tokens: 8 });
    expect(reg.updateStatus("t1", "completed", { usage: { input_tokens: 10 } }).usage).toEqual({
      input_tokens: 10,
    });
    reg.flush();
    expect(usageOnDisk(file, "t1")).toEqual({ input_tokens: 10 });
  });

  it("refuses an unknown thread and a usage that is not an object", () => {
    const { reg } = open();
    expect(codeOf(() => reg.queueUsage("nope", { input_tokens: 1 })).code).toBe("ITEM_NOT_FOUND");
    reg.register({ threadId: "t1", directive: "d" });
    expect(codeOf(() => reg.queueUsage("t1", [] as never)).code).toBe("INVALID_INPUT");
  });

  it("close() writes what is queued", () => {
    const t = tempRegistry();
    cleanups.push(t.cleanup);
    const reg = ThreadRegistry.open(t.file);
    reg.register({ threadId: "t1", directive: "d", status: "running" });
    reg.queueUsage("t1", { input_tokens: 2 });
    reg.close();
    expect(usageOnDisk(t.file, "t1")).toEqual({ input_tokens: 2 });
  });
});

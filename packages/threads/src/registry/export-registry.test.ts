import { afterEach, describe, expect, it } from "vitest";
import { exportRegistry } from "./export-registry";
import { REGISTRY_SCHEMA_VERSION } from "./schema";
import { codeOf, steppingClock, tempRegistry } from "./test-fixtures/helpers";
import { ThreadRegistry } from "./thread-registry";

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.reverse()) c();
  cleanups = [];
});

function tree(): ThreadRegistry {
  const t = tempRegistry();
  const reg = ThreadRegistry.open(t.file, { now: steppingClock() });
  cleanups.push(t.cleanup, () => reg.close());
  reg.register({ threadId: "root", directive: "d" });
  reg.register({ threadId: "child", directive: "d", parentId: "root" });
  reg.register({ threadId: "grandchild", directive: "d", parentId: "child" });
  reg.register({ threadId: "other", directive: "d" });
  reg.register({ threadId: "other_child", directive: "d", parentId: "other" });
  for (const id of ["root", "child", "grandchild", "other", "other_child"]) {
    reg.appendEvent(id, "message", { from: id });
    reg.appendEvent(id, "status", { n: 2 });
  }
  return reg;
}

describe("exportRegistry", () => {
  it("exports everything, queued events included, in the kiwi-threads format", () => {
    const reg = tree();
    const out = exportRegistry(reg, { now: () => new Date("2025-02-01T00:00:00Z") });
    expect(out).toMatchObject({
      format: "kiwi-threads",
      format_version: 2,
      journal_format_version: 1,
      exported_at: "2025-02-01T00:00:00.000Z",
      schema_version: REGISTRY_SCHEMA_VERSION,
    });
    expect(out.threads.map((t) => t.thread_id)).toEqual([
      "root",
      "child",
      "grandchild",
      "other",
      "other_child",
    ]);
    expect(out.events).toHaveLength(10);
    expect(out.events[0]).toEqual({
      thread_id: "child",
      seq: 1,
      ts: expect.any(String),
      type: "message",
      data: { from: "child" },
    });
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
  });

  it("exports one thread with its descendants only", () => {
    const reg = tree();
    const out = exportRegistry(reg, { threadId: "child" });
    expect(out.threads.map((t) => t.thread_id)).toEqual(["child", "grandchild"]);
    expect(new Set(out.events.map((e) => e.thread_id))).toEqual(new Set(["child", "grandchild"]));
    expect(out.events).toHaveLength(4);
    expect(exportRegistry(reg, { threadId: "root" }).threads).toHaveLength(3);
  });

  it("reports an unknown thread as ITEM_NOT_FOUND", () => {
    const reg = tree();
    expect(codeOf(() => exportRegistry(reg, { threadId: "ghost" })).code).toBe("ITEM_NOT_FOUND");
    // The old name is refused rather than ignored (which would export every thread).
    expect(codeOf(() => exportRegistry(reg, { thread_id: "root" } as never)).code).toBe("INVALID_INPUT");
  });
});

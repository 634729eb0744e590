import { writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { REGISTRY_SCHEMA_VERSION } from "./schema";
import { THREAD_STATUSES } from "./statuses";
import { codeOf, rawDatabase, tempRegistry } from "./test-fixtures/helpers";
import { ThreadRegistry } from "./thread-registry";

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

function fresh() {
  const t = tempRegistry();
  cleanups.push(t.cleanup);
  return t;
}

describe("registry schema", () => {
  it("creates the tables, indexes, triggers and user_version in WAL mode", () => {
    const { file } = fresh();
    ThreadRegistry.open(file).close();
    const raw = rawDatabase(file, { readonly: true });
    try {
      const names = (
        raw.prepare("SELECT type, name FROM sqlite_master ORDER BY name").all() as {
          type: string;
          name: string;
        }[]
      ).filter((r) => !r.name.startsWith("sqlite_"));
      expect(names).toEqual(
        expect.arrayContaining([
          { type: "table", name: "threads" },
          { type: "table", name: "thread_events" },
          { type: "table", name: "checkpoints" },
          { type: "index", name: "threads_status" },
          { type: "index", name: "threads_parent_id" },
          { type: "index", name: "threads_directive" },
          { type: "index", name: "thread_events_type" },
          { type: "trigger", name: "thread_events_no_update" },
          { type: "trigger", name: "thread_events_no_delete" },
        ]),
      );
      expect(raw.pragmaValue("user_version")).toBe(REGISTRY_SCHEMA_VERSION);
      expect(raw.pragmaValue("journal_mode")).toBe("wal");
    } finally {
      raw.close();
    }
  });

  it("reopens a migrated database without migrating again", () => {
    const { file } = fresh();
    const first = ThreadRegistry.open(file);
    first.register({ threadId: "t1", directive: "d" });
    first.close();
    const again = ThreadRegistry.open(file);
    expect(again.schemaVersion).toBe(REGISTRY_SCHEMA_VERSION);
    expect(again.get("t1")?.directive).toBe("d");
    again.close();
  });

  it("refuses a database written by a newer version with REGISTRY_VERSION", () => {
    const { file } = fresh();
    ThreadRegistry.open(file).close();
    const raw = rawDatabase(file);
    raw.pragma("user_version = 99");
    raw.close();
    const err = codeOf(() => ThreadRegistry.open(file));
    expect(err.code).toBe("REGISTRY_VERSION");
    expect(err.context).toMatchObject({ found: 99, supported: REGISTRY_SCHEMA_VERSION, file });
    expect(err.message).toMatch(/upgrade Kiwi/);
  });

  it("reports a file that is not a database as REGISTRY_UNAVAILABLE with the path and sqlite message", () => {
    const { dir } = fresh();
    const file = `${dir}/garbage.db`;
    writeFileSync(file, Buffer.alloc(8192, "this is not a sqlite database "));
    const err = codeOf(() => ThreadRegistry.open(file));
    expect(err.code).toBe("REGISTRY_UNAVAILABLE");
    expect(err.message).toContain(file);
    expect(err.context.file).toBe(file);
    expect(String(err.context.sqlite_message)).toMatch(/not a database/);
  });

  it("reports a path it cannot create as REGISTRY_UNAVAILABLE", () => {
    const { dir } = fresh();
    writeFileSync(`${dir}/a-file`, "x");
    const err = codeOf(() => ThreadRegistry.open(`${dir}/a-file/registry.db`));
    expect(err.code).toBe("REGISTRY_UNAVAILABLE");
    expect(err.message).toContain(`${dir}/a-file/registry.db`);
  });

  it("makes thread_events append-only: UPDATE and DELETE are refused by triggers, a reused seq by the key", () => {
    const { file } = fresh();
    const reg = ThreadRegistry.open(file);
    reg.register({ threadId: "t1", directive: "d" });
    reg.appendEvent("t1", "message", { text: "hi" });
    reg.close();
    const raw = rawDatabase(file);
    try {
      expect(() => raw.prepare("UPDATE thread_events SET type = 'forged'").run()).toThrow(/append-only/);
      expect(() => raw.prepare("DELETE FROM thread_events").run()).toThrow(/append-only/);
      expect(() =>
        raw
          .prepare(
            "INSERT INTO thread_events (thread_id, seq, ts, type, data) VALUES ('t1', 1, '', 'x', '{}')",
          )
          .run(),
      ).toThrow(/UNIQUE constraint/);
      expect(raw.prepare("SELECT COUNT(*) AS n FROM thread_events").get()).toEqual({ n: 1 });
    } finally {
      raw.close();
    }
  });

  it("accepts exactly THREAD_STATUSES in the status CHECK constraint", () => {
    const { file } = fresh();
    const reg = ThreadRegistry.open(file);
    for (const status of THREAD_STATUSES) reg.register({ threadId: `t_${status}`, directive: "d", status });
    reg.close();
    const raw = rawDatabase(file);
    try {
      expect(() =>
        raw
          .prepare(
            "INSERT INTO threads (thread_id, directive, status, created_at, updated_at) VALUES ('x', 'd', 'bogus', '', '')",
          )
          .run(),
      ).toThrow(/CHECK constraint/);
    } finally {
      raw.close();
    }
  });
});

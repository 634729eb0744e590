import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { JOURNAL_FORMAT_VERSION } from "@kiwi/threads";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { PostgresThreadStore } from "./postgres-thread-store";
import { POSTGRES_SCHEMA_VERSION } from "./schema";
import { createTestDatabase } from "./test-support/test-database";

const db = await createTestDatabase("schema");
afterAll(() => db?.drop());

async function sql(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: db!.url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function codeOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return "(no error)";
  } catch (err) {
    return String((err as { code?: unknown }).code);
  }
}

describe.skipIf(!db)("PostgreSQL store schema", () => {
  it("is created by the first of several hosts opening at once, and versioned with the journal format", async () => {
    const stores = await Promise.all(
      Array.from({ length: 4 }, () => PostgresThreadStore.open({ url: db!.url, schema: "race" })),
    );
    try {
      for (const s of stores) expect(s.schemaVersion).toBe(POSTGRES_SCHEMA_VERSION);
      await stores[0]!.register({ threadId: "t", directive: "d" });
      expect((await stores[3]!.get("t"))?.directive).toBe("d");
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
    const client = new pg.Client({ connectionString: db!.url });
    await client.connect();
    const { rows } = await client.query('SELECT key, value FROM "race".meta ORDER BY key');
    await client.end();
    expect(rows).toEqual([
      { key: "journal_format_version", value: String(JOURNAL_FORMAT_VERSION) },
      { key: "schema_version", value: String(POSTGRES_SCHEMA_VERSION) },
    ]);
  });

  it("refuses a schema or a journal format a newer Kiwi wrote, changing nothing", async () => {
    await (await PostgresThreadStore.open({ url: db!.url, schema: "newer" })).close();
    await sql(
      `UPDATE "newer".meta SET value = '${POSTGRES_SCHEMA_VERSION + 1}' WHERE key = 'schema_version'`,
    );
    expect(await codeOf(() => PostgresThreadStore.open({ url: db!.url, schema: "newer" }))).toBe(
      "REGISTRY_VERSION",
    );
    await (await PostgresThreadStore.open({ url: db!.url, schema: "newer_journal" })).close();
    await sql(
      `UPDATE "newer_journal".meta SET value = '${JOURNAL_FORMAT_VERSION + 1}' WHERE key = 'journal_format_version'`,
    );
    expect(await codeOf(() => PostgresThreadStore.open({ url: db!.url, schema: "newer_journal" }))).toBe(
      "JOURNAL_VERSION",
    );
  });

  it("takes only plain schema names", async () => {
    for (const schema of ['x"; DROP TABLE y; --', "Upper", "", "a".repeat(64)]) {
      expect(await codeOf(() => PostgresThreadStore.open({ url: db!.url, schema }))).toBe("INVALID_INPUT");
    }
  });

  it("keeps the journal append-only in the database itself", async () => {
    const store = await PostgresThreadStore.open({ url: db!.url, schema: "journal" });
    try {
      await store.register({ threadId: "t", directive: "d" });
      await store.beginStep("t", { seq: 1, format: 1, kind: "tool", request: "{}", requestHash: "h" });
      await store.endStep("t", 1, '{"ok":true,"result":1}');
      await store.appendEvent("t", "tick", {});
    } finally {
      await store.close();
    }
    await expect(sql(`UPDATE "journal".thread_steps SET outcome = 'x'`)).rejects.toThrow(/written once/);
    await expect(sql(`DELETE FROM "journal".thread_steps`)).rejects.toThrow(/cannot be deleted/);
    await expect(sql(`DELETE FROM "journal".thread_events`)).rejects.toThrow(/append-only/);
  });
});

describe("without PostgreSQL", () => {
  const helper = fileURLToPath(new URL("./test-support/unreachable-child.ts", import.meta.url));
  const run = (ci: string) =>
    promisify(execFile)(process.execPath, ["--import", "tsx", helper], {
      env: { ...process.env, CI: ci, KIWI_TEST_POSTGRES_URL: "postgres://postgres@127.0.0.1:1/postgres" },
    });

  it("the suites say clearly that they did not run, and fail under CI=true", async () => {
    const { stdout, stderr } = await run("");
    expect(stdout.trim()).toBe("skipped");
    expect(stderr).toMatch(/DID NOT RUN/);
    await expect(run("true")).rejects.toMatchObject({ stderr: expect.stringMatching(/CI needs it/) });
  });
});

import { testThreadStore } from "@kiwi/testing";
import pg from "pg";
import { afterAll, describe, it } from "vitest";
import { PostgresThreadStore } from "./postgres-thread-store";
import { createTestDatabase } from "./test-support/test-database";

// The ThreadStore conformance suite on PostgreSQL: one database for this file, one schema per test (the
// suite's context name), a second instance is a second pool on the same database and schema.
const db = await createTestDatabase("conformance");
afterAll(() => db?.drop());

if (!db) {
  describe("thread store conformance: PostgreSQL", () => {
    it.skip("did not run: PostgreSQL is not reachable (see the warning above)", () => {});
  });
} else {
  const url = db.url;
  testThreadStore("PostgreSQL", ({ name }) => PostgresThreadStore.open({ url, schema: name }), {
    reopen: ({ name }) => PostgresThreadStore.open({ url, schema: name }),
    sharedEventLog: true,
    cleanup: async ({ name }) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  });
}

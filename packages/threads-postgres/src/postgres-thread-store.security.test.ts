import type { KiwiError } from "@kiwi/spec";
import pg from "pg";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { PostgresThreadStore } from "./postgres-thread-store";
import { createTestDatabase } from "./test-support/test-database";

// Store URLs and their credentials never appear in errors, logs or a store's own description.
const db = await createTestDatabase("security");
afterAll(() => db?.drop());

const USER = "kiwi_user_Zq7w";
const PASSWORD = "s3cr3t-P4ss_w0rd";

/** Every way an error can be shown: message, JSON, stack, inspected, its cause. */
function shown(err: unknown): string {
  const e = err as Error & { cause?: unknown };
  return [
    String(e),
    e.message,
    e.stack,
    JSON.stringify(e),
    JSON.stringify((e as KiwiError).context),
    String(e.cause),
  ].join("\n");
}

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error("expected a failure");
}

describe.skipIf(!db)("PostgreSQL store: credentials stay out of errors and logs", () => {
  const logged: string[] = [];
  const spies = [
    vi.spyOn(console, "log").mockImplementation((...a) => void logged.push(a.join(" "))),
    vi.spyOn(console, "warn").mockImplementation((...a) => void logged.push(a.join(" "))),
    vi.spyOn(console, "error").mockImplementation((...a) => void logged.push(a.join(" "))),
    vi.spyOn(process, "emitWarning").mockImplementation((w) => void logged.push(shown(w))),
  ];
  afterAll(() => {
    for (const s of spies) s.mockRestore();
  });
  afterEach(() => {
    for (const line of logged) {
      expect(line).not.toContain(PASSWORD);
      expect(line).not.toContain(USER);
    }
  });

  function secretFree(text: string): void {
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(encodeURIComponent(PASSWORD));
    expect(text).not.toContain(USER);
  }

  it("names the store by host and database only", async () => {
    const store = await PostgresThreadStore.open({
      url: db!.withPassword("postgres", PASSWORD),
      schema: "sec_a",
    });
    try {
      expect(store.location).toBe(`postgres://${new URL(db!.url).host}/${db!.name}`);
      secretFree(JSON.stringify(store));
      secretFree(store.location);
    } finally {
      await store.close();
    }
  });

  it("an unknown user (the server names it) does not reach the message", async () => {
    const err = await failure(() => PostgresThreadStore.open({ url: db!.withPassword(USER, PASSWORD) }));
    expect((err as KiwiError).code).toBe("REGISTRY_UNAVAILABLE");
    expect((err as KiwiError).message).toContain("[REDACTED]");
    secretFree(shown(err));
  });

  it("a missing database or a closed port: REGISTRY_UNAVAILABLE without the URL", async () => {
    const missing = new URL(db!.withPassword("postgres", PASSWORD));
    missing.pathname = "/kiwi_no_such_database";
    const err1 = await failure(() => PostgresThreadStore.open({ url: missing.toString() }));
    expect((err1 as KiwiError).code).toBe("REGISTRY_UNAVAILABLE");
    secretFree(shown(err1));
    const closed = `postgres://${USER}:${PASSWORD}@127.0.0.1:1/kiwi`;
    const err2 = await failure(() => PostgresThreadStore.open({ url: closed }));
    expect((err2 as KiwiError).code).toBe("REGISTRY_UNAVAILABLE");
    expect((err2 as KiwiError).message).toContain("postgres://127.0.0.1:1/kiwi");
    secretFree(shown(err2));
  });

  it("a URL that does not parse is refused without being repeated", async () => {
    for (const url of [
      `postgres://${USER}:${PASSWORD}@[bad`,
      `mysql://${USER}:${PASSWORD}@h/db`,
      `${PASSWORD}`,
    ]) {
      const err = await failure(() => PostgresThreadStore.open({ url }));
      expect((err as KiwiError).code).toBe("INVALID_INPUT");
      secretFree(shown(err));
    }
  });

  it("a failure while running (the schema dropped underneath) names no credential", async () => {
    const store = await PostgresThreadStore.open({
      url: db!.withPassword("postgres", PASSWORD),
      schema: "sec_b",
    });
    try {
      await store.register({ threadId: "t", directive: "d" });
      const admin = new pg.Client({ connectionString: db!.url });
      await admin.connect();
      await admin.query('DROP SCHEMA "sec_b" CASCADE');
      await admin.end();
      const err = await failure(() => store.appendEvent("t", "tick", {}));
      expect((err as KiwiError).code).toBe("REGISTRY_UNAVAILABLE");
      secretFree(shown(err));
    } finally {
      await store.close();
    }
  });
});

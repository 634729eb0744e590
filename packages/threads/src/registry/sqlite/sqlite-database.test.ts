// The SQLite adapter under the Node that runs the tests, with every driver that loads here: node:sqlite
// on Node 22.13+ and 24, better-sqlite3 where its native binding was built for this Node (Node 20 in this
// workspace). `node <22> node_modules/vitest/vitest.mjs run src/registry` runs the same file on Node 22.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, realpathSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { KiwiError } from "@kiwi/spec";
import { afterEach, describe, expect, it } from "vitest";
import { REGISTRY_SCHEMA_VERSION } from "../schema";
import { tempRegistry } from "../test-fixtures/helpers";
import { ThreadRegistry } from "../thread-registry";
import { nodeSqlite } from "./node-sqlite";
import { defaultSqliteDriver, openSqlite } from "./open-sqlite";
import { type SqliteDatabase, type SqliteDriver, transaction } from "./sqlite-database";

const packageRoot = fileURLToPath(new URL("../../../", import.meta.url));
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.reverse()) c();
  cleanups = [];
});

function tempDir(): string {
  const t = tempRegistry();
  cleanups.push(t.cleanup);
  return t.dir;
}

function open(driver: SqliteDriver, file: string, busyTimeoutMs = 5000): SqliteDatabase {
  const db = openSqlite(file, { busyTimeoutMs, driver });
  cleanups.push(() => db.close());
  return db;
}

/** Whether better-sqlite3's binding loads under this Node (it is built for the Node that installed it). */
function betterSqliteLoads(): boolean {
  try {
    openSqlite(":memory:", { busyTimeoutMs: 0, driver: "better-sqlite3" }).close();
    return true;
  } catch {
    return false;
  }
}

const drivers: SqliteDriver[] = [
  ...(nodeSqlite() ? (["node:sqlite"] as const) : []),
  ...(betterSqliteLoads() ? (["better-sqlite3"] as const) : []),
];

const errorOf = (fn: () => unknown): { code?: string; message: string } => {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error("expected an error, nothing was thrown");
};

describe("the default driver", () => {
  it("is node:sqlite from Node 22.13 (built in, no flag), better-sqlite3 before", () => {
    const builtIn = major > 22 || (major === 22 && minor >= 13);
    expect(defaultSqliteDriver()).toBe(builtIn ? "node:sqlite" : "better-sqlite3");
    expect(drivers).toContain(defaultSqliteDriver());
  });

  it("opens a registry without printing node:sqlite's ExperimentalWarning (any other warning passes)", () => {
    const script = [
      'import { openSqlite } from "./src/registry/sqlite/open-sqlite.ts";',
      'openSqlite(":memory:", { busyTimeoutMs: 0 }).close();',
      'process.emitWarning("still shown", "ExperimentalWarning");',
    ].join("\n");
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: packageRoot,
      encoding: "utf8",
    });
    expect(child.status, child.stderr).toBe(0);
    expect(child.stderr).not.toMatch(/SQLite is an experimental feature/);
    expect(child.stderr).toMatch(/ExperimentalWarning: still shown/);
  });
});

describe.each(drivers)("the %s driver", (driver) => {
  it("prepares statements with positional and named parameters: run, get, all", () => {
    const db = open(driver, join(tempDir(), "a.db"));
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, n INTEGER)");
    const insert = db.prepare("INSERT INTO t (name, n) VALUES (@name, @n)");
    expect(insert.run({ name: "a", n: 1 })).toMatchObject({ changes: 1, lastInsertRowid: 1 });
    expect(Number(insert.run({ name: "b", n: null }).lastInsertRowid)).toBe(2);
    expect(db.prepare("SELECT name, n FROM t WHERE id = ?").get(1)).toEqual({ name: "a", n: 1 });
    expect(db.prepare("SELECT name FROM t WHERE id = ?").get(99)).toBeUndefined();
    expect(db.prepare("SELECT name, n FROM t ORDER BY id").all()).toEqual([
      { name: "a", n: 1 },
      { name: "b", n: null },
    ]);
    expect(db.prepare("UPDATE t SET n = n + 1 WHERE n IS NOT NULL").run()).toMatchObject({ changes: 1 });
  });

  it("sets pragmas and reads them back", () => {
    const db = open(driver, join(tempDir(), "p.db"));
    db.pragma("journal_mode = WAL");
    db.pragma("user_version = 7");
    expect(db.pragmaValue("journal_mode")).toBe("wal");
    expect(db.pragmaValue("user_version")).toBe(7);
    db.pragma("busy_timeout = 1234");
    expect(db.pragmaValue("busy_timeout")).toBe(1234);
  });

  it("commits a transaction, rolls back and rethrows on error, nests as a savepoint", () => {
    const db = open(driver, join(tempDir(), "tx.db"));
    db.exec("CREATE TABLE t (v TEXT PRIMARY KEY)");
    const add = db.prepare("INSERT INTO t (v) VALUES (?)");
    const values = () => (db.prepare("SELECT v FROM t ORDER BY v").all() as { v: string }[]).map((r) => r.v);
    expect(transaction(db, (v: string) => add.run(v).changes).immediate("a")).toBe(1);
    const boom = new Error("boom");
    const failing = transaction(db, () => {
      add.run("b");
      throw boom;
    });
    expect(() => failing.immediate()).toThrow(boom);
    expect(values()).toEqual(["a"]);
    const inner = transaction(db, () => {
      add.run("c");
      throw boom;
    });
    transaction(db, () => {
      add.run("d");
      expect(() => inner.immediate()).toThrow(boom);
    }).immediate();
    expect(values()).toEqual(["a", "d"]);
    expect(transaction(db, () => values()).deferred()).toEqual(["a", "d"]);
  });

  it("names SQLite failures the way the registry reads them (code SQLITE_…)", () => {
    const dir = tempDir();
    const db = open(driver, join(dir, "e.db"));
    db.exec(
      "CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER CHECK (n > 0)); CREATE TRIGGER no_del BEFORE DELETE ON t BEGIN SELECT RAISE(ABORT, 'append-only'); END;",
    );
    db.prepare("INSERT INTO t (k, n) VALUES (?, ?)").run("a", 1);
    const dup = errorOf(() => db.prepare("INSERT INTO t (k, n) VALUES (?, ?)").run("a", 2));
    expect(dup).toMatchObject({ code: "SQLITE_CONSTRAINT_PRIMARYKEY" });
    expect(dup.message).toMatch(/UNIQUE constraint failed: t\.k/);
    expect(errorOf(() => db.prepare("INSERT INTO t (k, n) VALUES ('b', 0)").run())).toMatchObject({
      code: "SQLITE_CONSTRAINT_CHECK",
    });
    expect(errorOf(() => db.prepare("DELETE FROM t").run()).message).toMatch(/append-only/);
    const garbage = join(dir, "garbage.db");
    writeFileSync(garbage, Buffer.alloc(8192, "this is not a sqlite database "));
    const notADb = errorOf(() => open(driver, garbage).pragma("journal_mode = WAL"));
    expect(notADb).toMatchObject({ code: "SQLITE_NOTADB" });
    expect(notADb.message).toMatch(/not a database/);
  });

  it("waits out the busy timeout, then fails SQLITE_BUSY and stays usable", () => {
    const file = join(tempDir(), "busy.db");
    const holder = open(driver, file);
    holder.pragma("journal_mode = WAL");
    holder.exec("CREATE TABLE t (v INTEGER)");
    const waiter = open(driver, file, 30);
    holder.exec("BEGIN IMMEDIATE");
    const started = Date.now();
    const busy = errorOf(() =>
      transaction(waiter, () => waiter.exec("INSERT INTO t VALUES (1)")).immediate(),
    );
    expect(busy.code).toMatch(/^SQLITE_BUSY/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    holder.exec("COMMIT");
    transaction(waiter, () => waiter.prepare("INSERT INTO t VALUES (?)").run(2)).immediate();
    expect(holder.prepare("SELECT v FROM t").all()).toEqual([{ v: 2 }]);
  });

  it("backs a ThreadRegistry with the same behaviour", () => {
    const file = join(tempDir(), "registry.db");
    const reg = ThreadRegistry.open(file);
    cleanups.push(() => reg.close());
    reg.register({ threadId: "t1", directive: "d" });
    reg.appendEvent("t1", "message", { text: "hi" });
    expect(reg.updateStatus("t1", "completed", { reason: "end_turn" })).toMatchObject({
      status: "completed",
      reason: "end_turn",
    });
    expect(reg.getEvents("t1").map((e) => e.type)).toEqual(["message"]);
    expect(codeOfKiwi(() => reg.register({ threadId: "t1", directive: "d" }))).toBe("THREAD_ID_COLLISION");
  });
});

function codeOfKiwi(fn: () => unknown): string | undefined {
  const err = errorOf(fn);
  return KiwiError.isInstance(err) ? err.code : undefined;
}

/**
 * A copy of better-sqlite3 (and the packages it requires) without its compiled binding: what pnpm 10
 * installs when it skips the build. `binding` writes a file where the binding belongs (one that is not a
 * loadable library).
 */
function betterSqliteCopy(options: { binding?: string } = {}): string {
  const from = createRequire(join(packageRoot, "package.json"));
  const real = dirname(realpathSync(from.resolve("better-sqlite3/package.json")));
  const root = tempDir();
  const modules = join(root, "node_modules");
  cpSync(join(real, "package.json"), join(modules, "better-sqlite3/package.json"));
  cpSync(join(real, "lib"), join(modules, "better-sqlite3/lib"), { recursive: true });
  const own = createRequire(join(real, "package.json"));
  const bindings = dirname(realpathSync(own.resolve("bindings/package.json")));
  cpSync(bindings, join(modules, "bindings"), { recursive: true });
  const uri = createRequire(join(bindings, "package.json")).resolve("file-uri-to-path/package.json");
  cpSync(dirname(realpathSync(uri)), join(modules, "file-uri-to-path"), { recursive: true });
  if (options.binding !== undefined) {
    mkdirSync(join(modules, "better-sqlite3/build/Release"), { recursive: true });
    writeFileSync(join(modules, "better-sqlite3/build/Release/better_sqlite3.node"), options.binding);
  }
  writeFileSync(join(root, "package.json"), '{"name":"app","private":true}');
  return join(root, "package.json");
}

describe("better-sqlite3 that cannot load says what to do", () => {
  it("a binding pnpm never built: REGISTRY_UNAVAILABLE naming pnpm approve-builds and onlyBuiltDependencies", () => {
    const from = betterSqliteCopy();
    const file = join(tempDir(), "registry.db");
    const err = errorOf(() =>
      openSqlite(file, { busyTimeoutMs: 0, driver: "better-sqlite3", betterSqlite3From: from }),
    );
    expect(KiwiError.isInstance(err)).toBe(true);
    const kiwi = err as KiwiError;
    expect(kiwi.code).toBe("REGISTRY_UNAVAILABLE");
    expect(kiwi.context).toMatchObject({ file, driver: "better-sqlite3", reason: "missing_binding" });
    expect(kiwi.message).toContain("pnpm approve-builds");
    expect(kiwi.message).toContain('"pnpm": {"onlyBuiltDependencies": ["better-sqlite3"]}');
    expect(kiwi.message).toContain("pnpm rebuild better-sqlite3");
    expect(kiwi.message).toContain("npm install-scripts approve better-sqlite3");
    expect(kiwi.message).toContain("Node 22.13 or later");
    expect(kiwi.message).not.toMatch(/damaged|move .* aside/);
    // The real cause is kept: the `bindings` package's own "Could not locate the bindings file".
    expect(String((kiwi.cause as Error).message)).toMatch(/Could not locate the bindings file/);
    expect(existsSync(file)).toBe(false);
  });

  it("a binding that does not load on this Node or platform: rebuild it", () => {
    const from = betterSqliteCopy({ binding: "not a shared library" });
    const err = errorOf(() =>
      openSqlite(join(tempDir(), "r.db"), {
        busyTimeoutMs: 0,
        driver: "better-sqlite3",
        betterSqlite3From: from,
      }),
    ) as KiwiError;
    expect(err.code).toBe("REGISTRY_UNAVAILABLE");
    expect(err.context).toMatchObject({ reason: "wrong_binding" });
    expect(err.message).toContain("npm rebuild better-sqlite3");
    expect(err.message).not.toMatch(/damaged/);
  });

  it("better-sqlite3 not installed at all: install it, or use a Node with node:sqlite", () => {
    const root = tempDir();
    writeFileSync(join(root, "package.json"), '{"name":"app","private":true}');
    // In a child without NODE_PATH: pnpm's .bin shims set it to the store, where better-sqlite3 always is.
    const script = [
      'import { openSqlite } from "./src/registry/sqlite/open-sqlite.ts";',
      "const [file, from] = process.argv.slice(1);",
      'try { openSqlite(file, { busyTimeoutMs: 0, driver: "better-sqlite3", betterSqlite3From: from }); }',
      "catch (e) { console.log(JSON.stringify({ code: e.code, context: e.context, message: e.message })); }",
    ].join("\n");
    const { NODE_PATH: _, ...env } = process.env;
    const child = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        script,
        join(root, "r.db"),
        join(root, "package.json"),
      ],
      { cwd: packageRoot, encoding: "utf8", env },
    );
    expect(child.status, child.stderr).toBe(0);
    const err = JSON.parse(child.stdout) as { code: string; context: unknown; message: string };
    expect(err.code).toBe("REGISTRY_UNAVAILABLE");
    expect(err.context).toMatchObject({ reason: "not_installed" });
    expect(err.message).toContain("npm install better-sqlite3");
  });
});

/** A Node of another major version than this one, if the machine has one (PATH, or ~/.cache/kiwi/node). */
function otherNode(wanted: (major: number) => boolean): string | undefined {
  const cache = join(homedir(), ".cache/kiwi/node");
  const candidates = [
    "node",
    ...(existsSync(cache) ? readdirSync(cache).map((d) => join(cache, d, "bin/node")) : []),
  ];
  for (const candidate of candidates) {
    const v = spawnSync(candidate, ["-v"], { encoding: "utf8" });
    const m = /^v(\d+)\.(\d+)/.exec(v.stdout ?? "");
    if (v.status === 0 && m && wanted(Number(m[1])) && Number(m[1]) !== major) return candidate;
  }
  return undefined;
}

// The other driver runs in a Node of the other kind: node:sqlite needs Node 22.13+, and this workspace's
// better-sqlite3 binding is built for Node 20.
const thisDriver = defaultSqliteDriver();
const peer =
  thisDriver === "better-sqlite3" ? otherNode((m) => m >= 23 || m === 22) : otherNode((m) => m === 20);

describe("one file format", () => {
  it.skipIf(!peer)(
    `a registry written with ${thisDriver} is read and appended to with the other driver in another Node (${peer ?? "none found"})`,
    () => {
      const file = join(tempDir(), "registry.db");
      const reg = ThreadRegistry.open(file);
      reg.register({ threadId: "t1", directive: "d", status: "running" });
      reg.appendEvent("t1", "message", { text: "from here" });
      reg.close();
      const betterSqlite = createRequire(join(packageRoot, "package.json")).resolve("better-sqlite3");
      const openRaw =
        thisDriver === "better-sqlite3"
          ? 'const { DatabaseSync } = require("node:sqlite"); const db = new DatabaseSync(file);'
          : `const Database = require(${JSON.stringify(betterSqlite)}); const db = new Database(file);`;
      const script = `
        const file = process.argv[1];
        ${openRaw}
        const out = {
          version: db.prepare("PRAGMA user_version").get().user_version,
          mode: db.prepare("PRAGMA journal_mode").get().journal_mode,
          thread: { ...db.prepare("SELECT thread_id, status FROM threads").get() },
          events: db.prepare("SELECT seq, type, data FROM thread_events ORDER BY seq").all().map((r) => ({ ...r })),
        };
        db.prepare("INSERT INTO thread_events (thread_id, seq, ts, type, data) VALUES ('t1', 2, '2025-01-01T00:00:00.000Z', 'message', '{\\"text\\":\\"from there\\"}')").run();
        db.close();
        console.log(JSON.stringify(out));`;
      const child = spawnSync(peer!, ["--no-warnings", "-e", script, file], { encoding: "utf8" });
      expect(child.status, child.stderr).toBe(0);
      expect(JSON.parse(child.stdout)).toEqual({
        version: REGISTRY_SCHEMA_VERSION,
        mode: "wal",
        thread: { thread_id: "t1", status: "running" },
        events: [{ seq: 1, type: "message", data: '{"text":"from here"}' }],
      });
      const again = ThreadRegistry.open(file);
      cleanups.push(() => again.close());
      expect(again.getEvents("t1").map((e) => e.data)).toEqual([
        { text: "from here" },
        { text: "from there" },
      ]);
    },
  );
});

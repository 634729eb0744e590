// A store URL's credentials never reach output: a password (and a user) in --store or KIWI_STORE, a
// store that answers, a wrong host, a wrong database, a URL that is not PostgreSQL — every byte written
// to stdout and stderr is searched for them.
import { tempProject } from "@kiwi/testing";
import { DbosThreadEngine } from "@kiwi/threads-postgres/engine";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../../threads-postgres/src/test-support/test-database";
import { kiwi, type ThreadProject } from "../thread-display/test-support";

const db = await createTestDatabase("cli_store_security");
const PASSWORD = "Sup3r-S3cret-pw";
const USER = "kiwi_secret_user";
let where: ThreadProject;

beforeAll(async () => {
  const t = await tempProject({ prefix: "kiwi-cli-store" });
  where = { project: t.projectRoot, userSpace: t.userSpace, remove: t.remove };
});
afterAll(async () => {
  await where?.remove();
  await db?.drop();
});

function hidden(result: { out: string; err: string }): void {
  const all = result.out + result.err;
  expect(all).not.toContain(PASSWORD);
  expect(all).not.toContain(encodeURIComponent(PASSWORD));
  expect(all).not.toContain(USER);
}

describe.skipIf(!db)("store URLs and their credentials never appear in output", () => {
  const good = () => db!.withPassword("postgres", PASSWORD);
  const wrongHost = () => `postgres://${USER}:${PASSWORD}@127.0.0.1:1/${db!.name}`;
  const wrongDb = () => `postgres://postgres:${PASSWORD}@127.0.0.1:5432/kiwi_no_such_database`;

  it("before any worker started on the store, a submission is refused and nothing registered", async () => {
    const early = await kiwi(
      ["thread", "run", "line_writer", "--store", good(), "--detach", "--json"],
      where,
    );
    expect(early.code).toBe(1);
    expect(early.err).toContain("error THREAD_ENGINE_NOT_READY: no kiwi worker has started on");
    hidden(early);
    const list = await kiwi(["threads", "list", "--store", good(), "--json"], where);
    expect(JSON.parse(list.out).count).toBe(0);
    // A worker's engine creates the queue's tables (then stops: no thread runs in this file).
    const engine = await DbosThreadEngine.start({ url: db!.url, executorId: "setup" });
    await engine.stop();
  });

  it("a store that answers: list, submit --detach --json, status, events, export", async () => {
    const list = await kiwi(["threads", "list", "--store", good(), "--json"], where);
    expect(list.code, list.err).toBe(0);
    expect(JSON.parse(list.out)).toMatchObject({ success: true, count: 0 });
    hidden(list);
    const submitted = await kiwi(
      ["thread", "run", "line_writer", "hi", "--store", good(), "--detach", "--json"],
      where,
    );
    expect(submitted.code, submitted.err).toBe(0);
    const { thread_id: id } = JSON.parse(submitted.out) as { thread_id: string };
    expect(id).toMatch(/^line_writer_\d{8}_\d{6}_[a-z0-9]+$/);
    hidden(submitted);
    for (const args of [
      ["threads", "status", id],
      ["threads", "status", id, "--json"],
      ["threads", "events", id, "--json"],
      ["threads", "tail", id],
      ["threads", "export", id],
      ["threads", "list"],
    ]) {
      const r = await kiwi([...args, "--store", good()], where);
      expect(r.code, `${args.join(" ")}: ${r.err}`).toBe(0);
      hidden(r);
    }
    const status = await kiwi(["threads", "status", id, "--json"], { ...where, env: { KIWI_STORE: good() } });
    expect(JSON.parse(status.out)).toMatchObject({
      thread: { thread_id: id, status: "spawning" },
      worker: null,
    });
    expect(JSON.parse(status.out).store).toBe(`postgres://127.0.0.1:5432/${db!.name}`);
    hidden(status);
  });

  it("a control nobody takes fails with CONTROL_TIMEOUT (no worker runs the thread)", async () => {
    const submitted = await kiwi(
      ["thread", "run", "line_writer", "--store", good(), "--detach", "--json"],
      where,
    );
    const { thread_id: id } = JSON.parse(submitted.out) as { thread_id: string };
    const r = await kiwi(["threads", "pause", id, "--store", good(), "--timeout", "0.5"], where);
    expect(r.code).toBe(1);
    expect(r.err).toContain("error CONTROL_TIMEOUT");
    expect(r.err).toContain("is a kiwi worker running on this store?");
    hidden(r);
  });

  it("kill of a thread still in the queue cancels its workflow: it ends killed and no worker runs it", async () => {
    const submitted = await kiwi(
      ["thread", "run", "line_writer", "--store", good(), "--detach", "--json"],
      where,
    );
    const { thread_id: id } = JSON.parse(submitted.out) as { thread_id: string };
    const r = await kiwi(["threads", "kill", id, "--store", good(), "--json"], where);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      success: true,
      action: "kill",
      thread_id: id,
      status: "killed",
    });
    hidden(r);
    const client = new pg.Client({ connectionString: db!.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        "SELECT status FROM dbos.workflow_status WHERE workflow_uuid = $1",
        [id],
      );
      expect(rows[0]?.status).toBe("CANCELLED");
    } finally {
      await client.end();
    }
    const again = await kiwi(["threads", "kill", id, "--store", good()], where);
    expect(again.code).toBe(1);
    expect(again.err).toContain("THREAD_FINISHED");
  });

  it.each([
    ["a wrong host", wrongHost, "REGISTRY_UNAVAILABLE"],
    ["a wrong database", wrongDb, "REGISTRY_UNAVAILABLE"],
    ["a URL that is not PostgreSQL", () => `mysql://${USER}:${PASSWORD}@127.0.0.1/db`, "INVALID_INPUT"],
  ])("%s: a clear error, exit 1, no credentials", async (_, url, code) => {
    for (const args of [
      ["threads", "list", "--store", url()],
      ["threads", "status", "x", `--store=${url()}`],
      ["thread", "run", "line_writer", "hi", "--store", url(), "--detach", "--json"],
      ["threads", "kill", "x", "--json", "--store", url()],
    ]) {
      const r = await kiwi(args, where);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.err).toContain(`error ${code}`);
      hidden(r);
    }
    const env = await kiwi(["threads", "list", "--json"], { ...where, env: { KIWI_STORE: url() } });
    expect(env.code).toBe(1);
    expect(env.err).toContain(`error ${code}`);
    hidden(env);
  });

  it("kiwi worker on a store it cannot reach: exit 1, no credentials", async () => {
    const r = await kiwi(["worker", "--store", wrongHost(), "--name", "w"], {
      ...where,
      env: { ANTHROPIC_API_KEY: "test" },
    });
    expect(r.code).toBe(1);
    expect(r.err).toContain("error REGISTRY_UNAVAILABLE");
    hidden(r);
  });

  it("the command line: --detach needs a store; --provider goes to the worker", async () => {
    const detach = await kiwi(["thread", "run", "line_writer", "--detach"], where);
    expect(detach.code).toBe(2);
    expect(detach.err).toContain("--detach queues the thread on a shared store");
    const provider = await kiwi(
      ["thread", "run", "line_writer", "--store", good(), "--provider", "openai"],
      where,
    );
    expect(provider.code).toBe(2);
    expect(provider.err).toContain("pass it to kiwi worker");
    hidden(provider);
  });
});

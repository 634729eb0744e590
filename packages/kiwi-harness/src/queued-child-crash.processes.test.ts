// A parent's worker SIGKILLed inside a queued spawn (`kiwi worker`: PostgreSQL store, DBOS engine): its
// thread_directive step registered the child (`spawning`, its parent recorded) and then the process
// stopped — before queueing the child, or right after. Another worker takes the parent over and resumes
// it from its journal; the spawn step is reconciled with the registered child. The child must run
// exactly once (queued again when it never was, not a second time when it was) and the parent complete.
// Real processes, real PostgreSQL (a database of its own), the fake LLM server in this process.
import { existsSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createFakeLlmServer, type FakeLlmServer } from "@kiwi/fake-llm";
import { PostgresThreadStore } from "@kiwi/threads-postgres";
import { DbosThreadEngine } from "@kiwi/threads-postgres/engine";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../threads-postgres/src/test-support/test-database";
import { type FixtureChild, spawnFixture } from "./test-support/crash-fixture";
import { QUEUE_WORKER, QUEUED_BODY, type QueuedInput } from "./test-support/queue-worker-fixture";
import { threadDirectiveFile } from "./test-support/runtime-world";
import { call, createDirectives, createTestProject, firstUserText } from "./test-support/thread-world";

const db = await createTestDatabase("kiwi_harness_queued_child");
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await db?.drop();
});

const PARENT = "[queued parent]";
const CHILD = "[queued child]";
const LEASE_MS = "1500";

const tool = (item_id: string, parameters: Record<string, unknown>, id: string) =>
  call("execute", { item_type: "tool", action: "run", item_id, parameters }, id);

const script = () => ({
  turns: [],
  routes: [
    {
      match: PARENT,
      turns: [
        tool("thread_directive", { directive_name: "queued_worker", message: CHILD }, "spawn_1"),
        tool("thread_control", { action: "wait_children", timeout_ms: 60_000 }, "wait_1"),
        { text: "parent done" },
      ],
    },
    {
      match: CHILD,
      turns: [tool("bash", { command: "echo child >> effects.log" }, "bash_1"), { text: "child done" }],
    },
  ],
});

async function writeDirectives(projectRoot: string): Promise<void> {
  const shell = `
      <execute resource="kiwi-mcp" action="*"/>
      <execute resource="tool" id="bash"/>
      <execute resource="process" action="exec"/>`;
  const directives = {
    queued_parent: threadDirectiveFile({
      name: "queued_parent",
      permissions: `${shell}
      <execute resource="tool" id="thread_directive"/>
      <execute resource="tool" id="thread_control"/>
      <orchestration enabled="true"><allow_categories/><deny_categories/><allow_directives>queued_*</allow_directives><deny_directives/></orchestration>`,
    }),
    queued_worker: threadDirectiveFile({ name: "queued_worker", permissions: shell }),
  };
  await createDirectives(projectRoot, directives);
}

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, ms = 45_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** node-postgres, resolved from @kiwi/threads-postgres (a dependency of it, not of this package). */
type PgClient = {
  connect(): Promise<void>;
  query(sql: string, params: unknown[]): Promise<{ rows: { status: string }[] }>;
  end(): Promise<void>;
};
const pg = createRequire(
  realpathSync(
    join(dirname(fileURLToPath(import.meta.url)), "../node_modules/@kiwi/threads-postgres/package.json"),
  ),
)("pg") as { Client: new (options: { connectionString: string }) => PgClient };

/** DBOS's workflows of a thread id (the child's: one at most, whoever queued it). */
async function workflowsOf(threadId: string): Promise<{ status: string }[]> {
  const client = new pg.Client({ connectionString: db!.url });
  await client.connect();
  try {
    return (
      await client.query("SELECT status FROM dbos.workflow_status WHERE workflow_uuid = $1", [threadId])
    ).rows;
  } finally {
    await client.end();
  }
}

describe.skipIf(!db)(
  "a parent's worker SIGKILLed inside a queued spawn (PostgreSQL, DBOS, real processes)",
  () => {
    for (const hold of ["register", "queued"] as const) {
      it(`killed ${hold === "register" ? "after registering its child, before queueing it" : "after queueing its child, before the spawn's result"}: the worker taking the parent over runs the child exactly once and the parent completes`, {
        timeout: 120_000,
      }, async () => {
        const projectRoot = await createTestProject();
        cleanups.push(() => rmSync(projectRoot, { recursive: true, force: true }));
        const fake: FakeLlmServer = await createFakeLlmServer({ script: script() });
        cleanups.push(() => fake.close());
        await writeDirectives(projectRoot);
        const store = await PostgresThreadStore.open({ url: db!.url });
        cleanups.push(() => store.close());
        const workerEnv = (owner: string) => ({
          KIWI_TEST_STORE_URL: db!.url,
          KIWI_TEST_OWNER: owner,
          KIWI_TEST_LEASE_MS: LEASE_MS,
        });
        const start = (owner: string, mode: string): FixtureChild => {
          const child = spawnFixture(
            [projectRoot, fake.anthropicBaseUrl, mode],
            workerEnv(owner),
            QUEUE_WORKER,
          );
          cleanups.push(() => child.kill());
          return child;
        };
        const first = start(`first-${hold}`, hold);
        await first.waitForJson("ready");
        const parentId = `queued_parent_${hold}`;
        await DbosThreadEngine.enqueueThread(store, {
          url: db!.url,
          threadId: parentId,
          directive: "queued_parent",
          body: QUEUED_BODY,
          input: { directive: "queued_parent", message: PARENT } satisfies QueuedInput,
        });
        const held = (await first.waitForJson("holding")) as { child_id: string };
        await first.kill();
        expect(await first.exited).toBe("SIGKILL");
        const childId = held.child_id;
        expect(await store.get(childId)).toMatchObject({ status: "spawning", parent_id: parentId });
        expect((await workflowsOf(childId)).length).toBe(hold === "register" ? 0 : 1);

        // Another worker takes the dead one's parent over (its lease expired) and resumes it in place.
        const second = start(`second-${hold}`, "none");
        await second.waitForJson("ready");
        const parent = await until(
          "the parent to end",
          () => Promise.resolve(store.get(parentId)),
          (row) => row?.status === "completed" || row?.status === "error" || row?.status === "paused",
        );
        expect(parent, second.stderr()).toMatchObject({ status: "completed", reason: "end_turn" });

        // One child, the one registered before the crash, run to its end once.
        const children = await store.query({ parentId });
        expect(children.map((c) => c.thread_id)).toEqual([childId]);
        expect(await store.get(childId)).toMatchObject({ status: "completed", reason: "end_turn" });
        const effects = join(projectRoot, "effects.log");
        expect(existsSync(effects) ? readFileSync(effects, "utf8") : "").toBe("child\n");
        const asked = (marker: string) => fake.requests.filter((r) => firstUserText(r.body).includes(marker));
        expect(asked(CHILD)).toHaveLength(2);
        expect(await workflowsOf(childId)).toEqual([{ status: "SUCCESS" }]);
        // The resumed parent handed its child to the queue again, flagged: queued now only if it never was.
        const again = second.lines
          .filter((l) => l.startsWith("{"))
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .filter((j) => j.queued === childId);
        if (hold === "register") expect(again).toEqual([{ queued: childId, now: true, reconciled: true }]);
        // Queued before the crash: the new worker may take the child off the queue before the parent's
        // reconcile looks (then it is no longer spawning and is not handed over again); handed over or
        // not, it is never queued a second time.
        else expect(again.filter((j) => j.now !== false)).toEqual([]);
        // The parent got the child's id as its spawn's result (its second model call carries it).
        expect(JSON.stringify(asked(PARENT)[1]?.body)).toContain(childId);
        const resumed = (await store.getEvents(parentId)).filter((e) => e.type === "resumed");
        expect(resumed.at(-1)?.data.pending).toEqual([
          { seq: expect.any(Number), decision: "reconciled", child_id: childId },
        ]);
      });
    }
  },
);

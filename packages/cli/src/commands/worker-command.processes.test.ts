// `kiwi worker` on PostgreSQL with real processes: three workers and a submitting process on one
// database, a worker SIGKILLed while it holds threads, a worker SIGSTOPped past its lease (resumed on a copy
// of the project: another host), controls from another process, a graceful stop.
// The model is the fake LLM of @kiwi/fake-llm (one loopback server in this process for every worker).
import { type ChildProcess, spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Grant, mintToken } from "@kiwi/capabilities";
import { createFakeLlmServer, type FakeLlmServer, type FakeTurn } from "@kiwi/fake-llm";
import { createKernel } from "@kiwi/kernel";
import { keyIdOf } from "@kiwi/keys";
import { isTerminal, type ThreadRow } from "@kiwi/threads";
import { PostgresThreadStore } from "@kiwi/threads-postgres";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../../threads-postgres/src/test-support/test-database";
import { createDirective, createThreadProject, type ThreadProject } from "../thread-display/test-support";

const db = await createTestDatabase("cli_worker");
const CLI_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = fileURLToPath(new URL("../bin.ts", import.meta.url));
const SUBMIT = fileURLToPath(new URL("../thread-display/submit-process.ts", import.meta.url));
const LEASE_S = 2;

const run = (item_id: string, parameters: Record<string, unknown>): FakeTurn => ({
  tool_calls: [{ name: "execute", arguments: { item_type: "tool", action: "run", item_id, parameters } }],
});
const slow = (text: string, tool?: FakeTurn): FakeTurn => ({ ...tool, text, chunk_size: 2, delay_ms: 60 });

/**
 * The tool: appends its line to lines.txt unless it is there already, so it is `idempotent: true` — a call
 * in flight when its worker died runs again on the next (Kiwi's rule), and the line still exists once.
 */
const APPEND_LINE = `tool_id: append_line
tool_type: shell
version: "1.0.0"
description: Appends a line to lines.txt unless it is there already.
executor_id: subprocess
requires: [process.exec]
idempotent: true
parameters:
  - name: line
    type: string
    required: true
    description: The line.
config:
  command: /bin/sh
  args: ["-c", "grep -qx {line} lines.txt 2>/dev/null || echo {line} >> lines.txt"]
  timeout_ms: 20000
  max_output_bytes: 10000
`;

/** A directive whose model appends a line to lines.txt with append_line, then answers slowly. */
const LINE_WRITER = `# line_writer

Appends a line for the worker tests.

\`\`\`xml
<directive name="line_writer" version="1.0.0">
  <metadata>
    <description>Appends one line to lines.txt</description>
    <category></category>
    <model tier="fast">quick</model>
    <cost><max_turns>60</max_turns><max_total_tokens>200000</max_total_tokens><on_exceeded>stop</on_exceeded></cost>
    <permissions>
      <execute resource="kiwi-mcp" action="*"/>
      <execute resource="tool" id="append_line"/>
      <execute resource="tool" id="greet"/>
      <execute resource="process" action="exec"/>
    </permissions>
  </metadata>
  <process>
    <step name="write"><description>Write</description><action>Append the line.</action></step>
  </process>
</directive>
\`\`\`
`;

/** A directive for the children tests: its `<cost>` figures and permissions. */
const treeDirective = (name: string, cost: string, permissions: string) => `# ${name}

A thread of the children tests.

\`\`\`xml
<directive name="${name}" version="1.0.0">
  <metadata>
    <description>A thread of the children tests</description>
    <category></category>
    <model tier="fast">quick</model>
    <cost><max_turns>20</max_turns>${cost}<on_exceeded>stop</on_exceeded></cost>
    <permissions>${permissions}</permissions>
  </metadata>
  <process>
    <step name="go"><description>Go</description><action>Do it.</action></step>
  </process>
</directive>
\`\`\`
`;
const TREE_PARENT = treeDirective(
  "tree_parent",
  "<max_total_tokens>100000</max_total_tokens>",
  `
      <execute resource="kiwi-mcp" action="*"/>
      <execute resource="tool" id="thread_directive"/>
      <execute resource="tool" id="thread_control"/>
      <orchestration enabled="true"><allow_categories/><deny_categories/><allow_directives>tree_child</allow_directives><deny_directives/></orchestration>`,
);
// No figure of its own: a child draws on its parent's remaining budget (capped by it, reserving nothing).
const TREE_CHILD = treeDirective("tree_child", "", `<execute resource="kiwi-mcp" action="*"/>`);
/** One turn: spawn a child, then wait for it (no model call between: the parent's spend is fixed meanwhile). */
const spawnAndWait = (message: string): FakeTurn => ({
  tool_calls: [
    ...run("thread_directive", { directive_name: "tree_child", message }).tool_calls!,
    ...run("thread_control", { action: "wait_children" }).tool_calls!,
  ],
  usage: { input_tokens: 100, output_tokens: 50 },
});

/** A span as OTLP/HTTP JSON carries it. */
interface OtlpSpan {
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
}

let where: ThreadProject;
let fake: FakeLlmServer;
let store: PostgresThreadStore | undefined;
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (!db) return;
  where = await createThreadProject();
  await createDirective(where, "line_writer", LINE_WRITER);
  await createDirective(where, "tree_parent", TREE_PARENT);
  await createDirective(where, "tree_child", TREE_CHILD);
  const kernel = await createKernel({
    projectRoot: where.project,
    userSpace: where.userSpace,
    env: {},
    personAtTerminal: true,
  });
  const tool = await kernel.execute({
    item_type: "tool",
    action: "create",
    item_id: "append_line",
    parameters: { content: APPEND_LINE },
  });
  if (!tool.success) throw new Error(`${tool.error.code}: ${tool.error.message}`);
  const lines = Array.from({ length: 30 }, (_, i) => ({
    match: `[line ${i + 1}]`,
    turns: [
      run("append_line", { line: `line-${i + 1}` }),
      slow(`wrote line ${i + 1}, slowly`),
      { text: "done" },
    ],
  }));
  const steer = (name: string) => ({
    match: `[${name}]`,
    turns: [
      ...Array.from(
        {
          length:
            name === "graceful" || name.startsWith("conc")
              ? 6
              : name === "handback" || name === "stale"
                ? 14
                : 40,
        },
        (_, i) => slow(`${name} turn ${i + 1}`, run("greet", { who: `Ada ${i + 1}` })),
      ),
      { text: `${name} end` },
    ],
  });
  fake = await createFakeLlmServer({
    script: {
      turns: [],
      routes: [
        ...lines,
        steer("steer"),
        steer("killme"),
        steer("graceful"),
        steer("handback"),
        steer("stale"),
        ...Array.from({ length: 8 }, (_, i) => steer(`conc ${i + 1}`)),
        {
          match: "[tree parent]",
          turns: [
            spawnAndWait("[tree child one]"),
            spawnAndWait("[tree child two]"),
            { text: "the parent is done", usage: { input_tokens: 100, output_tokens: 50 } },
          ],
        },
        {
          match: "[tree child one]",
          turns: [{ ...slow("child one worked"), usage: { input_tokens: 700, output_tokens: 300 } }],
        },
        {
          match: "[tree child two]",
          turns: [{ text: "child two done", usage: { input_tokens: 60, output_tokens: 20 } }],
        },
        {
          match: "[traced parent]",
          turns: [spawnAndWait("[traced child]"), { text: "the traced parent is done" }],
        },
        { match: "[traced child]", turns: [{ text: "traced child done" }] },
        { match: "[status steps]", turns: [{ text: "status steps done" }] },
        { match: "[trusted child]", turns: [{ text: "trusted child done" }] },
        { match: "[forged child]", turns: Array(8).fill({ text: "a forged child ran" }) },
      ],
    },
  });
  store = await PostgresThreadStore.open({ url: db.url });
}, 60_000);
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGCONT");
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
    }
  }
});
afterAll(async () => {
  await store?.close();
  await fake?.close();
  await where?.remove();
  await db?.drop();
});

interface Proc {
  readonly child: ChildProcess;
  out(): string;
  err(): string;
  readonly exit: Promise<number | null>;
}

function proc(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, ["--import", "tsx", ...args], {
    cwd: CLI_ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      KIWI_USER_SPACE: where.userSpace,
      ANTHROPIC_API_KEY: "test",
      ANTHROPIC_BASE_URL: fake.anthropicBaseUrl,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (c: string) => (out += c));
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (err += c));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exit };
}

function worker(name: string, extra: string[] = [], env: Record<string, string> = {}): Proc {
  return proc(
    [
      BIN,
      "worker",
      "--store",
      db!.url,
      "--name",
      name,
      "--project",
      where.project,
      "--concurrency",
      "4",
      "--lease",
      String(LEASE_S),
      ...extra,
    ],
    env,
  );
}

async function until<T>(
  read: () => Promise<T> | T,
  ok: (v: T) => boolean,
  what: string,
  ms = 90_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ready = (w: Proc) => until(w.err, (e) => e.includes(" ready on "), "a worker to be ready", 60_000);
const lines = () =>
  existsSync(join(where.project, "lines.txt")) ? readFileSync(join(where.project, "lines.txt"), "utf8") : "";

async function submit(messages: string[], directive = "line_writer"): Promise<string[]> {
  const s = proc([SUBMIT, db!.url, where.project, directive, ...messages]);
  expect(await s.exit).toBe(0);
  return s.out().trim().split("\n");
}

/** kiwi <args> --store <url> in a process of its own (the "fifth process"). */
async function kiwiProc(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const p = proc([BIN, ...args, "--store", db!.url]);
  const code = await p.exit;
  return { code, out: p.out(), err: p.err() };
}

describe.skipIf(!db)("kiwi worker on PostgreSQL (real processes)", () => {
  it("30 threads over 3 workers; one SIGKILLed mid-run: every thread completes, every line exactly once", {
    timeout: 240_000,
  }, async () => {
    const workers = { w1: worker("w1"), w2: worker("w2"), w3: worker("w3") };
    await Promise.all(Object.values(workers).map(ready));
    const ids = await submit(Array.from({ length: 30 }, (_, i) => `[line ${i + 1}]`));
    expect(new Set(ids).size).toBe(30);
    const lineOf = new Map(ids.map((id, i) => [id, `line-${i + 1}`]));
    // Kill w1 while it holds threads whose line is written and whose slow answer is streaming.
    const held = await until(
      async () => {
        const running = await store!.query({ status: ["running"] });
        const mine: string[] = [];
        for (const r of running) {
          const lease = await store!.lease(r.thread_id);
          if (lease?.owner === "w1" && Date.parse(lease.expires_at) > Date.now()) mine.push(r.thread_id);
        }
        const written = lines().split("\n");
        return mine.length >= 2 && mine.every((id) => written.includes(lineOf.get(id)!)) ? mine : [];
      },
      (mine) => mine.length >= 2,
      "w1 holding threads mid-run",
    );
    workers.w1.child.kill("SIGKILL");
    await workers.w1.exit;
    const rows = await until(
      () => store!.query({ directive: "line_writer", limit: 100 }),
      (rs: ThreadRow[]) => rs.length === 30 && rs.every((r) => isTerminal(r.status)),
      "all 30 threads to complete",
      180_000,
    );
    expect(rows.map((r) => `${r.status}/${r.reason}`)).toEqual(Array(30).fill("completed/end_turn"));
    const written = lines().trim().split("\n").sort();
    expect(written).toEqual(Array.from({ length: 30 }, (_, i) => `line-${i + 1}`).sort());
    // The threads w1 held were taken over by the others.
    const survivors = workers.w2.err() + workers.w3.err();
    for (const id of held) expect(survivors).toContain(id);
    expect(survivors).toMatch(/took over .* from a worker whose lease expired/);
    // Any host follows a thread: its events are in the store.
    const events = await kiwiProc(["threads", "events", held[0]!, "--json"]);
    expect(events.code).toBe(0);
    expect(JSON.parse(events.out).events.map((e: { type: string }) => e.type)).toContain("worker");
  });

  it("controls from another process reach the owning worker: pause, inject, resume, terminate, kill", {
    timeout: 180_000,
  }, async () => {
    const [w] = [worker("c1"), worker("c2")];
    await ready(w!);
    const [steer, killme] = await submit(["[steer]", "[killme]"]);
    await until(
      () => store!.get(steer!),
      (r) => r?.status === "running",
      "the steered thread to run",
    );
    await until(
      () => store!.get(killme!),
      (r) => r?.status === "running",
      "the other thread to run",
    );
    const killed = await kiwiProc(["threads", "kill", killme!, "--json"]);
    expect(killed.code, killed.err).toBe(0);
    expect(JSON.parse(killed.out)).toMatchObject({ success: true, action: "kill", applied: true });
    const paused = await kiwiProc(["threads", "pause", steer!]);
    expect(paused.code, paused.err).toBe(0);
    expect(paused.out).toContain("(applied by its worker)");
    await until(
      () => store!.get(steer!),
      (r) => r?.status === "paused",
      "the pause to show in the store",
    );
    const injected = await kiwiProc(["threads", "inject", steer!, "hello", "from", "afar"]);
    expect(injected.code, injected.err).toBe(0);
    const resumed = await kiwiProc(["threads", "resume", steer!]);
    expect(resumed.code, resumed.err).toBe(0);
    await until(
      () => store!.getEvents(steer!),
      (es) => es.some((e) => JSON.stringify(e.data).includes("hello from afar")),
      "the injected message in the thread's events",
    );
    const terminated = await kiwiProc(["threads", "terminate", steer!]);
    expect(terminated.code, terminated.err).toBe(0);
    const ended = await until(
      () => store!.get(steer!),
      (r) => r?.status === "completed",
      "the terminate",
    );
    expect(ended?.reason).toBe("terminated");
    expect(
      (
        await until(
          () => store!.get(killme!),
          (r) => r?.status === "killed",
          "the kill",
        )
      )?.status,
    ).toBe("killed");
    // A control for a finished thread fails clearly, from any host.
    const late = await kiwiProc(["threads", "pause", steer!]);
    expect(late.code).toBe(1);
    expect(late.err).toContain("THREAD_FINISHED");
  });

  it("graceful stop: SIGTERM lets the running thread finish, then the worker exits 0", {
    timeout: 120_000,
  }, async () => {
    const w = worker("g1", ["--grace", "60"]);
    await ready(w);
    // Submitted without --detach: the submitting process follows the thread from the store.
    const follower = proc([BIN, "thread", "run", "line_writer", "[graceful]", "--store", db!.url, "--json"]);
    const queued = await until(follower.err, (e) => / queued on /.test(e), "the submission");
    const id = /^thread (\S+) queued on postgres:\/\/127\.0\.0\.1:\d+\//m.exec(queued)?.[1];
    expect(id).toBeDefined();
    await until(
      () => store!.get(id!),
      (r) => r?.status === "running",
      "the thread to run",
    );
    w.child.kill("SIGTERM");
    expect(await w.exit).toBe(0);
    expect((await store!.get(id!))?.status).toBe("completed");
    expect(w.err()).toContain("stopping: no new threads");
    expect(w.err()).toContain(`finished ${id}: completed`);
    expect(w.err()).toMatch(/worker g1: stopped$/m);
    expect(await follower.exit).toBe(0);
    expect(JSON.parse(follower.out())).toMatchObject({ success: true, thread_id: id, status: "completed" });
    expect(follower.err()).toContain("graceful turn 6");
    expect(follower.err()).toContain("worker g1 took the thread");
  });

  it("a second signal hands the running thread back: another worker finishes it", {
    timeout: 150_000,
  }, async () => {
    const h1 = worker("h1", ["--grace", "60"]);
    await ready(h1);
    const [id] = await submit(["[handback]"]);
    await until(
      () => store!.get(id!),
      (r) => r?.status === "running",
      "the thread to run",
    );
    h1.child.kill("SIGTERM");
    await until(h1.err, (e) => e.includes("stopping: no new threads"), "the first signal");
    h1.child.kill("SIGTERM");
    expect(await h1.exit).toBe(1);
    expect(h1.err()).toContain(`handed back ${id}`);
    const h2 = worker("h2");
    const row = await until(
      () => store!.get(id!),
      (r) => r?.status === "completed",
      "h2 to finish it",
    );
    expect(row?.reason).toBe("end_turn");
    expect(h2.err()).toContain(`took over ${id}`);
    // h1's abort of the step in flight is not the step's result: its lease token moved on before its
    // body stopped, so the outcome it tried to record was refused (h2 ran the step itself).
    const outcomes = (await store!.steps(id!)).map((s) => s.outcome ?? "");
    expect(outcomes.filter((o) => o.includes("ABORTED"))).toEqual([]);
  });

  it("a worker SIGSTOPped past its lease and SIGCONTed records nothing more: the journal unchanged, LEASE_LOST in its log", {
    timeout: 150_000,
  }, async () => {
    // s2 stands for another host: a copy of the project made before anything ran (no local registry,
    // journal or transcript of the thread): it resumes the thread from the store alone.
    const elsewhere = mkdtempSync(join(tmpdir(), "kiwi-other-host-"));
    cpSync(where.project, elsewhere, { recursive: true });
    const s1 = worker("s1");
    await ready(s1);
    const [id] = await submit(["[stale]"]);
    // Stopped mid-run: turns journaled, a model call streaming.
    await until(
      () => store!.steps(id!),
      (steps) => steps.filter((s) => s.kind === "model").length >= 3,
      "s1 a few turns into the thread",
    );
    s1.child.kill("SIGSTOP");
    const before = (await store!.steps(id!)).length;
    const s2 = worker("s2", ["--project", elsewhere]);
    const row = await until(
      () => store!.get(id!),
      (r) => r?.status === "completed",
      "s2 to take the thread over and finish it",
    );
    expect(row?.reason).toBe("end_turn");
    expect(s2.err()).toContain(`took over ${id}`);
    const journal = await store!.steps(id!);
    // Resumed in place from the store's journal: the steps s1 recorded are there once, not run again.
    expect(journal.length).toBeGreaterThan(before);
    expect(new Set(journal.map((s) => s.seq)).size).toBe(journal.length);
    const events = await store!.getEvents(id!);
    expect(events.filter((e) => e.type === "resumed")).toHaveLength(1);
    s1.child.kill("SIGCONT");
    await until(s1.err, (e) => e.includes("LEASE_LOST"), "s1 to learn it lost the lease");
    // Whatever s1 had in flight ended meanwhile: its writes were refused.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await store!.steps(id!)).toEqual(journal);
    const after = await store!.getEvents(id!);
    // Not one event row more: s1's late events (its streamed answer, its tool's end…) were refused.
    expect(after).toEqual(events);
    expect(after.filter((e) => e.type === "completed")).toHaveLength(1);
    expect((await store!.get(id!))?.status).toBe("completed");
    expect(s1.err()).not.toContain(`finished ${id}`);
    rmSync(elsewhere, { recursive: true, force: true });
  });

  it("a parent on one worker spawns children that run on the other: the children's spend rolls up into its budget", {
    timeout: 150_000,
  }, async () => {
    const p1 = worker("p1", ["--concurrency", "1"]);
    const p2 = worker("p2", ["--concurrency", "1"]);
    await Promise.all([ready(p1), ready(p2)]);
    const [parentId] = await submit(["[tree parent]"], "tree_parent");
    const parent = await until(
      () => store!.get(parentId!),
      (r) => !!r && isTerminal(r.status),
      "the parent to end",
      120_000,
    );
    expect(`${parent?.status}/${parent?.reason}`).toBe("completed/end_turn");
    const kids = (await store!.query({ parentId: parentId!, limit: 10 })).sort((a, b) =>
      a.created_at.localeCompare(b.created_at),
    );
    expect(kids.map((k) => `${k.directive} ${k.status}/${k.reason}`)).toEqual([
      "tree_child completed/end_turn",
      "tree_child completed/end_turn",
    ]);
    // Who ran what: each thread's `worker` event names the worker that took it.
    const ranOn = async (id: string) =>
      (await store!.getEvents(id)).filter((e) => e.type === "worker").map((e) => e.data.worker);
    const parentWorker = await ranOn(parentId!);
    expect(parentWorker).toHaveLength(1);
    const other = parentWorker[0] === "p1" ? "p2" : "p1";
    for (const kid of kids) expect(await ranOn(kid.thread_id)).toEqual([other]);
    // Queued by the parent's worker, with its spawn's permission context.
    expect(kids[0]!.permission_context).toMatchObject({
      spawned_by: "thread_directive",
      queued_by: parentWorker[0],
      caller_thread: parentId,
    });
    // The first child is capped by what its parent had left: 100,000 - 150 (the parent's first turn).
    expect(kids[0]!.budget).toMatchObject({ max_total_tokens: 99_850 });
    expect(kids[0]!.usage).toMatchObject({ input_tokens: 700, output_tokens: 300 });
    // The second by what was left once the first child's spend rolled up: 100,000 - 300 - 1,000.
    expect(kids[1]!.budget).toMatchObject({ max_total_tokens: 98_700 });
    expect(kids[1]!.usage).toMatchObject({ input_tokens: 60, output_tokens: 20 });
    expect(parent!.usage).toMatchObject({ input_tokens: 300, output_tokens: 150 });
    // The parent waited for its children through the store and heard of each spawn.
    const parentEvents = await store!.getEvents(parentId!);
    expect(parentEvents.filter((e) => e.type === "child_spawned").map((e) => e.data.child_id)).toEqual(
      kids.map((k) => k.thread_id),
    );
    // The children's tokens were minted on their own worker from the parent's signed grants.
    for (const kid of kids) {
      const minted = (await store!.getEvents(kid.thread_id)).find((e) => e.type === "token_minted");
      expect(minted, `token_minted of ${kid.thread_id}`).toBeDefined();
    }
    expect(p1.err() + p2.err()).toMatch(/queued child tree_child_\S+ of tree_parent_/);
  });

  it("a queued child whose grant is forged, widened, replayed, missing or signed by an untrusted key fails; kiwi trust admits the key", {
    timeout: 150_000,
  }, async () => {
    const g1 = worker("g1", ["--concurrency", "2"]);
    await ready(g1);
    const { DbosThreadEngine } = await import("@kiwi/threads-postgres/engine");
    await store!.register({
      threadId: "grant_parent",
      directive: "tree_parent",
      status: "running",
      pid: null,
    });
    const own = await (
      await createKernel({ projectRoot: where.project, userSpace: where.userSpace, env: {} })
    ).signingKey();
    const stranger = generateKeyPairSync("ed25519");
    const strangerKey = {
      keyId: keyIdOf(stranger.publicKey),
      privateKey: stranger.privateKey,
      publicKey: stranger.publicKey,
      publicKeyPem: stranger.publicKey.export({ type: "spki", format: "pem" }).toString(),
    };
    const grant = async (
      key: typeof own,
      childId: string,
      caps: Grant[] = [
        { cap: "kiwi.search" },
        {
          cap: "orchestration.spawn",
          scope: {
            enabled: true,
            allow_categories: [],
            deny_categories: [],
            allow_directives: ["tree_child"],
            deny_directives: [],
          },
        },
      ],
    ) =>
      (
        await mintToken({
          key,
          grants: caps,
          directiveId: "tree_parent",
          threadId: "grant_parent",
          parentJti: "parent-jti",
          audience: `kiwi-child-grant:${childId}`,
          issuer: "kiwi-thread-parent",
        })
      ).token;
    // The payload widened (more capabilities), the signature kept.
    const widen = (token: string) => {
      const [head, body, sig] = token.split(".") as [string, string, string];
      const claims = JSON.parse(Buffer.from(body, "base64url").toString());
      claims.caps = [{ cap: "process.exec" }, { cap: "fs.write" }, { cap: "net.http" }];
      return `${head}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${sig}`;
    };
    const queue = async (threadId: string, parentGrant: string | undefined, message = "[forged child]") => {
      await DbosThreadEngine.enqueueThread(store!, {
        url: db!.url,
        threadId,
        directive: "tree_child",
        body: "kiwi.directive",
        parentId: "grant_parent",
        input: { directive: "tree_child", message, ...(parentGrant ? { parent_grant: parentGrant } : {}) },
      });
    };
    await queue("forged_stranger", await grant(strangerKey, "forged_stranger", [{ cap: "process.exec" }]));
    await queue("forged_widened", widen(await grant(own, "forged_widened")));
    await queue("forged_replayed", await grant(own, "another_child"));
    await queue("forged_missing", undefined);
    const refused = ["forged_stranger", "forged_widened", "forged_replayed", "forged_missing"];
    const rows = await until(
      () => Promise.all(refused.map((id) => store!.get(id))),
      (rs) => rs.every((r) => !!r && isTerminal(r.status)),
      "the forged children to end",
    );
    expect(rows.map((r) => `${r!.thread_id} ${r!.status}/${r!.reason}`)).toEqual(
      refused.map((id) => `${id} error/THREAD_GRANT_INVALID`),
    );
    // Nothing ran: no model request, no token, no budget reserved.
    expect(fake.requests.filter((r) => JSON.stringify(r.body).includes("[forged child]"))).toHaveLength(0);
    for (const id of refused) {
      const types = (await store!.getEvents(id)).map((e) => e.type);
      expect(types).not.toContain("token_minted");
      expect(types).not.toContain("spawned");
      expect((await store!.get(id))?.budget).toBeNull();
    }
    expect(g1.err()).toContain("forged_stranger stopped here: THREAD_GRANT_INVALID");
    // Once the person trusts the stranger's key (kiwi trust), a child it signed a grant for runs.
    const keyDir = mkdtempSync(join(tmpdir(), "kiwi-stranger-"));
    const pub = join(keyDir, "stranger.pub");
    writeFileSync(pub, strangerKey.publicKeyPem);
    const trusted = proc([BIN, "trust", pub]);
    expect(await trusted.exit, trusted.err()).toBe(0);
    await queue("trusted_child", await grant(strangerKey, "trusted_child"), "[trusted child]");
    const ok = await until(
      () => store!.get("trusted_child"),
      (r) => !!r && isTerminal(r.status),
      "the trusted child to end",
    );
    expect(`${ok?.status}/${ok?.reason}`).toBe("completed/end_turn");
    rmSync(keyDir, { recursive: true, force: true });
  });

  it("a submission's trace goes on at the workers: the parent under the submit span, its child (on the other worker) under the spawning call", {
    timeout: 150_000,
  }, async () => {
    // A loopback OTLP/HTTP receiver (http/json): every batch the processes export.
    const batches: { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] }[] = [];
    const otlp = createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8").on("data", (c: string) => (body += c));
      req.on("end", () => {
        batches.push(JSON.parse(body));
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => otlp.listen(0, "127.0.0.1", resolve));
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(otlp.address() as AddressInfo).port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    };
    try {
      const t1 = worker("t1", ["--concurrency", "1"], env);
      const t2 = worker("t2", ["--concurrency", "1"], env);
      await Promise.all([ready(t1), ready(t2)]);
      const s = proc([SUBMIT, db!.url, where.project, "tree_parent", "[traced parent]"], env);
      expect(await s.exit).toBe(0);
      const parentId = s.out().trim();
      await until(
        () => store!.get(parentId),
        (r) => r?.status === "completed",
        "the traced parent to complete",
      );
      // A graceful stop flushes each worker's spans.
      for (const w of [t1, t2]) w.child.kill("SIGTERM");
      expect(await t1.exit).toBe(0);
      expect(await t2.exit).toBe(0);
      const spans = batches.flatMap((b) =>
        b.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((ss) => ss.spans)),
      );
      const one = (name: string) => {
        const found = spans.filter((sp) => sp.name === name);
        expect(found, name).toHaveLength(1);
        return found[0]!;
      };
      const submitted = one("submit tree_parent");
      const parent = one("invoke_agent tree_parent");
      const child = one("invoke_agent tree_child");
      expect(parent).toMatchObject({ traceId: submitted.traceId, parentSpanId: submitted.spanId });
      expect(child.traceId).toBe(submitted.traceId);
      // The child's span hangs under the parent's thread_directive call, made on the other worker.
      const spawning = spans.find((sp) => sp.spanId === child.parentSpanId);
      expect(spawning?.name).toMatch(/^execute_tool /);
      expect(spawning?.parentSpanId).toBe(parent.spanId);
    } finally {
      await new Promise((resolve) => otlp.close(resolve));
    }
  });

  it("a submitted thread's row goes spawning → running → completed as a worker takes and runs it", {
    timeout: 120_000,
  }, async () => {
    // Every change of a row's status, as PostgreSQL saw it (a trigger on the store's table).
    const admin = new pg.Client({ connectionString: db!.url });
    await admin.connect();
    try {
      await admin.query(`
        CREATE TABLE public.status_log (n serial PRIMARY KEY, thread_id text, status text);
        CREATE FUNCTION public.log_status() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
          IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN
            INSERT INTO public.status_log (thread_id, status) VALUES (NEW.thread_id, NEW.status);
          END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER log_status AFTER INSERT OR UPDATE ON kiwi.threads
          FOR EACH ROW EXECUTE FUNCTION public.log_status();`);
      const q1 = worker("q1");
      await ready(q1);
      const [id] = await submit(["[status steps]"], "tree_child");
      await until(
        () => store!.get(id!),
        (r) => r?.status === "completed",
        "the thread to complete",
      );
      const { rows } = await admin.query(
        "SELECT status FROM public.status_log WHERE thread_id = $1 ORDER BY n",
        [id],
      );
      expect(rows.map((r: { status: string }) => r.status)).toEqual(["spawning", "running", "completed"]);
    } finally {
      await admin.query("DROP TRIGGER IF EXISTS log_status ON kiwi.threads").catch(() => undefined);
      await admin.end();
    }
  });

  it("concurrency is per worker: --concurrency 1 and 3 on one store run at most 1 and 3 threads", {
    timeout: 150_000,
  }, async () => {
    const one = worker("k1", ["--concurrency", "1"]);
    const three = worker("k3", ["--concurrency", "3"]);
    await Promise.all([ready(one), ready(three)]);
    const ids = await submit(Array.from({ length: 8 }, (_, i) => `[conc ${i + 1}]`));
    const most = { k1: 0, k3: 0 };
    await until(
      async () => {
        const held = { k1: 0, k3: 0 };
        for (const id of ids) {
          const lease = await store!.lease(id);
          if (
            lease &&
            Date.parse(lease.expires_at) > Date.now() &&
            (lease.owner === "k1" || lease.owner === "k3")
          )
            held[lease.owner] += 1;
        }
        most.k1 = Math.max(most.k1, held.k1);
        most.k3 = Math.max(most.k3, held.k3);
        const rows = await Promise.all(ids.map((id) => store!.get(id)));
        return rows.every((r) => r?.status === "completed");
      },
      (done) => done,
      "the 8 threads to complete",
      120_000,
    );
    expect(most).toEqual({ k1: 1, k3: 3 });
  });
});

import type { FakeToolCall, FakeTurn } from "@kiwi/fake-llm";
import { HARNESS_KIND, validatePlugin } from "@kiwi/spec";
import { afterEach, describe, expect, it } from "vitest";
import {
  type CreateHarnessTestRuntime,
  type HarnessTestProvider,
  type HarnessWorld,
  harnessWorld,
  suiteDirective,
  transcriptEvents,
} from "./harness-test-world";
import type { CreateSigningKernel } from "./install-signed";

export interface TestHarnessOptions {
  /** The harness definition's tool id (`kiwi_harness`, `minimal_harness`). */
  readonly harness: string;
  /** `createThreadRuntime` from `@kiwi/kiwi-harness` (passed in: the test kit cannot depend on the runtime). */
  readonly createThreadRuntime: CreateHarnessTestRuntime;
  /** The provider plugin the threads stream through, pointed at the scripted fake LLM. */
  readonly provider: HarnessTestProvider;
  /** How the harness's model calls a Kiwi tool: the fake model's tool call running `toolId` with `parameters`. */
  readonly toolCall: (toolId: string, parameters: Record<string, unknown>) => FakeToolCall;
  /**
   * The package that ships the harness definition (its folder): installed in every test project. Omit it
   * for a harness the runtime ships itself (`kiwi_harness`).
   */
  readonly packageDir?: string | URL;
  /**
   * `createKernel` from `@kiwi/kernel`, to sign the package's items with a throwaway publisher key the
   * project trusts (a package whose YAML is unsigned in its repository). Without it the items are used
   * as they are (signed by a key Kiwi trusts).
   */
  readonly signWith?: CreateSigningKernel;
  /** Per-test timeout in ms (default 30 000). */
  readonly timeoutMs?: number;
}

const ID_PATTERN = /^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/;
const WAIT = { timeoutMs: 20_000 };
const STOP_AT_TWO = "<cost><max_turns>2</max_turns><on_exceeded>stop</on_exceeded></cost>";
const ROOMY = "<cost><max_turns>8</max_turns><on_exceeded>stop</on_exceeded></cost>";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * The harness conformance suite: the harness runs real directives on managed threads of a real thread
 * runtime (a SQLite registry, transcripts, the kernel's capability guard) against the scripted fake LLM,
 * and the guarantees of a managed thread must hold whatever the harness does — a token minted in the
 * thread and carried by every call (a denied tool comes back CAPABILITY_DENIED), budgets and `max_turns`
 * stop the run, pause / inject / resume / terminate / kill work, events reach the transcript. Call it at
 * the top level of a vitest file; first- and third-party harnesses run the same cases.
 */
export function testHarness(name: string, options: TestHarnessOptions): void {
  const timeout = options.timeoutMs ?? 30_000;
  const call = (id: string, parameters: Record<string, unknown>): FakeTurn => ({
    tool_calls: [options.toolCall(id, parameters)],
  });
  const greet = (who: string) => call("greet", { who });

  describe(`harness conformance: ${name}`, () => {
    let world: HarnessWorld | undefined;
    afterEach(async () => {
      await world?.close();
      world = undefined;
    });

    /** A world whose directive `suite_task` has `cost`, and a thread of it spawned on the harness. */
    async function start(turns: FakeTurn[], cost = ROOMY, harnessIn: "spawn" | "directive" = "spawn") {
      world = await harnessWorld(options, { turns });
      const created = await world.runtime.kernel.execute({
        item_type: "directive",
        action: "create",
        item_id: "suite_task",
        parameters: {
          content: suiteDirective({
            name: "suite_task",
            cost,
            ...(harnessIn === "directive" ? { harness: options.harness } : {}),
          }),
        },
      });
      if (!created.success)
        throw new Error(`creating the suite's directive failed: ${created.error?.message}`);
      const spawned = await world.runtime.spawn({
        directive: "suite_task",
        message: "greet Ada",
        ...(harnessIn === "spawn" ? { harness: options.harness } : {}),
      });
      const w = world;
      return {
        w,
        id: spawned.thread_id,
        m: w.runtime.manager,
        events: () => transcriptEvents(w.runtime.manager.transcriptPath(spawned.thread_id)),
        requests: () => w.fake.requests.filter((r) => r.endpoint !== "unknown"),
      };
    }

    it("is a harness the plugin loader accepts, with a kebab- or snake-case id", { timeout }, async () => {
      world = await harnessWorld(options, { turns: [] });
      const harness = await world.runtime.kernel.instantiatePlugin({
        itemId: options.harness,
        kind: HARNESS_KIND,
      });
      const checked = await validatePlugin(HARNESS_KIND, harness);
      expect(checked.ok ? "" : checked.message).toBe("");
      expect((harness as { id: string }).id).toMatch(ID_PATTERN);
    });

    it("runs a directive naming it on a managed thread: token minted in the thread, calls audited, events in the transcript", {
      timeout,
    }, async () => {
      const { id, m, events, requests } = await start(
        [greet("Ada"), { text: "Greeted Ada." }],
        ROOMY,
        "directive",
      );
      const row = await m.wait(id, WAIT);
      expect(row).toMatchObject({ status: "completed", reason: "end_turn" });
      expect(row.permission_context).toMatchObject({ harness: options.harness });
      const ev = events();
      const types = ev.map((e) => e.type);
      expect(ev[0]).toMatchObject({ type: "spawned", harness: options.harness });
      expect(types.indexOf("directive_loaded")).toBeLessThan(types.indexOf("token_minted"));
      expect(types.indexOf("token_minted")).toBeLessThan(types.indexOf("turn_start"));
      const jti = ev.find((e) => e.type === "token_minted")?.jti;
      expect(ev.filter((e) => e.type === "tool_call")).toEqual([
        expect.objectContaining({ jti, target: "greet", grant: "tool.execute:greet" }),
      ]);
      expect(ev.filter((e) => e.type === "tool_result")).toEqual([
        expect.objectContaining({ success: true }),
      ]);
      expect(ev.filter((e) => e.type === "turn_start")).toHaveLength(2);
      expect(ev.filter((e) => e.type === "cost_update")).toHaveLength(2);
      expect(ev.filter((e) => e.type === "completed")).toEqual([
        expect.objectContaining({ status: "completed", turns: 2, final_text: "Greeted Ada." }),
      ]);
      expect(requests()).toHaveLength(2);
      expect(JSON.stringify(requests()[1]!.body)).toContain("Hello, Ada!");
    });

    it("a tool the token does not allow is refused with CAPABILITY_DENIED, and the model reads why", {
      timeout,
    }, async () => {
      const { id, m, events, requests } = await start([
        call("read_file", { path: "src/secret.txt" }),
        call("read_file", { path: "docs/readme.md" }),
        { text: "done" },
      ]);
      expect(await m.wait(id, WAIT)).toMatchObject({ status: "completed" });
      expect(
        events()
          .filter((e) => e.type === "tool_result")
          .map((e) => [e.success, e.error_code]),
      ).toEqual([
        [false, "CAPABILITY_DENIED"],
        [true, undefined],
      ]);
      const second = JSON.stringify(requests()[1]!.body);
      expect(second).toContain("CAPABILITY_DENIED");
      expect(second).not.toContain("top secret");
      expect(JSON.stringify(requests()[2]!.body)).toContain("# docs");
    });

    it("max_turns stops the run, whatever the harness would do next", { timeout }, async () => {
      const { id, m, events, requests } = await start(
        [greet("one"), greet("two"), greet("three"), { text: "never" }],
        STOP_AT_TWO,
      );
      expect(await m.wait(id, WAIT)).toMatchObject({ status: "completed", reason: "budget_exceeded" });
      expect(requests()).toHaveLength(2);
      expect(events().find((e) => e.type === "budget_exceeded")?.message).toBe(
        "Budget exceeded: 2 of 2 turns used",
      );
    });

    it("a token budget stops the run after the call that spent it", { timeout }, async () => {
      const { id, m, events, requests } = await start(
        [
          { ...greet("big"), usage: { input_tokens: 400, output_tokens: 200 } },
          greet("never"),
          { text: "never" },
        ],
        "<cost><max_turns>8</max_turns><max_total_tokens>500</max_total_tokens><on_exceeded>stop</on_exceeded></cost>",
      );
      expect(await m.wait(id, WAIT)).toMatchObject({ status: "completed", reason: "budget_exceeded" });
      expect(requests()).toHaveLength(1);
      expect(events().find((e) => e.type === "budget_exceeded")?.message).toBe(
        "Budget exceeded: 600 of 500 tokens used",
      );
    });

    it("pause holds it between turns; an injected message and resume carry on into the next model call", {
      timeout,
    }, async () => {
      const slow = { ...greet("one"), chunk_size: 2, delay_ms: 25 };
      const { id, m, events, requests } = await start([slow, { text: "finished" }]);
      await until("the first model call", () => requests().length === 1);
      m.pause(id);
      await m.wait(id, { statuses: ["paused"], timeoutMs: 10_000 });
      await sleep(200);
      expect(requests()).toHaveLength(1);
      m.inject(id, "supervisor: wrap up");
      m.resume(id);
      expect(await m.wait(id, WAIT)).toMatchObject({ status: "completed", reason: "end_turn" });
      expect(JSON.stringify(requests()[1]!.body)).toContain("supervisor: wrap up");
      const ev = events();
      expect(ev.filter((e) => e.type === "status").map((e) => e.status)).toEqual([
        "running",
        "paused",
        "running",
        "completed",
      ]);
      expect(ev.find((e) => e.type === "user_message" && e.injected === true)?.text).toBe(
        "supervisor: wrap up",
      );
    });

    it("terminate lets the turn in flight finish, then ends it terminated", { timeout }, async () => {
      const slow = { ...greet("last"), chunk_size: 2, delay_ms: 25 };
      const { id, m, requests } = await start([slow, greet("never"), { text: "never" }]);
      await until("the first model call", () => requests().length === 1);
      m.terminate(id);
      expect(await m.wait(id, WAIT)).toMatchObject({ status: "completed", reason: "terminated" });
      expect(requests()).toHaveLength(1);
    });

    it("kill cuts the stream in flight and ends it killed", { timeout }, async () => {
      const slow = { ...greet("cut"), chunk_size: 2, delay_ms: 40 };
      const { id, m, events, requests } = await start([slow, { text: "never" }]);
      await until("the first model call", () => requests().length === 1);
      await sleep(100);
      m.kill(id);
      expect(await m.wait(id, WAIT)).toMatchObject({ status: "killed", reason: "killed" });
      expect(events().filter((e) => e.type === "tool_result")).toHaveLength(0);
      expect(requests()).toHaveLength(1);
    });
  });
}

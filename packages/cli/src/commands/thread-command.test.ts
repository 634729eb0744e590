import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createFakeLlmServer, type FakeLlmServer, type FakeScript, type FakeTurn } from "@kiwi/fake-llm";
import { createKernel } from "@kiwi/kernel";
import { tempProject } from "@kiwi/testing";
import { readTranscript } from "@kiwi/threads";
import { afterEach, describe, expect, it } from "vitest";

import { stripAnsi } from "../thread-display/format";
import {
  createDirective,
  createThreadProject,
  kiwi,
  startKiwi,
  type ThreadProject,
  threadDirective,
  until,
  withRegistry,
} from "../thread-display/test-support";

const greet = (who: string): FakeTurn["tool_calls"] => [
  { name: "execute", arguments: { item_type: "tool", action: "run", item_id: "greet", parameters: { who } } },
];
const readSecret: FakeTurn["tool_calls"] = [
  {
    name: "execute",
    arguments: {
      item_type: "tool",
      action: "run",
      item_id: "read_file",
      parameters: { path: "src/secret.txt" },
    },
  },
];

/** Greets (allowed), tries read_file (denied), then answers. */
const GREET_SCRIPT: FakeScript = {
  turns: [
    {
      text: "Hello! I will greet Ada.",
      tool_calls: greet("Ada"),
      usage: { input_tokens: 120, output_tokens: 30 },
    },
    {
      text: "Let me also read a file.",
      tool_calls: readSecret,
      usage: { input_tokens: 200, output_tokens: 20 },
    },
    {
      text: "Ada is greeted; reading the file was not allowed.",
      usage: { input_tokens: 260, output_tokens: 15 },
    },
  ],
};

let fake: FakeLlmServer | undefined;
let where: ThreadProject | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  if (where) {
    await where.remove();
  }
  where = undefined;
});

async function setup(script: FakeScript, provider: "anthropic" | "openai" = "anthropic") {
  where = await createThreadProject();
  await createDirective(where, "cli_greeter", threadDirective({ name: "cli_greeter" }));
  fake = await createFakeLlmServer({ script });
  const env: Record<string, string> =
    provider === "anthropic"
      ? { ANTHROPIC_API_KEY: "test", ANTHROPIC_BASE_URL: fake.anthropicBaseUrl }
      : { OPENAI_API_KEY: "test", OPENAI_BASE_URL: fake.openaiBaseUrl };
  return { where, env, fake };
}

/** A slow turn: streamed in 2-character pieces 15 ms apart (a turn takes several hundred ms). */
const slow = (turn: FakeTurn): FakeTurn => ({ ...turn, chunk_size: 2, delay_ms: 15 });
/** Tests that interrupt a live thread: a few seconds at most; the default 5 s is tight on a loaded machine. */
const LIVE = { timeout: 15_000 };

describe("kiwi thread run", () => {
  it(
    "follows a thread live (text, tool calls with ✓/✗, turns, tokens and USD) and prints a summary",
    LIVE,
    async () => {
      const { where, env } = await setup(GREET_SCRIPT);
      const run = await kiwi(["thread", "run", "cli_greeter", "greet", "Ada", "--inputs", '{"who":"Ada"}'], {
        ...where,
        env,
      });
      expect(run.err).toBe("");
      expect(run.code).toBe(0);
      const out = run.out;
      expect(out).toMatch(
        /^thread cli_greeter_\d{8}_\d{6} · cli_greeter on anthropic claude-haiku-4-5 · budget \$0\.5000, 100,000 tokens, 6 turns/m,
      );
      expect(out).toContain("── turn 1/6");
      expect(out).toContain("── turn 3/6");
      expect(out).toContain("Hello! I will greet Ada.");
      expect(out).toContain("  → execute greet\n");
      expect(out).toContain("  ✓ execute greet\n");
      expect(out).toContain("  → execute read_file\n");
      expect(out).toMatch(/ {2}✗ execute read_file CAPABILITY_DENIED\n/);
      expect(out).toContain("Ada is greeted; reading the file was not allowed.");
      // Running totals against the budget after every model call (plain lines: not a TTY).
      expect(out).toMatch(
        /✓ execute greet\n {2}tokens 150 of 100,000 · \$0\.\d{4} of \$0\.5000\n── turn 2\/6/,
      );
      expect(out).toMatch(/tokens 645 of 100,000 · \$0\.\d{4} of \$0\.5000\n\nthread/);
      expect(out).not.toContain("\x1b[");
      const id = /^thread (cli_greeter_\S+)/m.exec(out)![1]!;
      expect(out).toMatch(new RegExp(`^thread +${id}$`, "m"));
      expect(out).toMatch(/^status +completed$/m);
      expect(out).toMatch(/^reason +end_turn$/m);
      expect(out).toMatch(/^turns +3$/m);
      expect(out).toMatch(/^tokens +in 580 · out 65$/m);
      expect(out).toMatch(/^cost +\$0\.\d{4} \(budget \$0\.5000 · 100,000 tokens\)$/m);
      const transcript = join(where.project, ".ai/threads", id, "transcript.jsonl");
      expect(out).toMatch(
        new RegExp(`^transcript +${transcript.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"),
      );
      expect(out).toMatch(/^duration +\d/m);
      // The registry has the row, with the spend rolled up.
      const row = await withRegistry(where, ({ manager }) => manager.registry.get(id));
      expect(row).toMatchObject({ status: "completed", reason: "end_turn", directive: "cli_greeter" });
      expect(row?.usage).toMatchObject({ input_tokens: 580, output_tokens: 65 });
      expect(row?.permission_context).toMatchObject({ provider: "anthropic", model: "claude-haiku-4-5" });
      expect(readTranscript(transcript).events.at(-2)).toMatchObject({ type: "completed", turns: 3 });
    },
  );

  it(
    "in a `kiwi init` project with no provider plugin, runs on the providers installed with kiwi and says so",
    LIVE,
    async () => {
      // No node_modules at all: the project's copy of file_sink (from `kiwi init`) names @kiwi/sinks, which
      // resolves from the kernel that ships the core bundle, and the provider comes from @kiwi/cli's own.
      const bare = await tempProject({ prefix: "kiwi-cli-bare" });
      where = { project: bare.projectRoot, userSpace: bare.userSpace, remove: bare.remove };
      expect((await kiwi(["init"], where)).code).toBe(0);
      expect(existsSync(join(where.project, ".ai/tools/sinks/file_sink.yaml"))).toBe(true);
      await createDirective(where, "cli_greeter", threadDirective({ name: "cli_greeter" }));
      fake = await createFakeLlmServer({ script: GREET_SCRIPT });
      const env = { ANTHROPIC_API_KEY: "test", ANTHROPIC_BASE_URL: fake.anthropicBaseUrl };
      const run = await kiwi(["thread", "run", "cli_greeter"], { ...where, env });
      expect(run.err).toBe("");
      expect(run.code).toBe(0);
      expect(run.out).toMatch(
        /^the project has no provider plugin: using anthropic from @kiwi\/provider-anthropic installed with kiwi \(\/.+\)/m,
      );
      expect(run.out).toMatch(/^status +completed$/m);
      const id = /^thread (cli_greeter_\S+)/m.exec(run.out)![1]!;
      expect(existsSync(join(where.project, ".ai/threads", id, "stream.jsonl"))).toBe(true);
      expect(fake.requests.length).toBe(3);
    },
  );

  it("--json prints one summary object on stdout and the progress on stderr; --provider openai", async () => {
    const { where, env } = await setup(GREET_SCRIPT, "openai");
    const run = await kiwi(["thread", "run", "cli_greeter", "--json", "--model", "gpt-4o-mini"], {
      ...where,
      env,
    });
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.out) as Record<string, unknown>;
    expect(summary).toMatchObject({
      success: true,
      directive: "cli_greeter",
      status: "completed",
      reason: "end_turn",
      turns: 3,
      provider: "openai",
      model: "gpt-4o-mini",
      budget: { max_cost_usd: 0.5, max_total_tokens: 100000 },
      final_text: "Ada is greeted; reading the file was not allowed.",
    });
    expect(summary.usage).toMatchObject({ input_tokens: 580, output_tokens: 65, total_tokens: 645 });
    expect(typeof (summary.usage as { usd: unknown }).usd).toBe("number");
    expect(run.err).toContain("✓ execute greet");
    expect(run.err).toContain("✗ execute read_file CAPABILITY_DENIED");
  });

  it("on a terminal it redraws one status line in place (turn, tokens and USD against the budget)", async () => {
    const { where, env } = await setup(GREET_SCRIPT);
    const run = await kiwi(["thread", "run", "cli_greeter"], { ...where, env, tty: true });
    expect(run.code).toBe(0);
    expect(run.out).toContain("\r\x1b[2K");
    const plain = stripAnsi(run.out);
    expect(plain).toMatch(/running · turn 3\/6 · 645\/100k tokens · \$0\.\d{4}\/\$0\.5000 · /);
    expect(plain).toContain("✗ execute read_file CAPABILITY_DENIED");
    // The status line is gone before the summary is printed.
    expect(run.out.slice(run.out.lastIndexOf("\r\x1b[2K"))).not.toContain("Ctrl-C stops");
    expect(plain).toMatch(/^status +completed$/m);
  });

  it("one Ctrl-C asks the thread to stop after its turn (completed/terminated, exit 0)", LIVE, async () => {
    const { where, env } = await setup({
      turns: [
        slow({ text: "working on it, slowly", tool_calls: greet("Ada") }),
        slow({ text: "never sent" }),
      ],
    });
    const run = startKiwi(["thread", "run", "cli_greeter"], { ...where, env });
    await until(() => run.out().includes("── turn 1/6"), "the first turn");
    run.interrupt();
    const { code, out } = await run.done;
    expect(out).toMatch(
      /\^C asking cli_greeter_\S+ to stop after its current turn \(Ctrl-C again kills it\)/,
    );
    expect(out).toContain("status → terminating");
    expect(out).toMatch(/^status +completed$/m);
    expect(out).toMatch(/^reason +terminated$/m);
    expect(out).not.toContain("── turn 2/6");
    expect(code).toBe(0);
  });

  it("a second Ctrl-C kills the thread (killed, exit 1)", LIVE, async () => {
    const { where, env } = await setup({
      turns: [
        slow({ text: "a very long and slow answer that takes a while to stream", tool_calls: greet("Ada") }),
      ],
    });
    const run = startKiwi(["thread", "run", "cli_greeter"], { ...where, env });
    await until(() => run.out().includes("── turn 1/6"), "the first turn");
    run.interrupt();
    run.interrupt();
    const { code, out } = await run.done;
    expect(out).toMatch(/\^C killing cli_greeter_\S+/);
    expect(out).toMatch(/^status +killed$/m);
    expect(code).toBe(1);
  });

  it("a budget that runs out ends the thread completed/budget_exceeded (exit 0) with the note in the output", async () => {
    where = await createThreadProject();
    const cost =
      "<cost><max_turns>6</max_turns><max_total_tokens>300</max_total_tokens><on_exceeded>stop</on_exceeded></cost>";
    await createDirective(where, "cli_greeter", threadDirective({ name: "cli_greeter", cost }));
    fake = await createFakeLlmServer({
      script: {
        turns: [1, 2, 3].map((n) => ({
          text: `greeting ${n}`,
          tool_calls: greet("Ada"),
          usage: { input_tokens: 150, output_tokens: 30 },
        })),
      },
    });
    const run = await kiwi(["thread", "run", "cli_greeter"], {
      ...where,
      env: { ANTHROPIC_API_KEY: "test", ANTHROPIC_BASE_URL: fake.anthropicBaseUrl },
    });
    expect(run.out).toMatch(/Budget exceeded: .* of .*used/);
    expect(run.out).toMatch(/^status +completed$/m);
    expect(run.out).toMatch(/^reason +budget_exceeded$/m);
    expect(run.out).toMatch(/^cost +\$0\.\d{4} \(budget 300 tokens\)$/m);
    expect(run.code).toBe(0);
  });

  it("a max_cost_usd budget on a model without pricing data exits 1 with MODEL_UNPRICED unless --allow-unpriced", async () => {
    const { where, env, fake } = await setup({ turns: [{ text: "ran with its cost unknown" }] });
    // cli_greeter's <cost> has max_cost_usd 0.5; the provider's pricing data does not list this model.
    const refused = await kiwi(["thread", "run", "cli_greeter", "--model", "claude-mystery-9"], {
      ...where,
      env,
    });
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/MODEL_UNPRICED/);
    expect(refused.err).toContain("--allow-unpriced");
    expect(fake.requests).toHaveLength(0);
    const allowed = await kiwi(
      ["thread", "run", "cli_greeter", "--model", "claude-mystery-9", "--allow-unpriced", "--json"],
      { ...where, env },
    );
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.out)).toMatchObject({
      status: "completed",
      model: "claude-mystery-9",
      usage: { usd: null },
      final_text: "ran with its cost unknown",
    });
  });

  it("a thread that fails ends error: the error code is printed and the exit code is 1", async () => {
    const { where, env } = await setup({
      turns: [{ http_status: 400, error: { type: "invalid_request_error", message: "model not found" } }],
    });
    const run = await kiwi(["thread", "run", "cli_greeter"], { ...where, env });
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/^status +error$/m);
    expect(run.err).toMatch(/^error [A-Z_]+: /m);
  });

  it("without a key it exits 1 and says what to set (or to try kiwi demo)", async () => {
    where = await createThreadProject();
    const none = await kiwi(["thread", "run", "cli_greeter"], where);
    expect(none.code).toBe(1);
    expect(none.err).toContain("set ANTHROPIC_API_KEY or OPENAI_API_KEY");
    expect(none.err).toContain("kiwi demo");
    // Checked before the runtime opens its registry: a run that cannot start creates nothing.
    expect(existsSync(join(where.project, ".ai/threads/registry.db"))).toBe(false);
    const wrong = await kiwi(["thread", "run", "cli_greeter", "--provider", "openai"], {
      ...where,
      env: { ANTHROPIC_API_KEY: "test" },
    });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain("--provider openai needs OPENAI_API_KEY");
  });

  it("bad command lines exit 2; an unknown directive or a project without the provider plugin exit 1", async () => {
    const { where, env } = await setup(GREET_SCRIPT);
    const k = (args: string[]) => kiwi(args, { ...where, env });
    expect((await k(["thread"])).code).toBe(2);
    expect((await k(["thread", "walk"])).err).toContain("unknown subcommand 'thread walk'");
    expect((await k(["thread", "run"])).code).toBe(2);
    const inputs = await k(["thread", "run", "cli_greeter", "--inputs", "{nope"]);
    expect(inputs.code).toBe(2);
    expect(inputs.err).toContain("--inputs must be a JSON object");
    const provider = await k(["thread", "run", "cli_greeter", "--provider", "gemini"]);
    expect(provider.code).toBe(2);
    expect(provider.err).toContain("--provider must be one of anthropic, openai");
    expect((await k(["thread", "run", "cli_greeter", "--frobnicate"])).code).toBe(2);
    const unknown = await k(["thread", "run", "no_such_directive"]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("error ITEM_NOT_FOUND");
    // Without provider plugins the project runs on the ones installed with kiwi (the `kiwi init` test),
    // but a project whose own provider definition cannot be used gets that problem, not another provider.
    await rm(join(where.project, "package.json"));
    await mkdir(join(where.project, ".ai/tools/llm"), { recursive: true });
    await writeFile(
      join(where.project, ".ai/tools/llm/acme_provider.yaml"),
      'tool_id: acme_provider\ntool_type: provider\nversion: "1.0.0"\ndescription: An unsigned provider\nmodule: acme-provider\nexport: createAcmeProvider\nrequires: none\n',
    );
    const broken = await k(["thread", "run", "cli_greeter"]);
    expect(broken.code).toBe(1);
    expect(broken.err).toContain("npm install @kiwi/provider-anthropic");
    expect(broken.err).toMatch(/unusable: project:tools\/llm\/acme_provider\.yaml: INTEGRITY_MISMATCH/);
    expect(broken.out).not.toContain("installed with kiwi");
  });

  it("--harness runs the thread on another harness from data; an unknown one fails before anything runs", async () => {
    const { where, env, fake } = await setup({
      turns: [{ tool_calls: [{ name: "greet", arguments: { who: "Ada" } }] }, { text: "plain loop done" }],
    });
    // A project harness in plain JavaScript: the granted tools by name, a loop on the run context.
    const dir = join(where.project, ".ai/tools/harnesses");
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, "plain.mjs"),
      `export function createPlainHarness() {
  return { specificationVersion: "harness-v2", id: "plain", async run(context) {
    const tools = await Promise.all(context.directive.tools.map((id) => context.describeTool(id)));
    const messages = [{ role: "user", content: context.directive.prompt }];
    for (;;) {
      const turn = await context.beforeTurn({ messages });
      if (turn.stop) return { ...turn.stop, final_text: "" };
      const reply = await context.model({ system: "plain", messages, tools });
      const text = reply.state.text_blocks.join("");
      const calls = reply.state.tool_calls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments }));
      messages.push({ role: "assistant", text, tool_calls: calls });
      if (calls.length === 0) return { status: "completed", reason: "end_turn", final_text: text };
      const results = [];
      for (const c of calls) {
        const r = await context.tool({ tool: c.name, parameters: c.arguments, callId: c.id });
        results.push({ tool_call_id: c.id, content: JSON.stringify(r), is_error: !r.success });
      }
      messages.push({ role: "tool", results });
    }
  } };
}
`,
    );
    const kernel = await createKernel({
      projectRoot: where.project,
      userSpace: where.userSpace,
      env: {},
      personAtTerminal: true,
    });
    const created = await kernel.execute({
      item_type: "tool",
      action: "create",
      item_id: "plain_harness",
      parameters: {
        category: "harnesses",
        content: `tool_id: plain_harness
tool_type: harness
version: "1.0.0"
description: A plain loop for the CLI tests.
module: "./plain.mjs"
export: createPlainHarness
requires: none
`,
      },
    });
    expect(created.success).toBe(true);
    const k = (args: string[]) => kiwi(args, { ...where, env });
    const run = await k([
      "thread",
      "run",
      "cli_greeter",
      "greet Ada",
      "--harness",
      "plain_harness",
      "--json",
    ]);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.out) as Record<string, unknown>;
    expect(summary).toMatchObject({
      status: "completed",
      reason: "end_turn",
      harness: "plain_harness",
      final_text: "plain loop done",
    });
    expect(JSON.stringify(fake.requests[1]!.body)).toContain("Hello, Ada!");
    const unknown = await k(["thread", "run", "cli_greeter", "--harness", "no_such_harness"]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("error ITEM_NOT_FOUND");
    expect(unknown.err).toContain("no harness 'no_such_harness'");
    expect((await k(["thread", "run", "cli_greeter", "--harness", ""])).code).toBe(2);
    // Nothing ran for the refused ones: the one thread is the plain harness's.
    const rows = await withRegistry(where, ({ manager }) => manager.registry.query({}));
    expect(rows).toHaveLength(1);
  });
});

describe("kiwi thread run with children", () => {
  it(
    "waits for the thread's descendants before it exits: a child outliving its parent ends completed, not killed",
    LIVE,
    async () => {
      const spawnChild: FakeTurn["tool_calls"] = [
        {
          name: "execute",
          arguments: {
            item_type: "tool",
            action: "run",
            item_id: "thread_directive",
            parameters: { directive_name: "cli_child", message: "[child run]" },
          },
        },
      ];
      const { where, env, fake } = await setup({
        turns: [],
        routes: [
          { match: "[child run]", turns: [slow({ text: "the child took its time and finished" })] },
          {
            match: "[parent run]",
            turns: [
              { text: "spawning a child", tool_calls: spawnChild },
              { text: "the parent is done first" },
            ],
          },
        ],
      });
      await createDirective(where, "cli_child", threadDirective({ name: "cli_child" }));
      await createDirective(
        where,
        "cli_parent",
        threadDirective({
          name: "cli_parent",
          permissions: `
      <execute resource="kiwi-mcp" action="*"/>
      <execute resource="tool" id="thread_directive"/>
      <orchestration enabled="true">
        <allow_categories/>
        <deny_categories/>
        <allow_directives>cli_child</allow_directives>
        <deny_directives/>
      </orchestration>`,
        }),
      );
      const run = await kiwi(["thread", "run", "cli_parent", "[parent run]", "--json"], { ...where, env });
      expect(run.code, run.err).toBe(0);
      expect(JSON.parse(run.out)).toMatchObject({
        status: "completed",
        final_text: "the parent is done first",
      });
      expect(run.err).toContain("waiting for 1 descendant thread to end");
      expect(fake.requests).toHaveLength(3);
      const children = await withRegistry(where, ({ manager }) =>
        manager.registry.query({ directive: "cli_child" }),
      );
      expect(children).toHaveLength(1);
      expect(children[0]).toMatchObject({ status: "completed", reason: "end_turn" });
    },
  );
});

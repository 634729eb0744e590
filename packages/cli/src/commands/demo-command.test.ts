import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createFakeLlmServer, defaultDemoScript, type FakeLlmServer } from "@kiwi/fake-llm";
import { tempProject } from "@kiwi/testing";
import { afterEach, describe, expect, it } from "vitest";

// The demo is run as users run it: the built `kiwi` binary in a child process, with a bare environment.
const BIN = fileURLToPath(new URL("../../dist/bin.js", import.meta.url));
const run = promisify(execFile);

async function demo(args: string[], env: Record<string, string> = {}) {
  const { home } = await tempProject({ prefix: "kiwi-demo" });
  const started = performance.now();
  const { stdout, stderr } = await run(process.execPath, [BIN, "demo", ...args], {
    // TMPDIR too, so the test run's own temp folder holds the demo's and sees them removed.
    env: { PATH: process.env.PATH ?? "", HOME: home, TMPDIR: tmpdir(), ...env },
    timeout: 60_000,
  });
  return { stdout, stderr, ms: performance.now() - started };
}

function field(stdout: string, label: string): string {
  const line = stdout.split("\n").find((l) => l.startsWith(`   ${label.padEnd(10)} `));
  if (!line) throw new Error(`no "${label}" line in:\n${stdout}`);
  return line.slice(14);
}

let fake: FakeLlmServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe("kiwi demo", () => {
  it("runs demo_tour on a managed thread against the embedded scripted LLM: spawn, checks, denial, cost", async () => {
    const { stdout, stderr, ms } = await demo([]);
    expect(stderr).toBe("");
    // Part 1, kept short.
    expect(stdout).toContain("chain      greet_team → greet_formal → greet → echo");
    expect(stdout).toContain("refused    INTEGRITY_MISMATCH (modified)");
    expect(stdout).toContain("tools      execute, help, load, search");
    // Part 2: the spawn returns at once with the thread id.
    expect(stdout).toContain("embedded scripted LLM at http://127.0.0.1:");
    expect(field(stdout, "spawned")).toMatch(
      /^demo_tour_\d{8}_\d{6}: status "spawned" in \d+ ms — spawn returns at once/,
    );
    expect(field(stdout, "grants")).toContain("tool.execute:greet_*");
    expect(field(stdout, "grants")).not.toContain("bash");
    // Each call with its check; the denied one with its code; the model recovers and finishes.
    const calls = stdout
      .split("\n")
      .filter((l) => /^ {14}[✓✗] /.test(l))
      .map((l) => l.trim());
    expect(calls).toEqual([
      "✓ search                   allowed by kiwi.search",
      "✓ execute → greet_team     allowed by tool.execute:greet_*",
      "✗ execute → bash           CAPABILITY_DENIED: no tool.execute grant covers bash",
      "✓ help                     allowed by kiwi.help",
      "✓ execute → read_file      allowed by tool.execute:read_file",
    ]);
    expect(field(stdout, "ended")).toBe("completed (end_turn)");
    // Transcript path and cost summary (tokens and USD from the provider's pricing data).
    expect(field(stdout, "transcript")).toMatch(
      /\/\.ai\/threads\/demo_tour_\d{8}_\d{6}\/transcript\.jsonl \(\d+ events/,
    );
    const turns = defaultDemoScript().turns;
    const input = turns.reduce((n, t) => n + t.usage!.input_tokens!, 0);
    const output = turns.reduce((n, t) => n + t.usage!.output_tokens!, 0);
    expect(field(stdout, "tokens")).toBe(
      `${input.toLocaleString("en-US")} in + ${output.toLocaleString("en-US")} out = ${(input + output).toLocaleString("en-US")} of 60,000 over 6 turns`,
    );
    // claude-haiku-4-5: $1 in, $5 out per million tokens.
    expect(field(stdout, "cost")).toBe(`$${((input * 1 + output * 5) / 1e6).toFixed(4)} of $0.10`);
    expect(field(stdout, "pricing")).toMatch(/claude-haiku-4-5 at \$1 \/ \$5 per million/);
    expect(stdout).toContain(
      "Done: 5 tool calls, 1 refused by the tool layer; the thread completed (end_turn).",
    );
    // Temporary folders are gone without --keep.
    const transcript = field(stdout, "transcript").split(" (")[0]!;
    expect(existsSync(transcript)).toBe(false);
    expect(ms).toBeLessThan(30_000); // ~5 s on an idle machine; generous for a loaded CI box
  }, 60_000);

  it("--keep keeps the project: the transcript records every call, the denial and which token allowed what", async () => {
    const { stdout } = await demo(["--keep"]);
    const transcript = field(stdout, "transcript").split(" (")[0]!;
    const kept = stdout.match(/kept (\S+) and (\S+)/)!;
    try {
      expect(existsSync(transcript)).toBe(true);
      const events = readFileSync(transcript, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
      const results = events.filter((e) => e.type === "tool_result");
      expect(results.map((e) => [e.name, e.success, e.error_code ?? null])).toEqual([
        ["search", true, null],
        ["execute", true, null],
        ["execute", false, "CAPABILITY_DENIED"],
        ["help", true, null],
        ["execute", true, null],
      ]);
      const bash = events.find((e) => e.type === "tool_call" && e.target === "bash")!;
      expect(bash).toMatchObject({ grant: null, capability: "kiwi.execute" });
      expect(typeof bash.jti).toBe("string");
      expect(events.map((e) => e.type)).toContain("completed");
      expect(existsSync(join(kept[1]!, ".ai/threads/registry.db"))).toBe(true);
    } finally {
      await rm(kept[1]!, { recursive: true, force: true });
      await rm(kept[2]!, { recursive: true, force: true });
    }
  }, 60_000);

  it("uses the real Anthropic provider when ANTHROPIC_API_KEY is set (and honours ANTHROPIC_BASE_URL)", async () => {
    fake = await createFakeLlmServer({ script: defaultDemoScript() });
    const { stdout } = await demo([], {
      ANTHROPIC_API_KEY: "sk-ant-test-key",
      ANTHROPIC_BASE_URL: fake.anthropicBaseUrl,
    });
    expect(field(stdout, "model")).toBe(
      `claude-haiku-4-5 via anthropic at ${fake.anthropicBaseUrl} (ANTHROPIC_API_KEY is set)`,
    );
    const calls = fake.requests.filter((r) => r.endpoint === "anthropic");
    expect(calls).toHaveLength(6);
    expect(calls[0]!.headers["x-api-key"]).toBe("sk-ant-test-key");
    expect((calls[0]!.body as { model: string }).model).toBe("claude-haiku-4-5");
    expect(stdout).toContain("✗ execute → bash           CAPABILITY_DENIED");
    // The key never reaches the output.
    expect(stdout).not.toContain("sk-ant-test-key");
  }, 60_000);

  it("uses OpenAI when only OPENAI_API_KEY is set, and --scripted ignores the keys", async () => {
    fake = await createFakeLlmServer({ script: defaultDemoScript() });
    const { stdout } = await demo([], {
      OPENAI_API_KEY: "sk-openai-test",
      OPENAI_BASE_URL: fake.openaiBaseUrl,
      KIWI_DEMO_MODEL: "gpt-4o-mini",
    });
    expect(field(stdout, "model")).toContain("gpt-4o-mini via openai");
    expect(fake.requests.filter((r) => r.endpoint === "openai")).toHaveLength(6);
    expect(field(stdout, "ended")).toBe("completed (end_turn)");

    const before = fake.requests.length;
    const scripted = await demo(["--scripted"], {
      OPENAI_API_KEY: "sk-openai-test",
      OPENAI_BASE_URL: fake.openaiBaseUrl,
    });
    expect(field(scripted.stdout, "model")).toContain("embedded scripted LLM");
    expect(fake.requests.length).toBe(before);
  }, 90_000);
});

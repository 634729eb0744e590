// Issue 13 §5: a FIFO in place of `.env`, `package.json`, `.ai/AGENTS.md` or an item file hung `kiwi
// search`, `kiwi serve` (it never answered initialize) and `kiwi thread run` (frozen, Ctrl-C useless). No
// project file read may block. These run the built `kiwi` binary (packages/cli/dist/bin.js) as a child
// process with a deadline: a command that blocks is killed and reported as the failure it is.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { lstat, mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createFakeLlmServer, type FakeLlmServer } from "@kiwi/fake-llm";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createDirective,
  createThreadProject,
  type ThreadProject,
  threadDirective,
} from "../thread-display/test-support";

const BIN = fileURLToPath(new URL("../../dist/bin.js", import.meta.url));
const DEADLINE_MS = 20_000;
const canFifo = process.platform !== "win32" && spawnSync("sh", ["-c", "command -v mkfifo"]).status === 0;

function mkfifo(path: string): void {
  const made = spawnSync("mkfifo", [path]);
  if (made.status !== 0) throw new Error(`mkfifo ${path}: ${made.stderr}`);
}

function baseEnv(where: ThreadProject, extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? "", HOME: where.userSpace, KIWI_USER_SPACE: where.userSpace, ...extra };
}

/** Runs the kiwi binary to its end, or kills it at the deadline and fails. */
function runBin(
  args: string[],
  where: ThreadProject,
  env = baseEnv(where),
): Promise<{ code: number | null; out: string; err: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: where.project, env, stdio: "pipe" });
    child.stdin.end();
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c));
    child.stderr.on("data", (c: Buffer) => (err += c));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`kiwi ${args.join(" ")} blocked for ${DEADLINE_MS} ms (killed)\n${out}\n${err}`));
    }, DEADLINE_MS);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err, ms: Date.now() - started });
    });
  });
}

/** Plants FIFOs where the project's package.json, AGENTS.md and an item file would be. */
async function plantFifos(where: ThreadProject): Promise<void> {
  await rm(join(where.project, "package.json"), { force: true });
  mkfifo(join(where.project, "package.json"));
  await mkdir(join(where.project, ".ai", "tools", "traps"), { recursive: true });
  mkfifo(join(where.project, ".ai", "tools", "traps", "trap_tool.yaml"));
  await mkdir(join(where.project, ".ai", "knowledge"), { recursive: true });
  mkfifo(join(where.project, ".ai", "knowledge", "trap.md"));
  mkfifo(join(where.project, ".ai", "AGENTS.md"));
}

let where: ThreadProject | undefined;
let fake: FakeLlmServer | undefined;
let client: Client | undefined;
beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build @kiwi/cli before these tests`);
});
afterEach(async () => {
  await client?.close().catch(() => undefined);
  await fake?.close();
  await where?.remove();
  client = undefined;
  fake = undefined;
  where = undefined;
});

describe.skipIf(!canFifo)("FIFOs in a project never block kiwi", () => {
  it("kiwi search answers with FIFOs at package.json, AGENTS.md and item paths", {
    timeout: 60_000,
  }, async () => {
    where = await createThreadProject();
    await createDirective(where, "cli_greeter", threadDirective({ name: "cli_greeter" }));
    await plantFifos(where);
    const found = await runBin(["search", "directive", "greeter", "--json"], where);
    expect(found.err).toBe("");
    expect(found.code).toBe(0);
    expect(JSON.parse(found.out).results.map((r: { id: string }) => r.id)).toContain("cli_greeter");
  });

  it("a FIFO .env stops kiwi search at once, saying it is not a regular file", {
    timeout: 60_000,
  }, async () => {
    where = await createThreadProject();
    mkfifo(join(where.project, ".env"));
    const refused = await runBin(["search", "tool", "greet"], where);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/error INVALID_INPUT: .*\.env is not a regular file/);
  });

  it("kiwi serve answers initialize and serves search (official MCP client)", {
    timeout: 60_000,
  }, async () => {
    where = await createThreadProject();
    await createDirective(where, "cli_greeter", threadDirective({ name: "cli_greeter" }));
    await plantFifos(where);
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, "serve", "--project", where.project],
      env: baseEnv(where),
      stderr: "pipe",
    });
    client = new Client({ name: "fifo-test", version: "1.0.0" });
    const connected = client.connect(transport);
    const deadline = new Promise((_, reject) =>
      setTimeout(() => reject(new Error("kiwi serve never answered initialize")), DEADLINE_MS),
    );
    await Promise.race([connected, deadline]);
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual([
      "execute",
      "help",
      "load",
      "search",
    ]);
    const result = await client.callTool({
      name: "search",
      arguments: { item_type: "directive", query: "greeter" },
    });
    const text = (result.content as { text: string }[])[0]!.text;
    expect(JSON.parse(text).results.map((r: { id: string }) => r.id)).toContain("cli_greeter");
  });

  it("kiwi serve with a FIFO .env exits at once, saying why", { timeout: 60_000 }, async () => {
    where = await createThreadProject();
    mkfifo(join(where.project, ".env"));
    const served = await runBin(["serve", "--project", where.project], where);
    expect(served.code).toBe(1);
    expect(served.err).toMatch(/\.env is not a regular file/);
  });

  it("kiwi init keeps a FIFO where a bundle file or its manifest belongs, and never reads it", {
    timeout: 60_000,
  }, async () => {
    where = await createThreadProject();
    await mkdir(join(where.project, ".ai", "knowledge", "kiwi"), { recursive: true });
    mkfifo(join(where.project, ".ai", "AGENTS.md"));
    const init = await runBin(["init", "--json"], where);
    expect(init.err).toBe("");
    expect(init.code).toBe(0);
    const files = JSON.parse(init.out).files as { path: string; status: string }[];
    expect(files.find((f) => f.path === "AGENTS.md")?.status).toBe("skipped_modified");
    expect(files.filter((f) => f.status === "created").length).toBeGreaterThan(10);
    // Its manifest: a FIFO reads as an empty manifest; with nothing to write, init leaves it there.
    await rm(join(where.project, ".ai", ".kiwi-init.json"));
    mkfifo(join(where.project, ".ai", ".kiwi-init.json"));
    const again = await runBin(["init", "--json"], where);
    expect(again.err).toBe("");
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out).files.every((f: { status: string }) => f.status !== "created")).toBe(true);
    expect((await lstat(join(where.project, ".ai", ".kiwi-init.json"))).isFIFO()).toBe(true);
  });

  it("kiwi thread run ends with PATH_SPECIAL_FILE when AGENTS.md is a FIFO", {
    timeout: 90_000,
  }, async () => {
    where = await createThreadProject();
    await createDirective(where, "cli_greeter", threadDirective({ name: "cli_greeter" }));
    mkfifo(join(where.project, ".ai", "AGENTS.md"));
    fake = await createFakeLlmServer({
      script: { turns: [{ text: "hello", usage: { input_tokens: 5, output_tokens: 5 } }] },
    });
    const env = baseEnv(where, { ANTHROPIC_API_KEY: "test", ANTHROPIC_BASE_URL: fake.anthropicBaseUrl });
    const run = await runBin(["thread", "run", "cli_greeter", "go"], where, env);
    expect(run.code).not.toBe(0);
    expect(`${run.out}${run.err}`).toContain("PATH_SPECIAL_FILE");
  });

  it("kiwi thread run refuses a FIFO in place of the thread registry", { timeout: 90_000 }, async () => {
    where = await createThreadProject();
    await createDirective(where, "cli_greeter", threadDirective({ name: "cli_greeter" }));
    await mkdir(join(where.project, ".ai", "threads"), { recursive: true });
    mkfifo(join(where.project, ".ai", "threads", "registry.db"));
    fake = await createFakeLlmServer({
      script: { turns: [{ text: "hello", usage: { input_tokens: 5, output_tokens: 5 } }] },
    });
    const env = baseEnv(where, { ANTHROPIC_API_KEY: "test", ANTHROPIC_BASE_URL: fake.anthropicBaseUrl });
    const run = await runBin(["thread", "run", "cli_greeter", "go"], where, env);
    expect(run.code).not.toBe(0);
    expect(run.err).toContain("PATH_SPECIAL_FILE");
    // The registry's side files too (SQLite opens -wal and -shm beside it).
    await rm(join(where.project, ".ai", "threads", "registry.db"));
    mkfifo(join(where.project, ".ai", "threads", "registry.db-wal"));
    const wal = await runBin(["thread", "run", "cli_greeter", "go"], where, env);
    expect(wal.code).not.toBe(0);
    expect(wal.err).toContain("PATH_SPECIAL_FILE");
    await rename(
      join(where.project, ".ai", "threads", "registry.db-wal"),
      join(where.project, ".ai", "threads", "moved"),
    );
  });
});

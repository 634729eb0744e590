import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestProject, readOutcome, type TestProject } from "./test-project";

// These tests spawn the built executable, exactly as an MCP client would: run `pnpm build` first.
const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const MISSING =
  "kiwi-mcp needs --project /path/to/project (the project is never guessed from the working directory)";

let project: TestProject;
let client: Client;

/** The environment a client would give the server, minus anything that could name a project. */
function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ["PATH", "HOME", "SYSTEMROOT", "TMPDIR"])
    if (process.env[key]) env[key] = process.env[key]!;
  return { ...env, KIWI_USER_SPACE: project.userSpace, ...extra };
}

async function connect(args: string[], env = childEnv()): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, ...args],
    env,
    stderr: "pipe",
  });
  const c = new Client({ name: "bin-test", version: "1.0.0" });
  await c.connect(transport);
  return c;
}

async function call(name: string, args: Record<string, unknown>) {
  return readOutcome(await client.callTool({ name, arguments: args }));
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

beforeAll(async () => {
  if (!existsSync(BIN))
    throw new Error(`${BIN} is missing: run \`pnpm --filter @kiwi/mcp build\` before the tests`);
  project = await createTestProject();
  client = await connect(["--project", project.projectRoot]);
});

afterAll(async () => {
  await client?.close();
  await project?.cleanup();
});

describe("kiwi-mcp over stdio (the built bin as a child process)", () => {
  it("introduces itself and lists exactly the four meta-tools with object schemas", async () => {
    expect(client.getServerVersion()?.name).toBe("kiwi");
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["execute", "help", "load", "search"]);
    for (const tool of tools)
      expect(tool.inputSchema).toMatchObject({ type: "object", properties: expect.any(Object) });
  });

  it("search → load → execute, through a 3-deep chain", async () => {
    const search = await call("search", { item_type: "tool", query: "loudest greeting" });
    expect((search.body.results as { id: string }[]).map((r) => r.id)).toContain("hello_louder");
    const load = await call("load", { item_type: "tool", item_id: "hello_louder" });
    expect(load.body).toMatchObject({
      success: true,
      id: "hello_louder",
      data: { executor_id: "hello_loud" },
    });
    const run = await call("execute", {
      item_type: "tool",
      action: "run",
      item_id: "hello_louder",
      parameters: { who: "world", volume: 3 },
    });
    expect(run.isError).toBe(false);
    expect(run.body).toMatchObject({
      chain: ["hello_louder", "hello_loud", "hello", "echo"],
      result: { config: { greeting: "hello world", style: "louder", origin: "hello", volume: 3 } },
    });
  });

  it("help returns guidance", async () => {
    const out = await call("help", { action: "guidance" });
    expect(out.body).toMatchObject({
      success: true,
      action: "guidance",
      overview: expect.stringMatching(/search/),
    });
  });

  it("returns Kiwi errors as tool errors with their code", async () => {
    const missing = await call("execute", { action: "run", item_id: "hello" });
    expect(missing).toMatchObject({ isError: true, body: { error: { code: "INVALID_INPUT" } } });
    expect(missing.body.error?.message).toMatch(/item_type/);
    const badEnum = await call("load", { item_type: "tools", item_id: "hello" });
    expect(badEnum.body.error).toMatchObject({
      code: "INVALID_INPUT",
      message: expect.stringMatching(/item_type/),
    });
    const unknown = await call("execute", { item_type: "tool", action: "run", item_id: "nope" });
    expect(unknown).toMatchObject({
      isError: true,
      body: { success: false, error: { code: "ITEM_NOT_FOUND" } },
    });
    const reserved = await call("execute", {
      item_type: "tool",
      action: "run",
      item_id: "noop",
      parameters: { __auth: "x" },
    });
    expect(reserved.body.error?.code).toBe("PARAM_RESERVED");
  });

  it("refuses a tool edited after signing", async () => {
    const before = await call("execute", { item_type: "tool", action: "run", item_id: "tampered" });
    expect(before.isError).toBe(false);
    const file = project.toolFile("tampered");
    await writeFile(
      file,
      (await readFile(file, "utf8")).replace("executor_id: echo", "executor_id: echo\nconfig: {x: 1}"),
    );
    const after = await call("execute", { item_type: "tool", action: "run", item_id: "tampered" });
    expect(after).toMatchObject({ isError: true, body: { error: { code: "INTEGRITY_MISMATCH" } } });
  });

  it("takes the project from KIWI_PROJECT when --project is absent", async () => {
    const viaEnv = await connect([], childEnv({ KIWI_PROJECT: project.projectRoot }));
    try {
      const out = readOutcome(
        await viaEnv.callTool({ name: "search", arguments: { item_type: "tool", query: "hello" } }),
      );
      expect(out.body.total).toBeGreaterThan(0);
    } finally {
      await viaEnv.close();
    }
  });

  it("refuses to start without a project: exit code 2, the reason on stderr, nothing on stdout", () => {
    const run = spawnSync(process.execPath, [BIN], {
      env: childEnv(),
      cwd: project.projectRoot,
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(MISSING);
    expect(run.stdout).toBe("");
  });

  it("exits 1 with a clear message when the project does not exist", () => {
    const run = spawnSync(process.execPath, [BIN, "--project", `${project.projectRoot}/missing`], {
      env: childEnv(),
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/could not start: .*not an existing directory/);
    expect(run.stdout).toBe("");
  });

  it("writes nothing but JSON-RPC to stdout and exits cleanly when stdin closes", async () => {
    const child = spawn(process.execPath, [BIN, "--project", project.projectRoot], {
      env: childEnv(),
      stdio: "pipe",
    });
    const exited = exitOf(child);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const send = (msg: object) => child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", ...msg })}\n`);
    send({
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    });
    send({ method: "notifications/initialized" });
    send({ id: 2, method: "tools/list" });
    send({
      id: 3,
      method: "tools/call",
      params: {
        name: "execute",
        arguments: { item_type: "tool", action: "run", item_id: "hello", parameters: { who: "raw" } },
      },
    });
    send({ id: 4, method: "tools/call", params: { name: "execute", arguments: { action: "run" } } });
    send({ id: 5, method: "tools/call", params: { name: "help", arguments: {} } });
    await expect.poll(() => stdout.split("\n").filter(Boolean).length, { timeout: 15_000 }).toBe(5);
    child.stdin.end();
    expect(await exited).toEqual({ code: 0, signal: null });
    const lines = stdout.split("\n").filter(Boolean);
    // Requests are handled concurrently, so answers may come in any order.
    const messages = lines
      .map((line) => JSON.parse(line) as { jsonrpc: string; id: number; result?: { isError?: boolean } })
      .sort((a, b) => a.id - b.id);
    for (const m of messages) expect(m.jsonrpc).toBe("2.0");
    expect(messages.map((m) => m.id)).toEqual([1, 2, 3, 4, 5]);
    expect(messages[2]?.result?.isError).toBeUndefined();
    expect(messages[3]?.result?.isError).toBe(true);
    expect(stderr).toContain("kiwi-mcp: serving");
  });

  it("shuts down cleanly on SIGTERM", async () => {
    const child = spawn(process.execPath, [BIN, "--project", project.projectRoot], {
      env: childEnv(),
      stdio: "pipe",
    });
    const exited = exitOf(child);
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    await expect.poll(() => stderr, { timeout: 15_000 }).toContain("kiwi-mcp: serving");
    child.kill("SIGTERM");
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(stderr).toContain("SIGTERM: shutting down");
  });
});

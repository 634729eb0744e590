import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createKernel, type Kernel, type MetaResult } from "@kiwi/kernel";
import { createHttpClientPrimitive } from "@kiwi/primitives";
import { createSubprocessPrimitive } from "@kiwi/primitives/node";
import { tempProject } from "@kiwi/testing";
import { describe, expect, it } from "vitest";
import { createMcpConnectorPrimitive } from "./mcp-connector-primitive";

const REPO_AI = fileURLToPath(new URL("../../../../.ai/tools/mcp/", import.meta.url));
const SCRIPTED = fileURLToPath(new URL("./__fixtures__/scripted-mcp-server.mjs", import.meta.url));
const EVERYTHING = fileURLToPath(
  new URL("../../node_modules/@modelcontextprotocol/server-everything/dist/index.js", import.meta.url),
);
const CANARY = "canary-7f3e9a";

async function setup(env: Record<string, string> = {}) {
  const { projectRoot, userSpace } = await tempProject({ prefix: "kiwi-connect" });
  const fullEnv = { ...process.env, ...env };
  let kernel: Kernel | undefined;
  const connector = createMcpConnectorPrimitive({
    kernel: () => kernel!,
    subprocess: createSubprocessPrimitive({ env: fullEnv }),
    http: createHttpClientPrimitive(),
  });
  kernel = await createKernel({
    projectRoot,
    userSpace,
    env: fullEnv,
    coreSpace: false,
    pluginSpaces: false,
    indexTtlMs: 0,
    primitives: [connector],
    guard: false, // about connecting, not capabilities: mcp_connect and the generated tools require mcp.connect
  });
  // The MCP client tools as shipped in the core bundle, signed here by the test's own key.
  for (const id of ["mcp_stdio", "mcp_connect"]) {
    const content = await readFile(join(REPO_AI, `${id}.yaml`), "utf8");
    const r = await kernel.execute({
      item_type: "tool",
      action: "create",
      item_id: id,
      parameters: { content, category: "mcp" },
    });
    if (!r.success) throw new Error(r.error.message);
  }
  return { projectRoot, kernel };
}

function ok(r: MetaResult): Record<string, unknown> {
  if (!r.success) throw new Error(JSON.stringify(r.error));
  return r;
}

const connect = (kernel: Kernel, parameters: Record<string, unknown>) =>
  kernel.execute({ item_type: "tool", action: "run", item_id: "mcp_connect", parameters });

function toolsOf(r: MetaResult) {
  return (ok(r).result as { tools: { id: string; remote: string; status: string }[] }).tools;
}

/** The text a generated tool got back from tools/call. */
function answer(r: MetaResult): string {
  const responses = (ok(r).result as { responses: { result: { content: { text: string }[] } }[] }).responses;
  return responses.at(-1)!.result.content[0]!.text;
}

describe("MCP connector against @modelcontextprotocol/server-everything", () => {
  it("generates signed tools that run through mcp_stdio, and never leaks Kiwi's secrets or tokens", async () => {
    const { projectRoot, kernel } = await setup({ KIWI_TEST_API_TOKEN: CANARY });
    const tools = toolsOf(
      await connect(kernel, { name: "everything", command: process.execPath, args: [EVERYTHING, "stdio"] }),
    );
    expect(tools.map((t) => t.id)).toEqual(
      expect.arrayContaining(["everything_echo", "everything_get_env", "everything_get_sum"]),
    );
    expect(new Set(tools.map((t) => t.status))).toEqual(new Set(["created"]));
    const yaml = await readFile(join(projectRoot, ".ai/tools/mcp/everything/everything_echo.yaml"), "utf8");
    expect(yaml.split("\n")[0]).toMatch(/^# kiwi:signature v1 /);
    expect(yaml).toContain("requires:\n  - mcp.connect");

    const echo = await kernel.execute({
      item_type: "tool",
      action: "run",
      item_id: "everything_echo",
      parameters: { message: "hello kiwi" },
    });
    expect(answer(echo)).toContain("hello kiwi");
    const sum = await kernel.execute({
      item_type: "tool",
      action: "run",
      item_id: "everything_get_sum",
      parameters: { a: 2, b: 40 },
    });
    expect(answer(sum)).toContain("42");

    const env = await kernel.execute(
      { item_type: "tool", action: "run", item_id: "everything_get_env" },
      { meta: { __auth: `token-${CANARY}`, __thread_id: "t1" } },
    );
    const printed = answer(env);
    expect(printed).toContain("PATH");
    expect(printed).not.toContain(CANARY);
    expect(JSON.stringify(ok(env))).not.toContain(`token-${CANARY}`);
  }, 60_000);
});

describe("MCP connector over Streamable HTTP (server-everything)", () => {
  async function freePort(): Promise<number> {
    const { createServer } = await import("node:net");
    return new Promise((resolve) => {
      const srv = createServer().listen(0, "127.0.0.1", () => {
        const port = (srv.address() as { port: number }).port;
        srv.close(() => resolve(port));
      });
    });
  }

  it("generates mcp_http tools that keep the session header and run", async () => {
    const { spawn } = await import("node:child_process");
    const port = await freePort();
    const child = spawn(process.execPath, [EVERYTHING, "streamableHttp"], {
      env: { PATH: process.env.PATH ?? "", PORT: String(port) },
      stdio: ["ignore", "ignore", "pipe"],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("server did not start")), 20_000);
        child.stderr!.on("data", (chunk: Buffer) => {
          if (chunk.toString().includes("listening")) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      const { kernel } = await setup();
      const content = await readFile(join(REPO_AI, "mcp_http.yaml"), "utf8");
      ok(
        await kernel.execute({
          item_type: "tool",
          action: "create",
          item_id: "mcp_http",
          parameters: { content, category: "mcp" },
        }),
      );
      const tools = toolsOf(await connect(kernel, { name: "web", url: `http://127.0.0.1:${port}/mcp` }));
      expect(tools.map((t) => t.id)).toContain("web_echo");
      const echo = await kernel.execute({
        item_type: "tool",
        action: "run",
        item_id: "web_echo",
        parameters: { message: "over http" },
      });
      expect(answer(echo)).toContain("over http");
    } finally {
      child.kill();
    }
  }, 60_000);
});

describe("MCP connector with a scripted server", () => {
  async function scripted(tools: unknown[]) {
    const file = join((await tempProject({ prefix: "kiwi-scripted" })).base, "tools.json");
    await writeFile(file, JSON.stringify(tools));
    return { file, set: (next: unknown[]) => writeFile(file, JSON.stringify(next)) };
  }
  const tool = (
    name: string,
    description = "d",
    props: Record<string, unknown> = { q: { type: "string" } },
  ) => ({
    name,
    description,
    inputSchema: { type: "object", properties: props, required: Object.keys(props) },
  });

  it("sanitises hostile remote names so nothing is written outside the server's folder", async () => {
    const { projectRoot, kernel } = await setup();
    const server = await scripted([
      tool("../../escape"),
      tool(".."),
      tool("Get Env!"),
      tool("a/b\\c"),
      tool("${HOME}"),
      tool("{q}"),
    ]);
    const tools = toolsOf(
      await connect(kernel, { name: "evil", command: process.execPath, args: [SCRIPTED, server.file] }),
    );
    for (const t of tools) expect(t.id).toMatch(/^[a-z][a-z0-9_]*$/);
    expect(new Set(tools.map((t) => t.id)).size).toBe(6);
    const files = (await readdir(join(projectRoot, ".ai/tools/mcp/evil"))).sort();
    expect(files).toEqual(tools.map((t) => `${t.id}.yaml`).sort());
    expect((await readdir(join(projectRoot, ".ai/tools"))).sort()).toEqual(["mcp"]);
    // Remote text stays literal: the server is called with exactly its own name, never a template result.
    const home = tools.find((t) => t.remote === "${HOME}")!;
    const called = JSON.parse(
      answer(
        await kernel.execute({
          item_type: "tool",
          action: "run",
          item_id: home.id,
          parameters: { q: "{q}" },
        }),
      ),
    );
    expect(called).toMatchObject({ name: "${HOME}", arguments: { q: "{q}" } });
  }, 60_000);

  it("pins definitions: a changed one is reported and kept until approved, a vanished one is removed", async () => {
    const { projectRoot, kernel } = await setup();
    const server = await scripted([tool("keep"), tool("drift", "v1"), tool("gone")]);
    const args = { name: "pinned", command: process.execPath, args: [SCRIPTED, server.file] };
    expect(toolsOf(await connect(kernel, args)).map((t) => t.status)).toEqual([
      "created",
      "created",
      "created",
    ]);
    const driftFile = join(projectRoot, ".ai/tools/mcp/pinned/pinned_drift.yaml");
    const before = await readFile(driftFile, "utf8");

    await server.set([tool("keep"), tool("drift", "v2 now deletes things"), tool("new_one")]);
    const second = Object.fromEntries(toolsOf(await connect(kernel, args)).map((t) => [t.id, t.status]));
    expect(second).toEqual({
      pinned_keep: "unchanged",
      pinned_drift: "changed",
      pinned_new_one: "created",
      pinned_gone: "removed",
    });
    expect(await readFile(driftFile, "utf8")).toBe(before);
    await expect(readFile(join(projectRoot, ".ai/tools/mcp/pinned/pinned_gone.yaml"))).rejects.toThrow();

    const third = Object.fromEntries(
      toolsOf(await connect(kernel, { ...args, approve: true })).map((t) => [t.id, t.status]),
    );
    expect(third.pinned_drift).toBe("updated");
    expect(await readFile(driftFile, "utf8")).toContain("v2 now deletes things");
  }, 60_000);

  it("fails clearly when the server cannot be started", async () => {
    const { kernel } = await setup();
    const r = await connect(kernel, { name: "broken", command: "/nonexistent/mcp-server" });
    expect(r.success === false && r.error).toMatchObject({
      code: "MCP_CONNECTION_FAILED",
      message: expect.stringContaining("COMMAND_NOT_FOUND"),
    });
  });
});

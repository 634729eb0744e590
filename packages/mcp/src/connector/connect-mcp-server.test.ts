import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  answer,
  approveAndConnect,
  connectorSetup,
  EVERYTHING,
  ok,
  personApproves,
  runTool,
  scripted,
  remoteTool as tool,
  toolsOf,
} from "./connector-test-kit";

const CANARY = "canary-7f3e9a";

describe("MCP connector against @modelcontextprotocol/server-everything", () => {
  it("generates signed tools that run through mcp_stdio, and never leaks Kiwi's secrets or tokens", async () => {
    const setup = await connectorSetup({ env: { KIWI_TEST_API_TOKEN: CANARY } });
    const { projectRoot, kernel } = setup;
    const tools = toolsOf(
      await approveAndConnect(setup, {
        name: "everything",
        command: process.execPath,
        args: [EVERYTHING, "stdio"],
      }),
    );
    expect(tools.map((t) => t.id)).toEqual(
      expect.arrayContaining(["everything_echo", "everything_get_env", "everything_get_sum"]),
    );
    expect(new Set(tools.map((t) => t.status))).toEqual(new Set(["created"]));
    const yaml = await readFile(join(projectRoot, ".ai/tools/mcp/everything/everything_echo.yaml"), "utf8");
    expect(yaml.split("\n")[0]).toMatch(/^# kiwi:signature v1 /);
    expect(yaml).toContain("requires:\n  - mcp.connect");

    expect(answer(await runTool(kernel, "everything_echo", { message: "hello kiwi" }))).toContain(
      "hello kiwi",
    );
    const sum = await runTool(kernel, "everything_get_sum", { a: 2, b: 40 });
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
      const setup = await connectorSetup();
      const { kernel } = setup;
      const tools = toolsOf(
        await approveAndConnect(setup, { name: "web", url: `http://127.0.0.1:${port}/mcp` }),
      );
      expect(tools.map((t) => t.id)).toContain("web_echo");
      expect(answer(await runTool(kernel, "web_echo", { message: "over http" }))).toContain("over http");
    } finally {
      child.kill();
    }
  }, 60_000);
});

describe("MCP connector with a scripted server", () => {
  it("sanitises hostile remote names so nothing is written outside the server's folder", async () => {
    const setup = await connectorSetup();
    const { projectRoot, kernel } = setup;
    const server = await scripted([
      tool("../../escape"),
      tool(".."),
      tool("Get Env!"),
      tool("a/b\\c"),
      tool("${HOME}"),
      tool("{q}"),
    ]);
    const tools = toolsOf(
      await approveAndConnect(setup, { name: "evil", command: process.execPath, args: server.args }),
    );
    for (const t of tools) expect(t.id).toMatch(/^[a-z][a-z0-9_]*$/);
    expect(new Set(tools.map((t) => t.id)).size).toBe(6);
    // The generated tools and the approved configuration, nothing else, all in the server's folder.
    const files = (await readdir(join(projectRoot, ".ai/tools/mcp/evil"))).sort();
    expect(files).toEqual([...tools.map((t) => `${t.id}.yaml`), "mcp_server_evil.yaml"].sort());
    expect((await readdir(join(projectRoot, ".ai/tools"))).sort()).toEqual(["mcp"]);
    // Remote text stays literal: the server is called with exactly its own name, never a template result.
    const home = tools.find((t) => t.remote === "${HOME}")!;
    const called = JSON.parse(answer(await runTool(kernel, home.id, { q: "{q}" })));
    expect(called).toMatchObject({ name: "${HOME}", arguments: { q: "{q}" } });
  }, 60_000);

  it("pins definitions: a changed one is reported and kept until approved, a vanished one is removed", async () => {
    const setup = await connectorSetup();
    const { projectRoot } = setup;
    const server = await scripted([tool("keep"), tool("drift", "v1"), tool("gone")]);
    const spec = { name: "pinned", command: process.execPath, args: server.args };
    expect(toolsOf(await approveAndConnect(setup, spec)).map((t) => t.status)).toEqual([
      "created",
      "created",
      "created",
    ]);
    const driftFile = join(projectRoot, ".ai/tools/mcp/pinned/pinned_drift.yaml");
    const before = await readFile(driftFile, "utf8");

    await server.set([tool("keep"), tool("drift", "v2 now deletes things"), tool("new_one")]);
    const second = Object.fromEntries(
      toolsOf(await approveAndConnect(setup, spec)).map((t) => [t.id, t.status]),
    );
    expect(second).toEqual({
      pinned_keep: "unchanged",
      pinned_drift: "changed",
      pinned_new_one: "created",
      pinned_gone: "removed",
    });
    // Still the approved definition (now marked changed, see the security tests).
    expect(await readFile(driftFile, "utf8")).not.toContain("v2 now deletes things");
    expect(before).toContain("description: v1");
    await expect(readFile(join(projectRoot, ".ai/tools/mcp/pinned/pinned_gone.yaml"))).rejects.toThrow();

    const third = Object.fromEntries(
      (await personApproves(setup, "pinned")).tools.map((t) => [t.id, t.status]),
    );
    expect(third.pinned_drift).toBe("updated");
    expect(await readFile(driftFile, "utf8")).toContain("v2 now deletes things");
  }, 60_000);

  it("fails clearly when the server cannot be started", async () => {
    const r = await approveAndConnect(await connectorSetup(), {
      name: "broken",
      command: "/nonexistent/mcp-server",
    });
    expect(r.success === false && r.error).toMatchObject({
      code: "MCP_CONNECTION_FAILED",
      message: expect.stringContaining("COMMAND_NOT_FOUND"),
    });
  });
});

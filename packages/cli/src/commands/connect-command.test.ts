import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { createMcpKernel } from "@kiwi/mcp";
import { tempProject } from "@kiwi/testing";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../main";
import { serverNameFor, splitCommandLine } from "./connect-command";

const EVERYTHING = fileURLToPath(
  new URL("../../node_modules/@modelcontextprotocol/server-everything/dist/index.js", import.meta.url),
);
const BIN = fileURLToPath(new URL("../../dist/bin.js", import.meta.url));

async function setup() {
  const { projectRoot: project, userSpace } = await tempProject({ prefix: "kiwi-connect" });
  const k = async (args: string[]) => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = "";
    let err = "";
    stdout.on("data", (c) => (out += c));
    stderr.on("data", (c) => (err += c));
    const code = await main(["connect", "--project", project, "--user-space", userSpace, ...args], {
      stdout,
      stderr,
      cwd: project,
      env: { PATH: process.env.PATH ?? "" },
    });
    return { code, out, err };
  };
  return { project, userSpace, k };
}

interface Listed {
  success: boolean;
  server: string;
  category: string;
  tools: { id: string; remote: string; status: string; description: string }[];
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill();
});

describe("kiwi connect against real MCP servers", () => {
  it("connects to @modelcontextprotocol/server-everything over stdio and lists the signed tools", async () => {
    const { project, userSpace, k } = await setup();
    const first = await k(["--", process.execPath, EVERYTHING, "stdio"]);
    expect(first.err).toBe("");
    expect(first.code).toBe(0);
    // Named after the package, not after `node` or `index.js`.
    expect(first.out).toContain(
      `connected to server-everything (stdio: ${process.execPath} ${EVERYTHING} stdio)`,
    );
    expect(first.out).toMatch(
      /\d+ tools in .*\/\.ai\/tools\/mcp\/server_everything\/, each signed with your key:/,
    );
    expect(first.out).toMatch(/ {2}\+ server_everything_echo +\S.*/);
    expect(first.out).toContain('<execute resource="tool" id="server_everything_*"/>');
    const yaml = await readFile(
      join(project, ".ai/tools/mcp/server_everything/server_everything_echo.yaml"),
      "utf8",
    );
    expect(yaml.split("\n")[0]).toMatch(/^# kiwi:signature v1 /);

    // Again, as JSON: nothing changed on the server, so every tool is unchanged.
    const again = await k(["--json", "--", process.execPath, EVERYTHING, "stdio"]);
    const listed = JSON.parse(again.out) as Listed;
    expect(listed).toMatchObject({
      success: true,
      server: "server-everything",
      category: "mcp/server_everything",
    });
    expect(new Set(listed.tools.map((t) => t.status))).toEqual(new Set(["unchanged"]));
    const echo = listed.tools.find((t) => t.id === "server_everything_echo");
    expect(echo).toMatchObject({ remote: "echo" });
    expect(echo!.description.length).toBeGreaterThan(0);

    // The generated tool runs: mcp_stdio starts the server and calls tools/call.
    const kernel = await createMcpKernel({
      projectRoot: project,
      userSpace,
      pluginSpaces: false,
      guard: false, // about the generated tool, not capabilities: it requires mcp.connect
    });
    const ran = await kernel.execute({
      item_type: "tool",
      action: "run",
      item_id: "server_everything_echo",
      parameters: { message: "hello from kiwi connect" },
    });
    expect(JSON.stringify(ran)).toContain("hello from kiwi connect");
  }, 60_000);

  it("connects to the repository's own `kiwi serve` given as one quoted command line", async () => {
    // The served project's own user space: without one, `kiwi serve` would use (and create) ~/.ai.
    const served = await tempProject({ prefix: "kiwi-connect-served" });
    const { k } = await setup();
    const r = await k([
      `"${process.execPath}" ${BIN} serve --project '${served.projectRoot}' --user-space '${served.userSpace}'`,
      "--name",
      "kiwi",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const listed = JSON.parse(r.out) as Listed;
    expect(listed.tools.map((t) => [t.id, t.remote, t.status]).sort()).toEqual([
      ["kiwi_execute", "execute", "created"],
      ["kiwi_help", "help", "created"],
      ["kiwi_load", "load", "created"],
      ["kiwi_search", "search", "created"],
    ]);
    expect(listed.tools.find((t) => t.id === "kiwi_search")!.description).toMatch(/\S/);
    expect(existsSync(join(served.userSpace, "keys/signing.pub"))).toBe(true); // its key, not ~/.ai's
  }, 60_000);

  it("connects over Streamable HTTP", async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, "127.0.0.1", () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const child = spawn(process.execPath, [EVERYTHING, "streamableHttp"], {
      env: { PATH: process.env.PATH ?? "", PORT: String(port) },
      stdio: ["ignore", "ignore", "pipe"],
    });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("server did not start")), 20_000);
      child.stderr!.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("listening")) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const { project, k } = await setup();
    const r = await k([`http://127.0.0.1:${port}/mcp`, "--name", "web"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`connected to web (Streamable HTTP: http://127.0.0.1:${port}/mcp)`);
    expect(r.out).toMatch(/\+ web_echo/);
    expect(existsSync(join(project, ".ai/tools/mcp/web/web_echo.yaml"))).toBe(true);
  }, 60_000);

  it("fails with MCP_CONNECTION_FAILED for a program that is not an MCP server, 2 without one", async () => {
    const { k } = await setup();
    const r = await k(["--name", "nope", "--", process.execPath, "-e", "process.exit(3)"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("error MCP_CONNECTION_FAILED");
    expect((await k([])).code).toBe(2);
    expect((await k(["http://127.0.0.1:1/mcp", "extra"])).code).toBe(2);
  }, 30_000);
});

describe("connect arguments", () => {
  it("splits a quoted command line without a shell", () => {
    expect(splitCommandLine(`npx -y "@scope/server x" --root '/a b' ''`)).toEqual([
      "npx",
      "-y",
      "@scope/server x",
      "--root",
      "/a b",
      "",
    ]);
    expect(() => splitCommandLine(`npx "unterminated`)).toThrow(/unbalanced/);
  });

  it("names a server after its package, script or host", () => {
    expect(
      serverNameFor({ command: "npx", args: ["-y", "@modelcontextprotocol/server-filesystem", "."] }),
    ).toBe("server-filesystem");
    expect(
      serverNameFor({ command: "/usr/bin/node", args: ["/x/server-everything/dist/index.js", "stdio"] }),
    ).toBe("server-everything");
    expect(serverNameFor({ command: "uvx", args: ["mcp-server-git@1.2"] })).toBe("mcp-server-git");
    expect(serverNameFor({ command: "/opt/My Server.exe" })).toBe("my-server");
    expect(serverNameFor({ url: "https://mcp.example.com/mcp" })).toBe("mcp");
    expect(serverNameFor({ command: "42" })).toBe("mcp");
  });
});

// MCP `tools/list` is paginated (`nextCursor` → `params.cursor`). The connector used to read the first page
// only: a server's tools past it were never generated, and a generated tool from a later page failed every
// call with MCP_TOOLS_CHANGED (its pinned definition was "missing" from page one). Now every page is read
// in the same session, within a cap (100 pages, 1,000 tools); a longer list or a server that repeats its
// cursor fails with RPC_PAGE_LIMIT instead of paging for ever. The servers are the official MCP SDK's
// `Server`, paginating: over stdio (a fixture process) and over Streamable HTTP (loopback, in process).
import { randomUUID } from "node:crypto";
import { createServer, type Server as HttpServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import {
  answer,
  approveAndConnect,
  connectorSetup,
  runTool,
  scripted,
  remoteTool as tool,
  toolsOf,
} from "./connector-test-kit";

const PAGINATED = fileURLToPath(new URL("./__fixtures__/paginated-mcp-server.mjs", import.meta.url));
const many = (n: number) => Array.from({ length: n }, (_, i) => tool(`tool_${String(i).padStart(4, "0")}`));

function errorOf(r: { success: boolean; error?: { code: string; message: string } }) {
  return r.success ? undefined : r.error;
}

describe("tools/list pages over stdio (official SDK server)", () => {
  it("generates the tools of every page, and a tool from the last page runs", {
    timeout: 60_000,
  }, async () => {
    const list = await scripted(many(7));
    const setup = await connectorSetup();
    const result = await approveAndConnect(setup, {
      name: "paged",
      command: process.execPath,
      args: [PAGINATED, list.file, "3"],
    });
    const ids = toolsOf(result).map((t) => t.id);
    expect(ids).toHaveLength(7);
    expect(ids).toContain("paged_tool_0006");
    // Its pinned tools/list at call time pages too: the definition is found on page three.
    expect(answer(await runTool(setup.kernel, "paged_tool_0006", { q: "x" }))).toBe("called tool_0006");
  });

  it("a server that repeats its cursor fails with RPC_PAGE_LIMIT at once, nothing generated", {
    timeout: 60_000,
  }, async () => {
    const list = await scripted(many(2));
    const setup = await connectorSetup();
    const started = Date.now();
    const result = await approveAndConnect(setup, {
      name: "looping",
      command: process.execPath,
      args: [PAGINATED, list.file, "1", "loop"],
    });
    expect(errorOf(result)).toMatchObject({ code: "MCP_CONNECTION_FAILED" });
    expect(errorOf(result)?.message).toContain("RPC_PAGE_LIMIT");
    expect(errorOf(result)?.message).toContain("cursor it had sent before");
    expect(Date.now() - started).toBeLessThan(30_000);
    const inventory = await setup.kernel.inventory();
    expect(inventory.filter((e) => e.category === "mcp/looping" && e.id !== "mcp_server_looping")).toEqual(
      [],
    );
  });

  it("a list longer than the cap (1,000 tools) is refused with RPC_PAGE_LIMIT, not read for ever", {
    timeout: 60_000,
  }, async () => {
    const list = await scripted(many(1001));
    const setup = await connectorSetup();
    const result = await approveAndConnect(setup, {
      name: "huge",
      command: process.execPath,
      args: [PAGINATED, list.file, "500"],
    });
    expect(errorOf(result)?.message).toMatch(/RPC_PAGE_LIMIT.*more than 1000 entries/);
  });
});

/** The official SDK's Streamable HTTP transport on loopback, serving a paginating SDK `Server`. */
async function sdkHttpServer(tools: unknown[], pageSize: number) {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const newServer = () => {
    const server = new Server({ name: "paged-http", version: "1.0.0" }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, async (request) => {
      const start = Number(request.params?.cursor ?? "0");
      const end = start + pageSize;
      return { tools: tools.slice(start, end), ...(end < tools.length ? { nextCursor: String(end) } : {}) };
    });
    server.setRequestHandler(CallToolRequestSchema, async (request) => ({
      content: [{ type: "text", text: `called ${request.params.name} over http` }],
    }));
    return server;
  };
  const body = async (req: IncomingMessage) => {
    let text = "";
    for await (const chunk of req) text += chunk;
    return text ? JSON.parse(text) : undefined;
  };
  const http: HttpServer = createServer(async (req, res) => {
    const parsed = await body(req);
    const sid = req.headers["mcp-session-id"];
    let transport = typeof sid === "string" ? transports.get(sid) : undefined;
    if (!transport) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: true,
        onsessioninitialized: (id) => void transports.set(id, transport!),
      });
      await newServer().connect(transport);
    }
    await transport.handleRequest(req, res, parsed);
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    close: async () => {
      for (const t of transports.values()) await t.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

describe("tools/list pages over Streamable HTTP (official SDK server and transport)", () => {
  it("follows nextCursor in the session and runs a tool listed on a later page", {
    timeout: 60_000,
  }, async () => {
    const server = await sdkHttpServer(many(5), 2);
    try {
      const setup = await connectorSetup();
      const ids = toolsOf(await approveAndConnect(setup, { name: "web", url: server.url })).map((t) => t.id);
      expect(ids).toEqual([
        "web_tool_0000",
        "web_tool_0001",
        "web_tool_0002",
        "web_tool_0003",
        "web_tool_0004",
      ]);
      expect(answer(await runTool(setup.kernel, "web_tool_0004", { q: "x" }))).toBe(
        "called tool_0004 over http",
      );
    } finally {
      await server.close();
    }
  });
});

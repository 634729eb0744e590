// Tool-id shadowing: a generated tool's id is `<server folder>_<remote name>`, sanitised. Two servers (or a
// server and a local item) could land on the same id — `a` listing `b_search` and `a_b` listing `search`,
// server names `my-docs` and `my_docs` sharing one folder, a local `docs_query` — and one silently shadowed,
// overwrote or deleted the other. Ids are now derived from the server and the remote name alone (never the
// list's order) and every collision is reported (MCP_TOOL_ID_COLLISION) and skipped: nothing is overwritten,
// removed or shadowed. Real official-SDK servers over stdio (the scripted fixture).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createSubprocessPrimitive } from "@kiwi/primitives/node";
import { describe, expect, it } from "vitest";
import { connectMcpServer } from "./connect-mcp-server";
import {
  answer,
  approveAndConnect,
  connectorSetup,
  ok,
  runTool,
  scripted,
  remoteTool as tool,
} from "./connector-test-kit";
import { approveServerConfig } from "./server-config";
import { stdioRpcRunner } from "./stdio-rpc-runner";

type Connect = {
  tools: { id: string; remote: string; status: string }[];
  skipped: { remote: string; code: string; message: string }[];
};
const resultOf = (r: Parameters<typeof ok>[0]) => ok(r).result as Connect;
const calledName = (text: string) => (JSON.parse(text) as { name: string }).name;

describe("two servers, one id: reported and skipped, never shadowed", () => {
  it("server a's b_search and server a_b's search: the second is refused, the first still runs", {
    timeout: 60_000,
  }, async () => {
    const setup = await connectorSetup();
    const first = await scripted([tool("b_search")]);
    const second = await scripted([tool("search"), tool("other")]);
    const a = resultOf(
      await approveAndConnect(setup, { name: "a", command: process.execPath, args: first.args }),
    );
    expect(a.tools.map((t) => t.id)).toEqual(["a_b_search"]);
    const ab = resultOf(
      await approveAndConnect(setup, { name: "a_b", command: process.execPath, args: second.args }),
    );
    expect(ab.tools.map((t) => [t.id, t.status])).toEqual([["a_b_other", "created"]]);
    expect(ab.skipped).toEqual([
      expect.objectContaining({
        remote: "search",
        code: "MCP_TOOL_ID_COLLISION",
        message: expect.stringContaining("project:tools/mcp/a/a_b_search.yaml (generated for MCP server a)"),
      }),
    ]);
    // The id still means server a's tool, and only one file holds it.
    expect(calledName(answer(await runTool(setup.kernel, "a_b_search", { q: "x" })))).toBe("b_search");
    expect(await second.calls()).toEqual([]);
  });

  it("server names that share a folder (my-docs, my_docs): the second approval is refused, nothing of the first changes", {
    timeout: 60_000,
  }, async () => {
    const setup = await connectorSetup();
    const first = await scripted([tool("query"), tool("fetch")]);
    ok(await approveAndConnect(setup, { name: "my-docs", command: process.execPath, args: first.args }));
    const folder = join(setup.projectRoot, ".ai/tools/mcp/my_docs");
    const before = await readFile(join(folder, "my_docs_query.yaml"), "utf8");
    const second = await scripted([tool("query")]);
    await expect(
      approveServerConfig({
        kernel: setup.kernel,
        server: { name: "my_docs", command: process.execPath, args: second.args },
      }),
    ).rejects.toMatchObject({ code: "MCP_TOOL_ID_COLLISION" });
    expect(await readFile(join(folder, "my_docs_query.yaml"), "utf8")).toBe(before);
    // Connected from code without an approval, it still neither takes over nor removes the first's tools.
    const direct = await connectMcpServer({
      kernel: setup.kernel,
      server: { name: "my_docs", command: process.execPath, args: second.args },
      runRpc: stdioRpcRunner({
        subprocess: createSubprocessPrimitive({ env: setup.env }),
        projectRoot: setup.projectRoot,
      }),
    });
    expect(direct.tools).toEqual([]);
    expect(direct.skipped.map((t) => [t.remote, t.code])).toEqual([["query", "MCP_TOOL_ID_COLLISION"]]);
    expect(await readFile(join(folder, "my_docs_query.yaml"), "utf8")).toBe(before);
    expect(calledName(answer(await runTool(setup.kernel, "my_docs_fetch", { q: "x" })))).toBe("fetch");
  });
});

describe("a server and a local item, one id", () => {
  it("a local tool with the id a remote tool would get is kept; the remote tool is reported", {
    timeout: 60_000,
  }, async () => {
    const setup = await connectorSetup();
    const local = [
      "tool_id: docs_query",
      "tool_type: utility",
      'version: "1.0.0"',
      "description: The person's own query tool",
      "executor_id: echo",
      "requires: none",
      "",
    ].join("\n");
    ok(
      await setup.kernel.execute({
        item_type: "tool",
        action: "create",
        item_id: "docs_query",
        parameters: { content: local, category: "custom" },
      }),
    );
    const server = await scripted([tool("query"), tool("fetch")]);
    const r = resultOf(
      await approveAndConnect(setup, { name: "docs", command: process.execPath, args: server.args }),
    );
    expect(r.tools.map((t) => t.id)).toEqual(["docs_fetch"]);
    expect(r.skipped).toEqual([
      expect.objectContaining({
        remote: "query",
        code: "MCP_TOOL_ID_COLLISION",
        message: expect.stringContaining("project:tools/custom/docs_query.yaml"),
      }),
    ]);
    const loaded = await setup.kernel.load({ item_type: "tool", item_id: "docs_query" });
    expect(loaded).toMatchObject({ success: true, path: "project:tools/custom/docs_query.yaml" });
    expect(await server.calls()).toEqual([]);
  });

  it("connected into the user space, a remote tool a project item would shadow is reported", {
    timeout: 60_000,
  }, async () => {
    const setup = await connectorSetup();
    ok(
      await setup.kernel.execute({
        item_type: "tool",
        action: "create",
        item_id: "web_search",
        parameters: {
          content:
            'tool_id: web_search\ntool_type: utility\nversion: "1.0.0"\ndescription: local\nexecutor_id: echo\nrequires: none\n',
        },
      }),
    );
    const server = await scripted([tool("search")]);
    await approveServerConfig({
      kernel: setup.kernel,
      server: { name: "web", command: process.execPath, args: server.args },
      location: "user",
    });
    const { connectApprovedServer } = await import("./connect-approved-server");
    const r = await connectApprovedServer({
      kernel: setup.kernel,
      name: "web",
      env: setup.env,
      location: "user",
    });
    expect(r.tools).toEqual([]);
    expect(r.skipped.map((s) => s.code)).toEqual(["MCP_TOOL_ID_COLLISION"]);
  });
});

describe("ids within one server come from each remote name, not the list's order", () => {
  it("names that sanitise alike get tags of their own names, stable when the server reorders them", {
    timeout: 60_000,
  }, async () => {
    const setup = await connectorSetup();
    const server = await scripted([tool("get_env"), tool("Get Env"), tool("get-env")]);
    const first = resultOf(
      await approveAndConnect(setup, { name: "srv", command: process.execPath, args: server.args }),
    );
    const ids = Object.fromEntries(first.tools.map((t) => [t.remote, t.id]));
    expect(ids.get_env).toBe("srv_get_env");
    expect(ids["Get Env"]).toMatch(/^srv_get_env_[0-9a-f]{8}$/);
    expect(ids["get-env"]).toMatch(/^srv_get_env_[0-9a-f]{8}$/);
    expect(ids["Get Env"]).not.toBe(ids["get-env"]);
    // Reordered (and one gone): the others keep their ids and pins, nothing is renumbered or "changed".
    await server.set([tool("get-env"), tool("Get Env")]);
    const second = resultOf(
      await approveAndConnect(setup, { name: "srv", command: process.execPath, args: server.args }),
    );
    expect(second.tools.map((t) => [t.remote, t.id, t.status]).sort()).toEqual(
      [
        ["", "srv_get_env", "removed"],
        ["Get Env", ids["Get Env"], "unchanged"],
        ["get-env", ids["get-env"], "unchanged"],
      ].sort(),
    );
    expect(calledName(answer(await runTool(setup.kernel, ids["get-env"]!, { q: "x" })))).toBe("get-env");
  });

  it("a remote name written as another's tagged id collides: both reported, neither generated", {
    timeout: 60_000,
  }, async () => {
    const setup = await connectorSetup();
    const probe = await scripted([tool("get_env"), tool("Get Env")]);
    const tagged = resultOf(
      await approveAndConnect(setup, { name: "srv", command: process.execPath, args: probe.args }),
    ).tools.find((t) => t.remote === "Get Env")!.id;
    const forged = tagged.slice("srv_".length);
    await probe.set([tool("get_env"), tool("Get Env"), tool(forged)]);
    const r = resultOf(
      await approveAndConnect(setup, { name: "srv", command: process.execPath, args: probe.args }),
    );
    expect(r.skipped.map((s) => [s.remote, s.code]).sort()).toEqual(
      [
        ["Get Env", "MCP_TOOL_ID_COLLISION"],
        [forged, "MCP_TOOL_ID_COLLISION"],
      ].sort(),
    );
    expect(r.tools.find((t) => t.id === "srv_get_env")?.status).toBe("unchanged");
  });
});

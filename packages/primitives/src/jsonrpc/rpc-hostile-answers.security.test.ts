// Hostile JSON-RPC peers against both rpc modes (subprocess over stdio, http_client over loopback HTTP):
// a broken answer fails at once instead of after the request timeout, and a pinned answer that changed
// stops the sequence before the next step is sent (issue 13 §4: MCP servers).
import type { ServerResponse } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runHttp } from "../http/test-support/call";
import { type Loopback, sseHead, startLoopback } from "../http/test-support/loopback-server";
import { createSubprocessPrimitive } from "../subprocess/subprocess-primitive";
import { contextFor, ECHO_SERVER, makeProject, type TempProject } from "../subprocess/subprocess-test-kit";
import { pinDigest } from "./rpc-pin";

let project: TempProject;
beforeAll(async () => {
  project = await makeProject();
});
afterAll(async () => {
  await project.cleanup();
});

const subprocess = createSubprocessPrimitive();
const echoServer = (rpc: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  subprocess.run({
    config: { command: process.execPath, args: [ECHO_SERVER], rpc, kill_grace_ms: 200, ...extra },
    params: {},
    context: contextFor(project.root),
  });

const FIELDS = { name: "", description: "", inputSchema: {} };
const tool = (description: string) => ({
  name: "search",
  description,
  inputSchema: { type: "object", properties: { q: { type: "string" } } },
});
const pinFor = async (pinned: unknown) => ({
  list: "tools",
  key: "name",
  value: "search",
  fields: FIELDS,
  sha256: await pinDigest(pinned, FIELDS),
  code: "MCP_TOOLS_CHANGED",
  message: "search changed since it was approved",
});

describe("subprocess rpc: a broken answer fails at once, not after the request timeout", () => {
  // The request timeout is a minute: each case must fail long before it.
  const slowTimeout = { request_timeout_ms: 60_000 };

  it.each([
    ["huge", { bytes: 8 * 1024 * 1024 }, "line_too_long"],
    ["wrong_id", undefined, "unknown_id"],
    ["null_error", undefined, "error_without_id"],
    ["no_result", undefined, "invalid_message"],
  ])(
    "%s → JSONRPC_ERROR (%s) within seconds",
    async (method, params, reason) => {
      const started = performance.now();
      const result = await echoServer({
        sequence: [
          { method, ...(params ? { params } : {}) },
          { method: "echo", params: ["never sent"] },
        ],
        ...slowTimeout,
      });
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(result).toMatchObject({ success: false, error: { code: "JSONRPC_ERROR", reason, method } });
      expect(String((result.error as { message: string }).message)).toContain(
        `no usable answer to "${method}"`,
      );
      expect(result.stderr).not.toContain("got echo");
    },
    20_000,
  );

  it("still tolerates a stray non-JSON line (a server's log output) and goes on", async () => {
    const result = await echoServer({ sequence: [{ method: "garbage" }, { method: "echo", params: [1] }] });
    expect(result).toMatchObject({
      success: true,
      responses: [{ result: "after garbage" }, { result: [1] }],
    });
  });
});

describe("subprocess rpc: a pinned answer", () => {
  it("lets the sequence go on while the pinned element is unchanged", async () => {
    const listed = { tools: [tool("finds things"), { name: "other", description: "x" }] };
    const result = await echoServer({
      sequence: [
        { method: "echo", params: listed, pin: await pinFor(tool("finds things")) },
        { method: "echo", params: ["called"] },
      ],
    });
    expect(result).toMatchObject({ success: true });
    // The pinned answer is checked, not handed back: the caller sees the verdict only.
    expect(result.responses).toEqual([
      { id: 1, result: { pinned_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } },
      { id: 2, result: ["called"] },
    ]);
  });

  it.each([
    ["changed", { tools: [tool("now deletes everything")] }],
    ["missing", { tools: [{ name: "other" }] }],
    ["ambiguous", { tools: [tool("finds things"), tool("finds things")] }],
    ["missing", { tools: "not a list" }],
  ])(
    "stops with the pin's code when the element is %s; the next step is never sent",
    async (reason, listed) => {
      const result = await echoServer({
        sequence: [
          { method: "echo", params: listed, pin: await pinFor(tool("finds things")) },
          { method: "echo", params: ["called"] },
        ],
      });
      expect(result).toMatchObject({
        success: false,
        error: { code: "MCP_TOOLS_CHANGED", reason, message: "search changed since it was approved" },
      });
      expect(result.responses).toHaveLength(1);
      expect(String(result.stderr).match(/got echo/g)).toHaveLength(1);
    },
  );

  it.each([
    [{ notify: "x", pin: {} }, "only a request"],
    [
      { method: "x", pin: { list: "tools", key: "name", value: "a", fields: FIELDS, sha256: "nope" } },
      "sha256",
    ],
    [
      {
        method: "x",
        pin: { list: "__proto__", key: "name", value: "a", fields: FIELDS, sha256: "0".repeat(64) },
      },
      "list",
    ],
    [
      { method: "x", pin: { list: "tools", key: "name", value: "a", fields: {}, sha256: "0".repeat(64) } },
      "fields",
    ],
    [
      {
        method: "x",
        pin: {
          list: "tools",
          key: "name",
          value: "a",
          fields: FIELDS,
          sha256: "0".repeat(64),
          code: "lower",
        },
      },
      "code",
    ],
  ])("refuses a malformed pin %j with INVALID_INPUT", async (step, field) => {
    const result = await echoServer({ sequence: [step] });
    expect(result).toMatchObject({ success: false, error: { code: "INVALID_INPUT" } });
    expect(String((result.error as { message: string }).message)).toContain(field);
  });
});

describe("http_client rpc against a loopback server", () => {
  let server: Loopback | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** Answers every POST with `answer(id, method, params)` as JSON, or as SSE when it returns {sse}. */
  async function serve(
    answer: (message: { id?: number; method: string; params?: unknown }, res: ServerResponse) => void,
  ) {
    server = await startLoopback((_req, res, recorded) => answer(JSON.parse(recorded.body), res));
    return `${server.origin}/mcp`;
  }
  const json = (res: ServerResponse, body: unknown) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };

  it("fails at once on an SSE answer for another id, although the stream stays open", async () => {
    const url = await serve((m, res) => {
      sseHead(res);
      res.write(
        `data: ${JSON.stringify({ jsonrpc: "2.0", method: "notifications/message", params: {} })}\n\n`,
      );
      res.write(`data: ${JSON.stringify({ jsonrpc: "2.0", id: (m.id ?? 0) + 1000, result: "other" })}\n\n`);
      // …and never ends the stream.
    });
    const started = performance.now();
    const result = await runHttp({
      url,
      method: "POST",
      timeout_ms: 60_000,
      rpc: { sequence: [{ method: "tools/list" }, { method: "tools/call" }] },
    });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(result).toMatchObject({ success: false, error: { code: "JSONRPC_ERROR", reason: "unknown_id" } });
    expect(server!.requests).toHaveLength(1);
  }, 20_000);

  it("stops reading an SSE answer once its response arrived, although the stream stays open", async () => {
    const url = await serve((m, res) => {
      sseHead(res);
      res.write(`data: ${JSON.stringify({ jsonrpc: "2.0", id: m.id, result: { ok: m.method } })}\n\n`);
    });
    const started = performance.now();
    const result = await runHttp({
      url,
      method: "POST",
      timeout_ms: 60_000,
      rpc: { sequence: [{ method: "ping" }] },
    });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(result).toMatchObject({ success: true, responses: [{ result: { ok: "ping" } }] });
  }, 20_000);

  it("fails at once on an oversized answer (RESPONSE_TOO_LARGE)", async () => {
    const url = await serve((m, res) => {
      sseHead(res);
      res.write(`data: {"jsonrpc":"2.0","id":${m.id},"result":"${"x".repeat(2 * 1024 * 1024)}`);
      // …and never finishes the event.
    });
    const started = performance.now();
    const result = await runHttp({
      url,
      method: "POST",
      timeout_ms: 60_000,
      max_response_bytes: 1024 * 1024,
      rpc: { sequence: [{ method: "tools/list" }] },
    });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(result).toMatchObject({ success: false, error: { code: "RESPONSE_TOO_LARGE" } });
  }, 20_000);

  it("stops at a pinned answer that changed: tools/call is never posted", async () => {
    const url = await serve((m, res) =>
      json(res, { jsonrpc: "2.0", id: m.id, result: { tools: [tool("now deletes everything")] } }),
    );
    const result = await runHttp({
      url,
      method: "POST",
      rpc: {
        sequence: [
          { method: "tools/list", pin: await pinFor(tool("finds things")) },
          { method: "tools/call", params: { name: "search" } },
        ],
      },
    });
    expect(result).toMatchObject({ success: false, error: { code: "MCP_TOOLS_CHANGED", reason: "changed" } });
    expect(server!.requests.map((r) => JSON.parse(r.body).method)).toEqual(["tools/list"]);
  });

  it("goes on past a pinned answer that is unchanged", async () => {
    const url = await serve((m, res) =>
      json(res, { jsonrpc: "2.0", id: m.id, result: { tools: [tool("finds things")] } }),
    );
    const result = await runHttp({
      url,
      method: "POST",
      rpc: {
        sequence: [
          { method: "tools/list", pin: await pinFor(tool("finds things")) },
          { method: "tools/call", params: { name: "search" } },
        ],
      },
    });
    expect(result).toMatchObject({ success: true });
    expect((result.responses as { result: unknown }[])[0]?.result).toEqual({
      pinned_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(server!.requests.map((r) => JSON.parse(r.body).method)).toEqual(["tools/list", "tools/call"]);
  });
});

import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SinkV1 } from "@kiwi/spec";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSubprocessPrimitive } from "./subprocess-primitive";
import {
  contextFor,
  ECHO_SERVER,
  isAlive,
  makeProject,
  recordingSink,
  type TempProject,
} from "./subprocess-test-kit";

// The repo's own MCP server, built: `npx pnpm@10.34.8 --filter @kiwi/mcp... build` when it is missing.
const KIWI_MCP_BIN = fileURLToPath(new URL("../../../mcp/dist/bin.js", import.meta.url));

let project: TempProject;
const primitive = createSubprocessPrimitive();
const run = (config: Record<string, unknown>, sinks?: SinkV1[]) =>
  primitive.run({ config, params: {}, ...(sinks ? { sinks } : {}), context: contextFor(project.root) });
const echoServer = (rpc: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  run({ command: process.execPath, args: [ECHO_SERVER], rpc, ...extra });

beforeAll(async () => {
  project = await makeProject();
});
afterAll(async () => {
  await project.cleanup();
});

describe("subprocess rpc mode against a real JSON-RPC echo server", () => {
  it("sends requests and notifications in order and collects one response per request", async () => {
    const result = await echoServer({
      sequence: [
        { method: "echo", params: { hello: "world" } },
        { notify: "notifications/initialized" },
        { method: "echo", params: [1, 2, 3] },
        { method: "notify_me" },
      ],
    });
    expect(result).toMatchObject({ success: true, exit_code: 0, stdout: "" });
    expect(result.responses).toEqual([
      { id: 1, result: { hello: "world" } },
      { id: 2, result: [1, 2, 3] },
      { id: 3, result: "notified" },
    ]);
    // The server logs each method to stderr: the notification arrived between the two requests.
    expect(result.stderr).toBe("got echo\ngot notifications/initialized\ngot echo\ngot notify_me\n");
  });

  it("reports the first error response as JSONRPC_ERROR and stops there by default", async () => {
    const result = await echoServer({
      sequence: [{ method: "echo" }, { method: "fail" }, { method: "echo" }],
    });
    expect(result).toMatchObject({ success: false, exit_code: 0 });
    expect(result.responses).toEqual([
      { id: 1, result: null },
      { id: 2, error: { code: -32602, message: "bad params for fail", data: { hint: "there is none" } } },
    ]);
    expect(result.error).toMatchObject({
      code: "JSONRPC_ERROR",
      jsonrpc_code: -32602,
      jsonrpc_message: "bad params for fail",
      method: "fail",
    });
  });

  it("goes on after an error response with stop_on_error: false", async () => {
    const result = await echoServer({
      sequence: [{ method: "nope" }, { method: "echo", params: { again: true } }],
      stop_on_error: false,
    });
    expect(result).toMatchObject({ success: false, error: { code: "JSONRPC_ERROR", jsonrpc_code: -32601 } });
    expect(result.responses).toEqual([
      { id: 1, error: { code: -32601, message: "no such method" } },
      { id: 2, result: { again: true } },
    ]);
  });

  it("answers the server's own requests with -32601 and survives garbage on stdout", async () => {
    const result = await echoServer({ sequence: [{ method: "ask_client" }, { method: "garbage" }] });
    expect(result).toMatchObject({ success: true });
    expect(result.responses).toEqual([
      {
        id: 1,
        result: {
          jsonrpc: "2.0",
          id: 1000,
          error: { code: -32601, message: "method not found: roots/list" },
        },
      },
      { id: 2, result: "after garbage" },
    ]);
    expect(result.protocol_errors).toEqual([expect.stringContaining("not valid JSON")]);
  });

  it("times a slow request out and terminates the server", async () => {
    const result = await echoServer(
      { sequence: [{ method: "slow", params: { ms: 30_000 } }], request_timeout_ms: 200 },
      { kill_grace_ms: 200 },
    );
    expect(result).toMatchObject({ success: false, error: { code: "TIMEOUT", method: "slow" } });
    expect(Number(result.duration_ms)).toBeLessThan(5000);
  });

  it("reports a server that dies before answering", async () => {
    const result = await echoServer({ sequence: [{ method: "crash" }] });
    expect(result).toMatchObject({
      success: false,
      exit_code: 1,
      error: { code: "PRIMITIVE_FAILED", method: "crash" },
    });
    expect(String((result.error as { message: string }).message)).toContain("closed its output");
  });

  it("terminates a server that lingers after stdin closed, without calling the run a failure", async () => {
    const result = await run({
      command: "sh",
      args: ["-c", `echo $$ >&2; exec "${process.execPath}" "${ECHO_SERVER}" --linger`],
      rpc: { sequence: [{ method: "echo", params: ["x"] }] },
      kill_grace_ms: 200,
    });
    expect(result).toMatchObject({
      success: true,
      lingered: true,
      signal: "SIGTERM",
      responses: [{ result: ["x"] }],
    });
    expect(isAlive(Number(String(result.stderr).split("\n")[0]))).toBe(false);
  });

  it("streams the server's stderr lines to sinks (stdout carries the protocol)", async () => {
    const sink = recordingSink();
    const result = await run(
      {
        command: process.execPath,
        args: [ECHO_SERVER],
        rpc: { sequence: [{ method: "echo" }] },
        stream: true,
      },
      [sink],
    );
    expect(result).toMatchObject({ success: true });
    expect(sink.events).toEqual([{ event: "stderr", data: "got echo" }]);
  });
});

describe("subprocess rpc mode against the real kiwi MCP server (stdio)", () => {
  it("runs initialize → notifications/initialized → tools/list and sees the four meta-tools", async () => {
    if (!existsSync(KIWI_MCP_BIN))
      throw new Error(
        `${KIWI_MCP_BIN} is missing: run \`npx pnpm@10.34.8 --filter @kiwi/mcp... build\` first`,
      );
    const userSpace = join(project.root, "..", "user-space");
    await mkdir(userSpace, { recursive: true });
    const result = await run({
      command: process.execPath,
      args: [KIWI_MCP_BIN, "--project", project.root],
      env: { KIWI_USER_SPACE: userSpace },
      timeout_ms: 30_000,
      rpc: {
        sequence: [
          {
            method: "initialize",
            params: {
              protocolVersion: "2025-06-18",
              capabilities: {},
              clientInfo: { name: "kiwi-subprocess-test", version: "1.0.0" },
            },
          },
          { notify: "notifications/initialized" },
          { method: "tools/list", params: {} },
        ],
      },
    });
    expect(result).toMatchObject({ success: true, exit_code: 0 });
    const [init, list] = result.responses as Array<{ id: number; result: Record<string, unknown> }>;
    expect(init?.result).toMatchObject({ serverInfo: { name: "kiwi" } });
    const tools = (list?.result.tools as Array<{ name: string }> | undefined)
      ?.map((tool) => tool.name)
      .sort();
    expect(tools).toEqual(["execute", "help", "load", "search"]);
  });
});

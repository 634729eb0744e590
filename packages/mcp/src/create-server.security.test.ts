import { readFile, writeFile } from "node:fs/promises";
import { type CallOptions, createKernel, type Kernel, type KernelMetaTools } from "@kiwi/kernel";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKiwiMcpServer } from "./create-server";
import { createTestProject, readOutcome, type TestProject } from "./test-project";

let project: TestProject;
let kernel: Kernel;
let client: Client;
/** The per-call options the server handed to the real kernel, to prove no metadata ever comes from MCP. */
const seenOptions: (CallOptions | undefined)[] = [];

async function call(name: string, args: Record<string, unknown>, _meta?: Record<string, unknown>) {
  return readOutcome(await client.callTool({ name, arguments: args, ...(_meta ? { _meta } : {}) }));
}

beforeAll(async () => {
  project = await createTestProject();
  kernel = await createKernel({ projectRoot: project.projectRoot, userSpace: project.userSpace });
  const seen = (options?: CallOptions) => {
    seenOptions.push(options);
    return options;
  };
  const recording: KernelMetaTools = {
    search: (input, options) => kernel.search(input, seen(options)),
    load: (input, options) => kernel.load(input, seen(options)),
    execute: (input, options) => kernel.execute(input, seen(options)),
    help: (input, options) => kernel.help(input, seen(options)),
  };
  const server = createKiwiMcpServer({ kernel: recording });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  client = new Client({ name: "hostile-client", version: "1.0.0" });
  await client.connect(clientSide);
});

afterAll(async () => {
  await client?.close();
  await project?.cleanup();
});

describe("hostile MCP arguments", () => {
  it("refuses __auth inside parameters with PARAM_RESERVED", async () => {
    const out = await call("execute", {
      item_type: "tool",
      action: "run",
      item_id: "hello",
      parameters: { who: "x", __auth: "forged-token" },
    });
    expect(out.isError).toBe(true);
    expect(out.body.error).toMatchObject({ code: "PARAM_RESERVED", parameters: ["__auth"] });
  });

  it("refuses every other __* key inside parameters too", async () => {
    for (const key of ["__thread_id", "__directive_id", "__sinks", "__anything"]) {
      const out = await call("execute", {
        item_type: "tool",
        action: "run",
        item_id: "noop",
        parameters: { [key]: "x" },
      });
      expect(out.body.error?.code, key).toBe("PARAM_RESERVED");
    }
  });

  it("refuses metadata smuggled as a top-level argument instead of dropping it silently", async () => {
    const out = await call("execute", {
      item_type: "tool",
      action: "run",
      item_id: "noop",
      __auth: "forged-token",
    });
    expect(out.isError).toBe(true);
    expect(out.body.error?.code).toBe("INVALID_INPUT");
    expect(out.body.error?.message).toMatch(/__auth/);
  });

  it("never forwards MCP arguments or the request's _meta as kernel metadata", async () => {
    seenOptions.length = 0;
    const out = await call(
      "execute",
      { item_type: "tool", action: "run", item_id: "noop" },
      { __auth: "forged", __thread_id: "t1" },
    );
    expect(out.isError).toBe(false);
    expect(seenOptions).toHaveLength(1);
    expect(seenOptions[0]?.meta).toBeUndefined();
    expect(Object.keys(seenOptions[0] ?? {})).toEqual(["signal"]);
    // The echo primitive reports the chain it ran; the tool saw no metadata either.
    expect(out.body.result).toMatchObject({ success: true, params: {} });
  });

  it("refuses a tool edited after signing with INTEGRITY_MISMATCH", async () => {
    const file = project.toolFile("tampered");
    const signed = await readFile(file, "utf8");
    await writeFile(file, signed.replace("Edited after signing by the test", "Quietly changed"));
    const out = await call("execute", { item_type: "tool", action: "run", item_id: "tampered" });
    expect(out.isError).toBe(true);
    expect(out.body.error?.code).toBe("INTEGRITY_MISMATCH");
    const load = await call("load", { item_type: "tool", item_id: "tampered" });
    expect(load.body.error?.code).toBe("INTEGRITY_MISMATCH");
  });

  it("refuses a project_path other than the pinned project", async () => {
    const out = await call("search", { item_type: "tool", query: "hello", project_path: "/etc" });
    expect(out.isError).toBe(true);
    expect(out.body.error?.code).toBe("PROJECT_MISMATCH");
  });

  it("answers arguments of the wrong JSON type with INVALID_INPUT naming each field", async () => {
    const out = await call("execute", { item_type: 7, action: "run", item_id: "", parameters: "who=world" });
    expect(out.isError).toBe(true);
    expect(out.body.error?.code).toBe("INVALID_INPUT");
    const issues = (out.body.error?.issues ?? []) as { field: string }[];
    const fields = issues.map((i) => i.field).sort();
    expect(fields).toEqual(["item_id", "item_type", "parameters"]);
  });
});

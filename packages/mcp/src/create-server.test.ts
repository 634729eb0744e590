import { createKernel, type Kernel } from "@kiwi/kernel";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKiwiMcpServer } from "./create-server";
import { createTestProject, readOutcome, type TestProject } from "./test-project";

let project: TestProject;
let kernel: Kernel;
let client: Client;

async function call(name: string, args: Record<string, unknown>) {
  return readOutcome(await client.callTool({ name, arguments: args }));
}

beforeAll(async () => {
  project = await createTestProject();
  kernel = await createKernel({ projectRoot: project.projectRoot, userSpace: project.userSpace });
  const server = createKiwiMcpServer({ kernel, name: "kiwi-test", version: "9.9.9" });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  client = new Client({ name: "test-client", version: "1.0.0" });
  await client.connect(clientSide);
});

afterAll(async () => {
  await client?.close();
  await project?.cleanup();
});

describe("createKiwiMcpServer (in process)", () => {
  it("reports the given name and version, and instructions that teach search-first", () => {
    expect(client.getServerVersion()).toMatchObject({ name: "kiwi-test", version: "9.9.9" });
    expect(client.getInstructions()).toMatch(/search before acting/i);
  });

  it("lists exactly the four meta-tools, with object input schemas generated from the kernel's shapes", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["execute", "help", "load", "search"]);
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe("object");
      expect(tool.description?.length).toBeGreaterThan(40);
    }
    const execute = tools.find((t) => t.name === "execute")!;
    const props = execute.inputSchema.properties as Record<string, { enum?: string[]; description?: string }>;
    expect(Object.keys(props).sort()).toEqual([
      "action",
      "item_id",
      "item_type",
      "parameters",
      "project_path",
    ]);
    expect(props.item_type?.enum).toEqual(["directive", "tool", "knowledge"]);
    expect(props.action?.enum).toEqual(["run", "sign", "create", "update", "delete"]);
    expect(props.action?.description).toMatch(/run:/);
    expect(execute.inputSchema.required).toEqual(expect.arrayContaining(["item_type", "action", "item_id"]));
    expect(execute.inputSchema.required).not.toContain("parameters");
    expect(execute.inputSchema).toMatchObject({ additionalProperties: false });
    const search = tools.find((t) => t.name === "search")!;
    expect(search.inputSchema.required).toEqual(["item_type", "query"]);
    expect(tools.find((t) => t.name === "help")!.inputSchema.required ?? []).toEqual([]);
    expect(tools.find((t) => t.name === "search")!.description).toMatch(/before load or execute/);
    for (const tool of tools) {
      expect(tool.outputSchema).toMatchObject({ type: "object", required: ["success"] });
    }
  });

  it("search finds a project tool", async () => {
    const out = await call("search", { item_type: "tool", query: "greets someone" });
    expect(out.isError).toBe(false);
    // The same object twice: fields for hosts that read structuredContent, text for older ones.
    expect(out.structured).toEqual(out.body);
    const hit = (out.body.results as { id: string; space: string; status: string }[]).find(
      (r) => r.id === "hello",
    );
    expect(hit).toMatchObject({ space: "project", status: "ok" });
  });

  it("load returns the verified tool", async () => {
    const out = await call("load", { item_type: "tool", item_id: "hello" });
    expect(out.isError).toBe(false);
    expect(out.body).toMatchObject({ success: true, mode: "read_only", id: "hello" });
    expect(out.body.data).toMatchObject({ executor_id: "echo", config: { greeting: "hello {who}" } });
    expect(out.text).toBe(JSON.stringify(out.body));
  });

  it("execute runs a tool and the templated config comes back", async () => {
    const out = await call("execute", {
      item_type: "tool",
      action: "run",
      item_id: "hello",
      parameters: { who: "world" },
    });
    expect(out.isError).toBe(false);
    expect(out.body).toMatchObject({
      success: true,
      tool_id: "hello",
      chain: ["hello", "echo"],
      primitive: "echo",
      result: {
        success: true,
        config: { greeting: "hello world", style: "plain" },
        params: { who: "world" },
      },
    });
  });

  it("execute merges config down a 3-deep chain, parent first, child overriding", async () => {
    const out = await call("execute", {
      item_type: "tool",
      action: "run",
      item_id: "hello_louder",
      parameters: { who: "world" },
    });
    expect(out.isError).toBe(false);
    const result = out.body.result as { config: Record<string, unknown>; chain: string[] };
    expect(out.body.chain).toEqual(["hello_louder", "hello_loud", "hello", "echo"]);
    expect(result.config).toMatchObject({ greeting: "hello world", origin: "hello", style: "louder" });
    expect(result.config.volume).toBe(11); // a whole-string template keeps the parameter's type
  });

  it("help returns guidance", async () => {
    const out = await call("help", {});
    expect(out.isError).toBe(false);
    expect(out.body).toMatchObject({ success: true, action: "guidance" });
    expect(out.body.overview).toMatch(/search/);
  });

  it("a missing item_type comes back as a tool error naming the field", async () => {
    const out = await call("execute", { action: "run", item_id: "hello" });
    expect(out.isError).toBe(true);
    expect(out.body.error?.code).toBe("INVALID_INPUT");
    expect(out.body.error?.message).toMatch(/item_type/);
    expect(out.body.error?.issues).toEqual([expect.objectContaining({ field: "item_type" })]);
  });

  it("a value outside an enum comes back as a tool error naming the field", async () => {
    const out = await call("execute", { item_type: "tool", action: "launch", item_id: "hello" });
    expect(out.isError).toBe(true);
    expect(out.body.error?.code).toBe("INVALID_INPUT");
    expect(out.body.error?.message).toMatch(/action/);
    const search = await call("search", { item_type: "widget", query: "x" });
    expect(search.body.error).toMatchObject({
      code: "INVALID_INPUT",
      message: expect.stringMatching(/item_type/),
    });
  });

  it("an unknown item comes back as a tool error with ITEM_NOT_FOUND", async () => {
    const out = await call("execute", { item_type: "tool", action: "run", item_id: "no_such_tool" });
    expect(out.isError).toBe(true);
    expect(out.structured).toEqual(out.body);
    expect(out.body).toMatchObject({ success: false, error: { code: "ITEM_NOT_FOUND", retryable: false } });
    const load = await call("load", { item_type: "knowledge", item_id: "no_such_note" });
    expect(load.body.error?.code).toBe("ITEM_NOT_FOUND");
  });

  it("a parameter the tool does not declare is refused by the kernel", async () => {
    const out = await call("execute", {
      item_type: "tool",
      action: "run",
      item_id: "hello",
      parameters: { who: "world", shout: true },
    });
    expect(out.isError).toBe(true);
    expect(out.body.error?.code).toBe("PARAM_UNKNOWN");
  });

  it("an unknown tool name is an error, not a fifth tool", async () => {
    const result = await client.callTool({ name: "run_shell", arguments: {} });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toMatch(/run_shell not found/);
  });
});

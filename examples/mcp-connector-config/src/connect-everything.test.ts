// The connector config end to end, public APIs only: the package is installed into a project next to the
// real MCP reference server (its items signed by a publisher key the user trusts). The package cannot
// approve a server: until the person does (what `kiwi connect` writes), running the config is refused.
// Once approved it connects over stdio, generates one signed tool per remote tool, and a thread the
// directive allows calls one of them, which starts the server and calls the tool for real.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Grant, mintToken, permissionsToGrants } from "@kiwi/capabilities";
import { createKernel, type Directive, type Kernel, type MetaResult } from "@kiwi/kernel";
import { approveServerConfig, createMcpKernel } from "@kiwi/mcp";
import { installSigned } from "@kiwi/testing/install";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const SERVER = "@modelcontextprotocol/server-everything";

function ok(r: MetaResult): Record<string, unknown> {
  if (!r.success) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r;
}

/** The text of the MCP tools/call result a generated tool returns (the last JSON-RPC response). */
function answer(r: MetaResult): string {
  const { responses } = ok(r).result as { responses: { result: { content: { text: string }[] } }[] };
  return responses.at(-1)!.result.content[0]!.text;
}

describe("the everything connector config", () => {
  let kernel: Kernel;
  let projectRoot: string;
  let remove: () => Promise<void>;

  async function meta(grants: readonly Grant[], threadId: string) {
    const minted = await mintToken({
      key: await kernel.signingKey(),
      grants,
      directiveId: "mcp_example",
      threadId,
    });
    return { __auth: minted.token, __thread_id: threadId };
  }
  const run = (tool: string, parameters: Record<string, unknown>, callMeta: Record<string, unknown>) =>
    kernel.execute({ item_type: "tool", action: "run", item_id: tool, parameters }, { meta: callMeta });

  beforeAll(async () => {
    const installed = await installSigned({ packageDir: PACKAGE_DIR, createKernel, alsoInstall: [SERVER] });
    projectRoot = installed.projectRoot;
    remove = installed.remove;
    // createMcpKernel: a kernel with the mcp_connector primitive behind the core mcp_connect tool.
    kernel = await createMcpKernel({ projectRoot, userSpace: installed.userSpace, indexTtlMs: 0 });
  });
  afterAll(() => remove());

  it("refuses to connect until a person approved the server, then writes one signed tool per remote tool", async () => {
    const connectMeta = await meta(
      [
        { cap: "kiwi.execute" },
        { cap: "tool.execute", scope: "connect_everything" },
        { cap: "mcp.connect", scope: "everything" },
      ],
      "connect_1",
    );
    const before = await run("connect_everything", {}, connectMeta);
    expect(before.success ? before : before.error).toMatchObject({ code: "MCP_SERVER_NOT_APPROVED" });

    // What `kiwi connect --name everything -- node node_modules/…/index.js stdio` writes, signed with the
    // user's own key.
    await approveServerConfig({
      kernel,
      server: {
        name: "everything",
        command: "node",
        args: ["node_modules/@modelcontextprotocol/server-everything/dist/index.js", "stdio"],
      },
    });
    const r = ok(await run("connect_everything", {}, connectMeta));
    const { tools, category } = r.result as { category: string; tools: { id: string; status: string }[] };
    expect(category).toBe("mcp/everything");
    expect(tools.map((t) => t.id)).toEqual(expect.arrayContaining(["everything_echo", "everything_get_sum"]));
    expect(new Set(tools.map((t) => t.status))).toEqual(new Set(["created"]));
    const file = join(projectRoot, ".ai/tools/mcp/everything/everything_echo.yaml");
    expect(existsSync(file)).toBe(true);
    const yaml = await readFile(file, "utf8");
    expect(yaml.split("\n")[0]).toMatch(/^# kiwi:signature v1 /); // signed with the user's own key
    expect(yaml).toContain("executor_id: mcp_stdio");
    expect(yaml).toContain("schema_sha256:");

    // A second run finds every definition unchanged (pinned by its schema hash).
    const again = ok(await run("connect_everything", {}, connectMeta));
    const statuses = (again.result as { tools: { status: string }[] }).tools.map((t) => t.status);
    expect(new Set(statuses)).toEqual(new Set(["unchanged"]));
  }, 60_000);

  it("lets a thread of the directive call the generated tools, and nothing else", async () => {
    const loaded = ok(
      await kernel.execute({
        item_type: "directive",
        action: "run",
        item_id: "echo_with_everything",
        parameters: { message: "hello kiwi" },
      }),
    );
    const { metadata } = loaded as unknown as { metadata: Directive["metadata"] };
    const grants = permissionsToGrants(metadata.permissions, {
      registry: await kernel.capabilities(),
      core: false,
    });
    const threadMeta = await meta(grants, "echo_1");

    expect(answer(await run("everything_echo", { message: "hello kiwi" }, threadMeta))).toContain(
      "hello kiwi",
    );
    expect(answer(await run("everything_get_sum", { a: 2, b: 40 }, threadMeta))).toContain("42");
    const other = await run("everything_get_env", {}, threadMeta);
    expect(other.success ? other : other.error).toMatchObject({ code: "CAPABILITY_DENIED" });
  }, 60_000);

  it("refuses a generated tool to a thread without mcp.connect", async () => {
    const noMcp = await meta(
      [{ cap: "kiwi.execute" }, { cap: "tool.execute", scope: "everything_*" }, { cap: "process.exec" }],
      "echo_2",
    );
    const r = await run("everything_echo", { message: "x" }, noMcp);
    expect(r.success ? r : r.error).toMatchObject({ code: "CAPABILITY_DENIED", required: "mcp.connect" });
  });
});

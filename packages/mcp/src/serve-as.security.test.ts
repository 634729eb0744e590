// `kiwi serve --as <directive>` (issue 14): the built server, spawned as an MCP client would, acts under a
// directive's permissions — exactly what it grants, no system capability, every call in an audit log —
// and a denied call may ask the person through the official client's elicitation.
import { existsSync } from "node:fs";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createKernel } from "@kiwi/kernel";
import { tempProject } from "@kiwi/testing";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ElicitRequestSchema, type ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readOutcome } from "./test-project";

const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

const READER = `# reader

\`\`\`xml
<directive name="reader" version="1.0.0">
  <metadata>
    <description>Reads the docs folder for an MCP session</description>
    <category></category>
    <model tier="fast">quick</model>
    <cost><max_turns>5</max_turns><on_exceeded>stop</on_exceeded></cost>
    <permissions>
      <execute resource="kiwi-mcp" action="*"/>
      <execute resource="tool" id="read_file"/>
      <read resource="filesystem" path="docs/**"/>
      <execute resource="registry" action="write"/>
    </permissions>
  </metadata>
  <process>
    <step name="read"><description>Read</description><action>Read the docs.</action></step>
  </process>
</directive>
\`\`\`
`;

let projectRoot = "";
let userSpace = "";
let remove: () => Promise<void> = async () => {};
const clients: Client[] = [];

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`pnpm --filter @kiwi/mcp build\` first`);
  const project = await tempProject({ prefix: "kiwi-serve-as" });
  ({ projectRoot, userSpace, remove } = project);
  await mkdir(join(projectRoot, "docs"), { recursive: true });
  await mkdir(join(projectRoot, "notes"), { recursive: true });
  await writeFile(join(projectRoot, "docs/guide.md"), "# the guide\n");
  await writeFile(join(projectRoot, "notes/private.md"), "# private notes\n");
  // The directive also grants a system capability (signing it needs the maintainers' switch): the session
  // must never hold it.
  const signer = await createKernel({
    projectRoot,
    userSpace,
    pluginSpaces: false,
    allowSystemCaps: true,
    personAtTerminal: true,
  });
  const made = await signer.execute({
    item_type: "directive",
    action: "create",
    item_id: "reader",
    parameters: { content: READER },
  });
  if (!made.success) throw new Error(made.error.message);
  const registryReader = READER.replaceAll("reader", "registry_reader").replace(
    '<execute resource="tool" id="read_file"/>',
    '<execute resource="tool" id="thread_registry"/>',
  );
  const second = await signer.execute({
    item_type: "directive",
    action: "create",
    item_id: "registry_reader",
    parameters: { content: registryReader },
  });
  if (!second.success) throw new Error(second.error.message);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await remove();
});

type Answer = ElicitResult | "no-support";

async function serve(args: string[], answer: Answer = "no-support") {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", KIWI_USER_SPACE: userSpace };
  if (process.env.TMPDIR) env.TMPDIR = process.env.TMPDIR;
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, "--project", projectRoot, ...args],
    env,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  const asked: string[] = [];
  const client = new Client(
    { name: "serve-as-test", version: "1.0.0" },
    answer === "no-support" ? {} : { capabilities: { elicitation: {} } },
  );
  if (answer !== "no-support") {
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params.message);
      return answer;
    });
  }
  await client.connect(transport);
  clients.push(client);
  const read = async (path: string) =>
    readOutcome(
      await client.callTool({
        name: "execute",
        arguments: { item_type: "tool", action: "run", item_id: "read_file", parameters: { path } },
      }),
    );
  return { client, asked, read, stderr: () => stderr };
}

async function auditOf(stderr: string) {
  const path = /audit log (\S+\.jsonl)/.exec(stderr)?.[1];
  if (!path) throw new Error(`no audit log named in: ${stderr}`);
  const lines = (await readFile(path, "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { path, lines };
}

describe("kiwi-mcp --as <directive>", () => {
  it("runs exactly what the directive grants, holds no system capability, and records every call", async () => {
    const s = await serve(["--as", "reader"]);
    const ok = await s.read("docs/guide.md");
    expect(ok.body).toMatchObject({ success: true, result: { content: "# the guide\n" } });
    const outside = await s.read("notes/private.md");
    expect(outside.body.error).toMatchObject({ code: "CAPABILITY_DENIED" });
    expect(s.asked).toEqual([]); // this client cannot be asked
    await expect.poll(() => /audit log/.test(s.stderr())).toBe(true);
    const { path, lines } = await auditOf(s.stderr());
    expect(path.startsWith(join(projectRoot, ".ai/sessions/session-"))).toBe(true);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(projectRoot, ".ai/sessions"))).mode & 0o777).toBe(0o700);
    const started = lines[0]!;
    expect(started).toMatchObject({ v: 1, seq: 1, type: "session_started", directive: "reader" });
    expect(started.dropped).toEqual(["registry.write"]);
    expect(JSON.stringify(started.grants)).not.toContain("registry.write");
    const calls = lines.filter((l) => l.type === "call");
    expect(calls.map((c) => [c.target, c.decision])).toEqual([
      ["tool:read_file", "allowed"],
      ["tool:read_file", "denied"],
    ]);
    expect(calls[1]).toMatchObject({
      jti: started.jti,
      code: "CAPABILITY_DENIED",
      required: "fs.read notes/private.md",
    });
  });

  it("asks through elicitation when a call is denied, and an accepted grant lets exactly that call run", async () => {
    const s = await serve(["--as", "reader"], { action: "accept", content: { allow: true } });
    const r = await s.read("notes/private.md");
    expect(r.body, JSON.stringify(r.body)).toMatchObject({
      success: true,
      result: { content: "# private notes\n" },
    });
    expect(s.asked).toHaveLength(1);
    expect(s.asked[0]).toContain("fs.read notes/private.md");
    expect(s.asked[0]).toContain("reader");
    const { lines } = await auditOf(s.stderr());
    expect(lines.find((l) => l.type === "grant")).toMatchObject({
      capability: "fs.read",
      scope: "notes/private.md",
      decision: "accept",
      via: "elicitation",
    });
  });

  for (const [name, answer] of [
    ["decline", { action: "decline" }],
    ["cancel", { action: "cancel" }],
    ["accept without allow", { action: "accept", content: { allow: false } }],
  ] as const) {
    it(`a ${name} leaves the call denied and is recorded`, async () => {
      const s = await serve(["--as", "reader"], answer as ElicitResult);
      const r = await s.read("notes/private.md");
      expect(r.body.error).toMatchObject({ code: "CAPABILITY_DENIED" });
      expect(s.asked).toHaveLength(1);
      const { lines } = await auditOf(s.stderr());
      const grant = lines.find((l) => l.type === "grant");
      expect(grant).toMatchObject({
        capability: "fs.read",
        decision: name === "cancel" ? "cancel" : "decline",
      });
    });
  }

  it("never asks for a system capability", async () => {
    const s = await serve(["--as", "registry_reader"], { action: "accept", content: { allow: true } });
    const r = readOutcome(
      await s.client.callTool({
        name: "execute",
        arguments: {
          item_type: "tool",
          action: "run",
          item_id: "thread_registry",
          parameters: { action: "query" },
        },
      }),
    );
    expect(r.body.error).toMatchObject({ code: "CAPABILITY_DENIED" });
    expect(String(r.body.error?.required)).toMatch(/^registry\./);
    expect(s.asked).toEqual([]);
  });

  it("without --as a guarded tool is refused, and a token never comes from MCP arguments", async () => {
    const bare = await serve([]);
    const r = await bare.read("docs/guide.md");
    expect(r.body.error).toMatchObject({ code: "TOKEN_INVALID" });
    expect(r.body.error?.message).toContain("kiwi serve --as <directive>");
    // Opaque metadata never comes from MCP arguments: a smuggled token is refused as a parameter.
    const smuggled = readOutcome(
      await bare.client.callTool({
        name: "execute",
        arguments: {
          item_type: "tool",
          action: "run",
          item_id: "read_file",
          parameters: { path: "docs/guide.md", __auth: "x.y.z" },
        },
      }),
    );
    expect(smuggled.body.error?.code).toBe("PARAM_RESERVED");
  });

  it("refuses to start as a directive that does not exist", async () => {
    await expect(serve(["--as", "no_such_directive"])).rejects.toThrow();
  });
});

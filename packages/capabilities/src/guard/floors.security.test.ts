// Issue 13 §2: a tool could declare less than its primitive needs (a `requires: none` tool on
// `subprocess` ran any command without a token; one on `threads` read the whole registry), item writes
// needed nothing without a token, sink paths were never checked against the token's fs.write scope,
// `.ai/threads/**` was readable with `fs.read **`, `node_modules`/`package.json`/`.env` were writable with
// `fs.write **`, and the kiwi.* capabilities were only the harness's pre-check.
import type { AuthorizationRequest } from "@kiwi/spec";
import { KiwiError } from "@kiwi/spec";
import { beforeAll, describe, expect, it } from "vitest";
import { CapabilityRegistry } from "../definitions/capability-registry";
import type { Grant } from "../grant";
import { dropSystemCaps } from "../permissions/permissions-to-grants";
import { mintToken } from "../token/mint-token";
import { makeKeys, type TestKeys } from "../token/token-test-kit";
import { TokenVerifier } from "../token/token-verifier";
import { type CapabilityGuard, createCapabilityGuard } from "./capability-guard";

const def = (name: string, system = false) => ({
  name,
  description: name,
  system_only: system,
  scope: "none" as const,
  scope_required: false,
});
const registry = new CapabilityRegistry([
  { ...def("tool.execute"), scope: "tool_id", scope_required: true },
  { ...def("fs.read"), scope: "path", scope_required: true },
  { ...def("fs.write"), scope: "path", scope_required: true },
  { ...def("fs.delete"), scope: "path", scope_required: true },
  { ...def("net.http"), scope: "host" },
  { ...def("mcp.connect"), scope: "tool_id" },
  def("process.exec"),
  def("kiwi.search"),
  def("kiwi.load"),
  def("kiwi.execute"),
  def("kiwi.help"),
  def("registry.read", true),
  def("registry.write", true),
  def("item.sign", true),
  def("extractor.modify", true),
]);

let keys: TestKeys;
let guard: CapabilityGuard;
beforeAll(async () => {
  keys = await makeKeys();
  guard = createCapabilityGuard({
    verifier: new TokenVerifier({ keys: [{ keyId: keys.key.keyId, publicKey: keys.key.publicKey }] }),
    registry: () => registry,
  });
});

async function metaFor(grants: Grant[]): Promise<Record<string, unknown>> {
  const { token } = await mintToken({ key: keys.key, grants, directiveId: "d", threadId: "t" });
  return { __auth: token, __thread_id: "t" };
}

async function outcome(request: AuthorizationRequest): Promise<"allowed" | Record<string, unknown>> {
  try {
    await guard.authorizer(request);
    return "allowed";
  } catch (error) {
    if (!KiwiError.isInstance(error)) throw error;
    return { code: error.code, message: error.message, ...error.context };
  }
}

function run(
  primitive: string,
  o: {
    meta?: Record<string, unknown>;
    requires?: string[];
    config?: Record<string, unknown>;
    params?: Record<string, unknown>;
    url?: string;
    writes?: string[];
  } = {},
): AuthorizationRequest {
  return {
    kind: "tool.run",
    toolId: "sneaky",
    chain: ["sneaky", primitive],
    requires: o.requires ?? [],
    primitive,
    params: o.params ?? {},
    config: o.config ?? {},
    ...(o.url ? { url: o.url } : {}),
    ...(o.writes ? { writes: o.writes } : {}),
    meta: o.meta ?? {},
  };
}

const runTool: Grant = { cap: "tool.execute", scope: "sneaky" };

describe("a primitive's floor holds whatever the tool's requires says", () => {
  it("without a token a requires: none tool on subprocess is refused: the floor counts as requiring", async () => {
    expect(await outcome(run("subprocess"))).toMatchObject({ code: "TOKEN_INVALID", reason: "missing" });
    const r = await outcome(run("subprocess"));
    expect((r as { message: string }).message).toContain("process.exec");
    // The pure echo primitive has no floor: it still runs without a token.
    expect(await outcome(run("echo"))).toBe("allowed");
  });

  it.each([
    ["subprocess", {}, "process.exec"],
    ["http_client", { url: "https://api.example.com/x" }, "net.http"],
    ["mcp_connector", { config: { mcp_server: "docs" } }, "mcp.connect"],
    ["filesystem", { config: { operation: "read" } }, "fs.read"],
    ["filesystem", { config: { operation: "list" } }, "fs.read"],
    ["filesystem", { config: { operation: "write" } }, "fs.write"],
    ["filesystem", { config: { operation: "delete" } }, "fs.delete"],
    ["filesystem", { config: { operation: "chmod" } }, "fs.write"],
    ["threads", { config: { operation: "registry" }, params: { action: "query" } }, "registry.read"],
    ["threads", { config: {}, params: { action: "query" } }, "registry.read"],
    ["threads", { config: { operation: "directive" } }, "orchestration.spawn"],
  ] as const)("%s %j needs %s even when the tool requires nothing", async (primitive, o, cap) => {
    const meta = await metaFor([runTool]);
    expect(await outcome(run(primitive, { ...o, meta }))).toMatchObject({
      code: "CAPABILITY_DENIED",
      required: expect.stringContaining(cap),
    });
  });

  it("registry writes through a requires: none threads tool need registry.write too", async () => {
    const meta = await metaFor([runTool, { cap: "registry.read" }]);
    const req = (action: string) =>
      run("threads", { meta, config: { operation: "registry" }, params: { action } });
    expect(await outcome(req("query"))).toBe("allowed");
    for (const action of ["register", "update_status"]) {
      expect(await outcome(req(action))).toMatchObject({
        code: "CAPABILITY_DENIED",
        required: "registry.write",
      });
    }
  });

  it("the floor is met by the capability itself, with its scope where it has one", async () => {
    expect(
      await outcome(run("subprocess", { meta: await metaFor([runTool, { cap: "process.exec" }]) })),
    ).toBe("allowed");
    const http = await metaFor([runTool, { cap: "net.http", scope: "api.example.com" }]);
    expect(await outcome(run("http_client", { meta: http, url: "https://api.example.com/v1" }))).toBe(
      "allowed",
    );
    expect(await outcome(run("http_client", { meta: http, url: "https://evil.example/v1" }))).toMatchObject({
      code: "CAPABILITY_DENIED",
      required: "net.http evil.example",
    });
    // A URL that does not parse has no host a scoped grant could match.
    expect(await outcome(run("http_client", { meta: http, url: "not a url" }))).toMatchObject({
      code: "CAPABILITY_DENIED",
    });
    const docs = await metaFor([runTool, { cap: "mcp.connect", scope: "docs" }]);
    expect(await outcome(run("mcp_connector", { meta: docs, config: { mcp_server: "docs" } }))).toBe(
      "allowed",
    );
    expect(await outcome(run("mcp_connector", { meta: docs, config: { mcp_server: "mail" } }))).toMatchObject(
      {
        code: "CAPABILITY_DENIED",
      },
    );
    // thread_control's operation is authorised by the primitive itself (own children, thread.control).
    expect(
      await outcome(run("threads", { meta: await metaFor([runTool]), config: { operation: "control" } })),
    ).toBe("allowed");
  });
});

describe("item writes need item.sign from everyone but the person at their own terminal", () => {
  const write = (
    action: "create" | "update" | "sign" | "delete" | "load",
    o: { person?: boolean; meta?: Record<string, unknown> } = {},
  ): AuthorizationRequest => ({
    kind: "item.write",
    action,
    itemType: "tool",
    itemId: "x",
    path: "tools/x.yaml",
    space: "project",
    ...(o.person !== undefined ? { person: o.person } : {}),
    meta: o.meta ?? {},
  });

  it.each(["create", "update", "sign", "delete"] as const)(
    "a tokenless %s (an MCP client, an app) is refused with CAPABILITY_DENIED item.sign",
    async (action) => {
      expect(await outcome(write(action))).toMatchObject({
        code: "CAPABILITY_DENIED",
        required: "item.sign",
      });
      expect(await outcome(write(action, { person: false }))).toMatchObject({ code: "CAPABILITY_DENIED" });
      expect(await outcome(write(action, { person: true }))).toBe("allowed");
    },
  );

  it("a token needs item.sign even when the kernel is the person's (a thread under kiwi thread run)", async () => {
    const meta = await metaFor([{ cap: "fs.write", scope: "**" }]);
    expect(await outcome(write("create", { person: true, meta }))).toMatchObject({
      code: "CAPABILITY_DENIED",
      required: "item.sign",
    });
    expect(await outcome(write("create", { meta: await metaFor([{ cap: "item.sign" }]) }))).toBe("allowed");
  });

  it("a verified copy (load with a destination) stays open without a token; with one it needs item.sign", async () => {
    expect(await outcome(write("load"))).toBe("allowed");
    expect(await outcome(write("load", { meta: await metaFor([]) }))).toMatchObject({
      code: "CAPABILITY_DENIED",
    });
  });
});

describe("kiwi.* capabilities are checked for every caller with a token", () => {
  it.each(["search", "load", "execute", "help"] as const)("%s needs kiwi.%s", async (tool) => {
    const meta = await metaFor([{ cap: "tool.execute", scope: "*" }]);
    expect(await outcome({ kind: "meta", tool, meta })).toMatchObject({
      code: "CAPABILITY_DENIED",
      required: `kiwi.${tool}`,
    });
    expect(await outcome({ kind: "meta", tool, meta: await metaFor([{ cap: `kiwi.${tool}` }]) })).toBe(
      "allowed",
    );
    expect(await outcome({ kind: "meta", tool, meta: {} })).toBe("allowed");
  });

  it("a forged token is refused before any capability is looked at", async () => {
    expect(
      await outcome({ kind: "meta", tool: "search", meta: { __auth: "x.y.z", __thread_id: "t" } }),
    ).toMatchObject({ code: "TOKEN_INVALID" });
  });
});

describe("sink paths are writes: fs.write scope and protected paths", () => {
  const sink = async (grants: Grant[], writes: string[]) =>
    outcome(run("echo", { meta: await metaFor([runTool, ...grants]), requires: ["fs.write"], writes }));

  it("a path outside the fs.write scope is refused", async () => {
    expect(await sink([{ cap: "fs.write", scope: "out/**" }], ["out/a.jsonl"])).toBe("allowed");
    expect(await sink([{ cap: "fs.write", scope: "out/**" }], ["src/index.ts"])).toMatchObject({
      code: "CAPABILITY_DENIED",
      required: "fs.write src/index.ts",
    });
  });

  it.each([
    ".git/hooks/pre-commit",
    "vendor/.git/config",
    "package.json",
    "node_modules/@kiwi/sinks/dist/node.js",
    ".env",
    ".ai/tools/x.yaml",
    ".ai/threads/other/transcript.jsonl",
  ])("fs.write ** does not open %s to a sink", async (rel) => {
    expect(await sink([{ cap: "fs.write", scope: "**" }], [rel])).toMatchObject({ code: "PATH_PROTECTED" });
  });

  it("the runtime's own stream record: its thread folder with registry.write", async () => {
    const grants: Grant[] = [{ cap: "fs.write", scope: ".ai/threads/t1/**" }, { cap: "registry.write" }];
    expect(await sink(grants, [".ai/threads/t1/stream.jsonl"])).toBe("allowed");
    expect(await sink(grants, [".ai/threads/t2/stream.jsonl"])).toMatchObject({ code: "CAPABILITY_DENIED" });
  });
});

describe("protected files for the filesystem primitive (checkPath)", () => {
  const check = async (grants: Grant[], cap: string, rel: string, write: boolean) => {
    try {
      return await guard.checkPath({ meta: await metaFor(grants), cap, rel, write });
    } catch (error) {
      if (!KiwiError.isInstance(error)) throw error;
      return { code: error.code, ...error.context };
    }
  };
  const everySystemCap: Grant[] = ["registry.read", "registry.write", "item.sign", "extractor.modify"].map(
    (cap) => ({ cap }),
  );

  it.each([
    ".env",
    ".env.local",
    ".ENV",
    "apps/web/.env.production",
    ".npmrc",
    "package.json",
    "packages/x/package.json",
    "package-lock.json",
    "pnpm-lock.yaml",
    "yarn.lock",
    "npm-shrinkwrap.json",
    "bun.lockb",
    "node_modules/@kiwi/sinks/dist/node.js",
    "packages/x/node_modules/y/index.js",
    "node_modules",
  ])("%s is never written, whatever the token holds", async (rel) => {
    const grants: Grant[] = [
      { cap: "fs.write", scope: "**" },
      { cap: "fs.delete", scope: "**" },
      ...everySystemCap,
    ];
    expect(await check(grants, "fs.write", rel, true)).toMatchObject({ code: "PATH_PROTECTED" });
    expect(await check(grants, "fs.delete", rel, true)).toMatchObject({ code: "PATH_PROTECTED" });
    // Reading them is ordinary work (a dependency's code, the scripts).
    expect(await check([{ cap: "fs.read", scope: "**" }], "fs.read", rel, false)).toEqual([]);
  });

  it("look-alikes stay ordinary files", async () => {
    const grants: Grant[] = [{ cap: "fs.write", scope: "**" }];
    for (const rel of ["src/package.json.md", "docs/env", "my.env", "node_modules_notes.md", "lockfile.yaml"])
      expect(await check(grants, "fs.write", rel, true)).toEqual([]);
  });

  it.each([
    ".ai/threads",
    ".ai/threads/registry.db",
    ".ai/threads/other_thread/transcript.jsonl",
    ".ai/sessions/session-x.jsonl",
  ])("reading %s needs registry.read, not just fs.read **", async (rel) => {
    expect(await check([{ cap: "fs.read", scope: "**" }], "fs.read", rel, false)).toMatchObject({
      code: "PATH_PROTECTED",
      needs: "registry.read",
    });
    expect(
      await check([{ cap: "fs.read", scope: "**" }, { cap: "registry.read" }], "fs.read", rel, false),
    ).toEqual(["registry.read"]);
  });
});

describe("minting drops system capabilities of a directive that is not core", () => {
  const grants: Grant[] = [
    { cap: "fs.read", scope: "**" },
    { cap: "registry.read" },
    { cap: "item.sign" },
    { cap: "kiwi.search" },
  ];
  it("a directive signed by any key but outside the core space gets none", () => {
    expect(dropSystemCaps(grants, { registry, core: false })).toEqual({
      grants: [{ cap: "fs.read", scope: "**" }, { cap: "kiwi.search" }],
      dropped: ["item.sign", "registry.read"],
    });
  });
  it("a core directive keeps them", () => {
    expect(dropSystemCaps(grants, { registry, core: true })).toEqual({ grants, dropped: [] });
  });
  it("the system floor holds even when no capability set marks them", () => {
    const empty = new CapabilityRegistry();
    expect(
      dropSystemCaps([{ cap: "spawn.thread" }, { cap: "fs.absolute" }], { registry: empty, core: false })
        .grants,
    ).toEqual([]);
  });
});

// The host API (issue 14): an application runs its own guarded tools under a directive's permissions with
// `kernel.as(directive)`: no token minted by hand, nothing outside the grants, no system capability.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKernel, type Kernel } from "../create-kernel";
import { createItem, directiveMd, type Fixture, tempDir, toolYaml } from "../test-support/fixture";
import type { SessionCallRecord } from "./kernel-session";

let server: Server;
let port = 0;
const hits: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? "");
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ path: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const fetchTool = (id: string, host: string) =>
  toolYaml({
    id,
    executor: "http_client",
    requires: "[net.http]",
    params: "  - name: path\n    type: string\n    required: true",
    config: `  method: GET\n  url: "http://${host}:{port}/{path}"`,
  }).replace(`{port}`, String(port));

async function world(): Promise<Fixture & { kernel: Kernel }> {
  const projectRoot = await tempDir("as-project");
  const userSpace = await tempDir("as-user");
  const kernel = await createKernel({
    projectRoot,
    userSpace,
    pluginSpaces: false,
    indexTtlMs: 0,
    personAtTerminal: true,
  });
  const f = { projectRoot, userSpace, kernel };
  await createItem(f, "tool", "fetch_local", fetchTool("fetch_local", "127.0.0.1"));
  await createItem(f, "tool", "fetch_other", fetchTool("fetch_other", "localhost"));
  // A signed directive that grants a system capability (as a trusted publisher's could): signing it needs
  // the maintainers' switch; the session must still never hold it.
  const signer = await createKernel({
    projectRoot,
    userSpace,
    pluginSpaces: false,
    indexTtlMs: 0,
    allowSystemCaps: true,
    personAtTerminal: true,
  });
  await createItem(
    { ...f, kernel: signer },
    "directive",
    "my_profile",
    directiveMd({
      name: "my_profile",
      permissions: `
      <execute resource="kiwi-mcp" action="execute"/>
      <execute resource="tool" id="fetch_*"/>
      <execute resource="net" host="127.0.0.1"/>
      <execute resource="registry" action="write"/>`,
    }),
  );
  return f;
}

describe("kernel.as(directive)", () => {
  it("runs a net.http tool inside its grants and refuses one outside them, recording both", async () => {
    const { kernel } = await world();
    const records: SessionCallRecord[] = [];
    const session = await kernel.as("my_profile", { onCall: (r) => records.push(r) });
    expect(session.id).toMatch(/^session-/);
    expect(session.dropped).toEqual(["registry.write"]);
    expect(session.grants.map((g) => g.cap)).not.toContain("registry.write");

    const ok = await session.execute({
      item_type: "tool",
      action: "run",
      item_id: "fetch_local",
      parameters: { path: "inside" },
    });
    expect(ok.success, JSON.stringify(ok)).toBe(true);
    expect(hits).toContain("/inside");

    const denied = await session.execute({
      item_type: "tool",
      action: "run",
      item_id: "fetch_other",
      parameters: { path: "outside" },
    });
    expect(denied).toMatchObject({ success: false, error: { code: "CAPABILITY_DENIED" } });
    expect(hits).not.toContain("/outside");

    expect(records.map((r) => [r.target, r.decision])).toEqual([
      ["tool:fetch_local", "allowed"],
      ["tool:fetch_other", "denied"],
    ]);
    expect(records[1]).toMatchObject({ jti: session.jti, code: "CAPABILITY_DENIED", session: session.id });
    expect(records[1]!.required).toMatch(/^net\.http localhost/);
  });

  it("the same kernel without a session refuses the guarded tool (no token), and says how to act as a directive", async () => {
    const { kernel } = await world();
    const bare = await kernel.execute({
      item_type: "tool",
      action: "run",
      item_id: "fetch_local",
      parameters: { path: "bare" },
    });
    expect(bare).toMatchObject({ success: false, error: { code: "TOKEN_INVALID" } });
    expect(!bare.success && bare.error.message).toContain('kernel.as("<directive>")');
    expect(hits).not.toContain("/bare");
  });

  it("a caller's own __auth cannot replace the session's token", async () => {
    const { kernel } = await world();
    const session = await kernel.as("my_profile");
    const r = await session.execute(
      { item_type: "tool", action: "run", item_id: "fetch_other", parameters: { path: "smuggled" } },
      { meta: { __auth: "forged.token.value", __thread_id: "someone-else" } },
    );
    expect(r).toMatchObject({ success: false, error: { code: "CAPABILITY_DENIED" } });
    expect(hits).not.toContain("/smuggled");
  });

  it("renews its token before expiry and refuses a directive that does not exist", async () => {
    const { kernel } = await world();
    const session = await kernel.as("my_profile", { ttlSeconds: 30 });
    const first = session.jti;
    const r = await session.execute({
      item_type: "tool",
      action: "run",
      item_id: "fetch_local",
      parameters: { path: "renewed" },
    });
    expect(r.success).toBe(true);
    // A 30 s token is inside the renewal window on every call: each call runs on a fresh one.
    expect(session.jti).not.toBe(first);
    await expect(kernel.as("no_such_directive")).rejects.toMatchObject({ code: "ITEM_NOT_FOUND" });
  });

  it("grant() adds exactly one capability for the session, never a system or unknown one", async () => {
    const { kernel } = await world();
    const session = await kernel.as("my_profile");
    await expect(session.grant({ cap: "registry.write" })).rejects.toMatchObject({
      code: "CAPABILITY_DENIED",
    });
    await expect(session.grant({ cap: "item.sign" })).rejects.toMatchObject({ code: "CAPABILITY_DENIED" });
    await expect(session.grant({ cap: "no.such" })).rejects.toMatchObject({ code: "CAPABILITY_UNKNOWN" });
    await expect(session.grant({ cap: "fs.read", scope: "../**" })).rejects.toMatchObject({
      code: expect.stringMatching(/^PATTERN_/),
    });
    const before = session.jti;
    await session.grant({ cap: "net.http", scope: "localhost" });
    expect(session.jti).not.toBe(before);
    const r = await session.execute({
      item_type: "tool",
      action: "run",
      item_id: "fetch_other",
      parameters: { path: "granted" },
    });
    expect(r.success, JSON.stringify(r)).toBe(true);
    expect(hits).toContain("/granted");
  });
});

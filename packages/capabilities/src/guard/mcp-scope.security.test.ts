// `<execute resource="mcp" id="docs"/>` scopes mcp.connect to that server (issue 13 §4): the id used to
// be dropped, so a directive granted one server could talk to every server the person ever connected.
import type { AuthorizationRequest } from "@kiwi/spec";
import { KiwiError } from "@kiwi/spec";
import { beforeAll, describe, expect, it } from "vitest";
import { CapabilityRegistry } from "../definitions/capability-registry";
import type { Grant } from "../grant";
import { permissionsToGrants } from "../permissions/permissions-to-grants";
import { mintToken } from "../token/mint-token";
import { makeKeys, type TestKeys } from "../token/token-test-kit";
import { TokenVerifier } from "../token/token-verifier";
import { createCapabilityGuard } from "./capability-guard";

const registry = new CapabilityRegistry([
  { name: "tool.execute", description: "t", system_only: false, scope: "tool_id", scope_required: true },
  { name: "mcp.connect", description: "m", system_only: false, scope: "tool_id", scope_required: false },
]);

const grantsOf = (tags: { id?: string }[], core = false) =>
  permissionsToGrants(
    { grants: tags.map((t) => ({ verb: "execute", resource: "mcp", ...t })) },
    { registry, core },
  );

describe('permissions: <execute resource="mcp" id=…/>', () => {
  it("keeps the server as the mcp.connect scope (dashes as underscores); no id grants every server", () => {
    expect(grantsOf([{ id: "docs" }])).toEqual([{ cap: "mcp.connect", scope: "docs" }]);
    expect(grantsOf([{ id: "server-everything" }])).toEqual([
      { cap: "mcp.connect", scope: "server_everything" },
    ]);
    expect(grantsOf([{ id: "github_*" }])).toEqual([{ cap: "mcp.connect", scope: "github_*" }]);
    expect(grantsOf([{}])).toEqual([{ cap: "mcp.connect" }]);
  });

  it.each([
    ["../docs", "PATTERN_UNSUPPORTED"],
    ["Docs", "PATTERN_UNSUPPORTED"],
    ["do\u202Ecs", "PATTERN_UNSUPPORTED"],
    ["*", "PATTERN_UNSUPPORTED"], // the omnibus pattern, as for tool ids: only core directives
    ["", "PATTERN_UNSUPPORTED"],
  ])("refuses the server pattern %j with %s", (id, code) => {
    const error = (() => {
      try {
        grantsOf([{ id }]);
      } catch (e) {
        return e;
      }
    })();
    expect(KiwiError.isInstance(error) && error.code).toBe(code);
  });
});

describe("the guard checks mcp.connect against the server a call talks to", () => {
  let keys: TestKeys;
  beforeAll(async () => {
    keys = await makeKeys();
  });

  async function authorize(grants: Grant[], config: Record<string, unknown> | undefined) {
    const guard = createCapabilityGuard({
      verifier: new TokenVerifier({ keys: [{ keyId: keys.key.keyId, publicKey: keys.key.publicKey }] }),
      registry: () => registry,
    });
    const { token } = await mintToken({
      key: keys.key,
      grants: [{ cap: "tool.execute", scope: "*" }, ...grants],
      directiveId: "d",
      threadId: "t",
    });
    const request: AuthorizationRequest = {
      kind: "tool.run",
      toolId: "docs_search",
      chain: ["docs_search", "mcp_stdio", "subprocess"],
      requires: ["mcp.connect"],
      params: {},
      ...(config ? { config } : {}),
      meta: { __auth: token, __thread_id: "t" },
    };
    try {
      await guard.authorizer(request);
      return "allowed";
    } catch (error) {
      return KiwiError.isInstance(error) ? { code: error.code, message: error.message } : error;
    }
  }

  it("allows the granted server and refuses any other, naming the server in the fix", async () => {
    const docsOnly = grantsOf([{ id: "docs" }]);
    expect(await authorize(docsOnly, { mcp_server: "docs" })).toBe("allowed");
    const other = await authorize(docsOnly, { mcp_server: "mail" });
    expect(other).toMatchObject({ code: "CAPABILITY_DENIED" });
    expect((other as { message: string }).message).toContain('<execute resource="mcp" id="mail"/>');
    expect(await authorize(grantsOf([{ id: "server-x" }]), { mcp_server: "server-x" })).toBe("allowed");
    expect(await authorize(grantsOf([{ id: "gh_*" }]), { mcp_server: "gh_work" })).toBe("allowed");
  });

  it("refuses a scoped grant when the call names no server, and look-alike names", async () => {
    const docsOnly = grantsOf([{ id: "docs" }]);
    expect(await authorize(docsOnly, undefined)).toMatchObject({ code: "CAPABILITY_DENIED" });
    expect(await authorize(docsOnly, { mcp_server: "" })).toMatchObject({ code: "CAPABILITY_DENIED" });
    expect(await authorize(docsOnly, { mcp_server: 42 })).toMatchObject({ code: "CAPABILITY_DENIED" });
    for (const name of ["docs2", "Docs", "docs/../x", "do\u202Ecs", "xdocs"]) {
      expect(await authorize(docsOnly, { mcp_server: name })).toMatchObject({ code: "CAPABILITY_DENIED" });
    }
  });

  it("an unscoped grant still covers every server", async () => {
    expect(await authorize(grantsOf([{}]), { mcp_server: "anything" })).toBe("allowed");
    expect(await authorize(grantsOf([{}]), undefined)).toBe("allowed");
  });
});

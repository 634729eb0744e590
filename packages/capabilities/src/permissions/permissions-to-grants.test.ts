import { describe, expect, it } from "vitest";
import { CapabilityRegistry } from "../definitions/capability-registry";
import { assertNoSystemCaps, permissionsToGrants } from "./permissions-to-grants";

const def = (
  name: string,
  scope: "none" | "path" | "tool_id" | "category" | "orchestration" | "host" = "none",
  system_only = false,
) => ({
  name,
  description: name,
  system_only,
  scope,
  scope_required: scope === "path" || scope === "tool_id",
});
const registry = new CapabilityRegistry([
  def("fs.read", "path"),
  def("fs.write", "path"),
  def("tool.execute", "tool_id"),
  def("kiwi.search"),
  def("kiwi.load"),
  def("kiwi.execute"),
  def("kiwi.help"),
  def("knowledge.read", "category"),
  def("orchestration.spawn", "orchestration"),
  def("registry.write", "none", false), // a set that "forgets" system_only cannot unlock the floor
  def("spawn.thread", "none", true),
]);

describe("permissionsToGrants", () => {
  it("maps every permission form to grants with validated scopes", () => {
    const grants = permissionsToGrants(
      {
        grants: [
          { verb: "read", resource: "filesystem", path: "./docs//**" },
          { verb: "write", resource: "filesystem", path: "out/**" },
          { verb: "execute", resource: "tool", id: "github_*" },
          { verb: "execute", resource: "kiwi-mcp", action: "*" },
        ],
        orchestration: {
          enabled: true,
          allow_categories: ["ops"],
          deny_categories: [],
          allow_directives: ["deploy_*"],
          deny_directives: [],
        },
        knowledge: { allow_categories: ["kiwi"], deny_categories: [] },
      },
      { registry, core: false },
    );
    expect(grants).toEqual([
      { cap: "fs.read", scope: "docs/**" },
      { cap: "fs.write", scope: "out/**" },
      { cap: "tool.execute", scope: "github_*" },
      { cap: "kiwi.search" },
      { cap: "kiwi.load" },
      { cap: "kiwi.execute" },
      { cap: "kiwi.help" },
      {
        cap: "orchestration.spawn",
        scope: {
          enabled: true,
          allow_categories: ["ops"],
          deny_categories: [],
          allow_directives: ["deploy_*"],
          deny_directives: [],
        },
      },
      { cap: "knowledge.read", scope: { allow_categories: ["kiwi"], deny_categories: [] } },
    ]);
  });

  it.each([
    [{ verb: "read", resource: "filesystem", path: "src/{a,b}/**" }, "PATTERN_UNSUPPORTED"],
    [{ verb: "read", resource: "filesystem", path: "../**" }, "PATTERN_ESCAPES_ROOT"],
    [{ verb: "read", resource: "filesystem", path: "/etc/**" }, "PATTERN_ABSOLUTE_DENIED"],
    [{ verb: "execute", resource: "tool", id: "*" }, "PATTERN_UNSUPPORTED"],
    [{ verb: "execute", resource: "kiwi-mcp", action: "admin" }, "CAPABILITY_UNKNOWN"],
    [{ verb: "execute", resource: "process", action: "exec" }, "CAPABILITY_UNKNOWN"],
  ] as const)("refuses %j with %s", (tag, code) => {
    expect(() => permissionsToGrants({ grants: [tag] }, { registry, core: false })).toThrowError(
      expect.objectContaining({ code }),
    );
  });

  it("lets only core directives grant system capabilities, whatever a capability set says (A6, A7)", () => {
    const grants = permissionsToGrants(
      {
        grants: [
          { verb: "execute", resource: "registry", action: "write" },
          { verb: "execute", resource: "spawn", action: "thread" },
        ],
      },
      { registry, core: false },
    );
    expect(() => assertNoSystemCaps(grants, { registry, core: false, directive: "sneaky" })).toThrowError(
      expect.objectContaining({
        code: "DIRECTIVE_SYSTEM_CAP",
        context: expect.objectContaining({ capabilities: ["registry.write", "spawn.thread"] }),
      }),
    );
    expect(() =>
      assertNoSystemCaps(grants, { registry, core: true, directive: "thread_directive" }),
    ).not.toThrow();
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CapabilityRegistry } from "../definitions/capability-registry";
import { matchPath } from "../glob/match-path";
import { matchToolId } from "../glob/match-tool-id";
import type { Grant } from "../grant";
import { attenuate } from "./attenuate";

const registry = new CapabilityRegistry([
  { name: "fs.read", description: "r", system_only: false, scope: "path", scope_required: true },
  { name: "fs.write", description: "w", system_only: false, scope: "path", scope_required: true },
  { name: "tool.execute", description: "t", system_only: false, scope: "tool_id", scope_required: true },
  { name: "net.http", description: "n", system_only: false, scope: "host", scope_required: false },
  { name: "knowledge.read", description: "k", system_only: false, scope: "category", scope_required: false },
]);

/** Would these grants allow `cap` on `value`? (The guard's scope rule, restated for the property.) */
function allows(grants: readonly Grant[], cap: string, value: string): boolean {
  return grants.some(
    (g) =>
      g.cap === cap &&
      (g.scope === undefined ||
        (typeof g.scope === "string" &&
          (cap === "tool.execute" ? matchToolId(g.scope, value) : matchPath(g.scope, value)))),
  );
}

describe("attenuate", () => {
  it("keeps a child pattern inside the parent's and narrows a wider one to the parent's (A3, A4)", () => {
    const parent: Grant[] = [
      { cap: "fs.write", scope: "dist/**" },
      { cap: "fs.read", scope: "src/lib/**" },
    ];
    const child: Grant[] = [
      { cap: "fs.write", scope: "dist/js/**" },
      { cap: "fs.read", scope: "src/**" },
    ];
    const { grants, dropped } = attenuate({ parent, child, registry });
    expect(grants).toEqual([
      { cap: "fs.write", scope: "dist/js/**" },
      { cap: "fs.read", scope: "src/lib/**" },
    ]);
    expect(dropped).toEqual([]);
  });

  it("never widens: names alone do not intersect (A2, G2)", () => {
    const { grants, dropped } = attenuate({
      parent: [{ cap: "fs.write", scope: "dist/**" }],
      child: [
        { cap: "fs.write", scope: "src/**" },
        { cap: "net.http", scope: "evil.test" },
      ],
      registry,
    });
    expect(grants).toEqual([]);
    expect(dropped.map((d) => d.grant.cap)).toEqual(["fs.write", "net.http"]);
    expect(allows(grants, "fs.write", "src/a.ts")).toBe(false);
  });

  it("narrows tool-id wildcards: a narrower child keeps its own, a wider one gets the parent's (A5)", () => {
    const parent: Grant[] = [{ cap: "tool.execute", scope: "github_*" }];
    const out = (scope: string) =>
      attenuate({ parent, child: [{ cap: "tool.execute", scope }], registry }).grants;
    expect(out("github_admin_*")).toEqual([{ cap: "tool.execute", scope: "github_admin_*" }]);
    expect(out("git*")).toEqual([{ cap: "tool.execute", scope: "github_*" }]);
    expect(out("gitlab_*")).toEqual([]);
  });

  it("intersects category allow-lists and adds up deny-lists", () => {
    const { grants } = attenuate({
      parent: [
        {
          cap: "knowledge.read",
          scope: { allow_categories: ["kiwi", "ops"], deny_categories: ["ops/secret"] },
        },
      ],
      child: [
        { cap: "knowledge.read", scope: { allow_categories: ["ops", "hr"], deny_categories: ["ops/old"] } },
      ],
      registry,
    });
    expect(grants).toEqual([
      {
        cap: "knowledge.read",
        scope: { allow_categories: ["ops"], deny_categories: ["ops/secret", "ops/old"] },
      },
    ]);
  });

  it("allow-lists with nothing in common admit nothing: the grant is dropped, never widened to 'all'", () => {
    const orchestration = (allow_directives: string[], allow_categories: string[] = [], enabled = true) => ({
      cap: "orchestration.spawn",
      scope: { enabled, allow_categories, deny_categories: [], allow_directives, deny_directives: ["x_*"] },
    });
    const run = (parent: Grant[], child: Grant[]) => attenuate({ parent, child, registry });
    // Disjoint directive globs, disjoint categories, a disabled side: dropped and reported.
    for (const [parent, child] of [
      [orchestration(["child_*"]), orchestration(["parent"])],
      [orchestration([], ["work"]), orchestration([], ["play"])],
      [orchestration(["a"], [], false), orchestration(["a"])],
    ] as Grant[][]) {
      const r = run([parent!], [child!]);
      expect(r.grants).toEqual([]);
      expect(r.dropped).toHaveLength(1);
    }
    // Glob against name: the narrower survives, on either side.
    expect(run([orchestration(["child_*"])], [orchestration(["child_a"])]).grants).toMatchObject([
      { scope: { allow_directives: ["child_a"] } },
    ]);
    expect(run([orchestration(["child_a"])], [orchestration(["child_*"])]).grants).toMatchObject([
      { scope: { allow_directives: ["child_a"] } },
    ]);
    // Category prefixes: a sub-category of the parent's survives.
    const knowledge = (allow_categories: string[]): Grant => ({
      cap: "knowledge.read",
      scope: { allow_categories, deny_categories: [] },
    });
    expect(run([knowledge(["ops"])], [knowledge(["ops/runbooks", "hr"])]).grants).toEqual([
      knowledge(["ops/runbooks"]),
    ]);
    expect(run([knowledge(["ops"])], [knowledge(["hr"])]).grants).toEqual([]);
  });

  // A15: for random parents, child declarations and requests, the child never allows what the parent
  // refuses, and attenuating a grant set by itself changes nothing.
  const segment = fc.constantFrom("src", "lib", "dist", "a", "b", "docs");
  const pathPattern = fc
    .array(
      fc.oneof(
        segment,
        fc.constant("*"),
        fc.constant("**"),
        segment.map((s) => `${s}*`),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((parts) => parts.join("/"))
    .filter((p) => !/\*\*\/\*\*/.test(p));
  const grant = fc.record({ cap: fc.constantFrom("fs.read", "fs.write"), scope: pathPattern });
  const path = fc.array(segment, { minLength: 0, maxLength: 5 }).map((p) => p.join("/"));

  it("property: a child never allows what its parent refuses (A15)", () => {
    fc.assert(
      fc.property(
        fc.array(grant, { maxLength: 4 }),
        fc.array(grant, { maxLength: 4 }),
        path,
        fc.constantFrom("fs.read", "fs.write"),
        (parent, child, p, cap) => {
          const { grants } = attenuate({ parent, child, registry });
          return !allows(grants, cap, p) || allows(parent, cap, p);
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it("property: attenuate(P, P) allows exactly what P allows", () => {
    fc.assert(
      fc.property(
        fc.array(grant, { maxLength: 4 }),
        path,
        fc.constantFrom("fs.read", "fs.write"),
        (parent, p, cap) => {
          const { grants } = attenuate({ parent, child: parent, registry });
          return allows(grants, cap, p) === allows(parent, cap, p);
        },
      ),
      { numRuns: 10_000 },
    );
  });
});

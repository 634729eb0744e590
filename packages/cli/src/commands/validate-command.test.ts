import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { tempProject } from "@kiwi/testing";
import { describe, expect, it } from "vitest";
import { main } from "../main";
import type { DirectiveReport, SpawnNode } from "./validate-command";

async function kiwi(args: string[], opts: { project: string; userSpace: string }) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c) => (out += c));
  stderr.on("data", (c) => (err += c));
  const code = await main([...args, "--project", opts.project, "--user-space", opts.userSpace], {
    stdout,
    stderr,
    cwd: opts.project,
    env: { PATH: process.env.PATH ?? "" },
  });
  return { code, out, err };
}

const SPAWNER = `
      <execute resource="kiwi-mcp" action="*"/>
      <execute resource="tool" id="thread_directive"/>
      <execute resource="tool" id="greet"/>
      <read resource="filesystem" path="docs/**"/>`;

function directive(o: { name: string; cost: string; permissions: string; orchestration?: string }) {
  return `# ${o.name}

\`\`\`xml
<directive name="${o.name}" version="1.0.0">
  <metadata>
    <description>Spawn tree test directive ${o.name}</description>
    <category>tree</category>
    <model tier="fast">quick</model>
    <cost>${o.cost}</cost>
    <permissions>${o.permissions}${
      o.orchestration
        ? `
      <orchestration enabled="true">
        <allow_categories/>
        <deny_categories/>
        <allow_directives>${o.orchestration}</allow_directives>
        <deny_directives/>
      </orchestration>`
        : ""
    }</permissions>
  </metadata>
  <process>
    <step name="work"><description>Work</description><action>Do the work.</action></step>
  </process>
</directive>
\`\`\`
`;
}

const stop = (extra: string) => `<max_turns>8</max_turns><on_exceeded>stop</on_exceeded>${extra}`;

/**
 * parent → child_a, child_b, child_loop; child_loop admits child_* too, so it can spawn itself (a cycle);
 * child_b has no spend bound. (Rules here never narrow to disjoint lists: see the attenuation note in the
 * README — the runtime's attenuate() is the single source of truth the analysis follows.)
 */
async function treeProject() {
  const { projectRoot: project, userSpace } = await tempProject({ prefix: "kiwi-validate" });
  const dir = join(project, ".ai/directives/tree");
  await mkdir(dir, { recursive: true });
  const files: Record<string, string> = {
    parent: directive({
      name: "parent",
      cost: stop("<max_total_tokens>50000</max_total_tokens><max_cost_usd>0.50</max_cost_usd>"),
      permissions: SPAWNER,
      orchestration: "child_*",
    }),
    child_a: directive({
      name: "child_a",
      cost: stop(
        "<max_total_tokens>20000</max_total_tokens><max_cost_usd>0.20</max_cost_usd><compact_at>0.7</compact_at>",
      ),
      // bash is not held by the parent: attenuation drops it; greet and docs/** survive.
      permissions: `
      <execute resource="kiwi-mcp" action="*"/>
      <execute resource="tool" id="greet"/>
      <execute resource="tool" id="bash"/>
      <read resource="filesystem" path="docs/**"/>`,
    }),
    child_b: directive({ name: "child_b", cost: stop(""), permissions: SPAWNER }),
    child_loop: directive({
      name: "child_loop",
      cost: stop("<max_cost_usd>0.05</max_cost_usd><max_total_tokens>5000</max_total_tokens>"),
      permissions: SPAWNER,
      orchestration: "child_*",
    }),
    lonely: directive({
      name: "lonely",
      cost: stop("<max_cost_usd>0.03</max_cost_usd><max_total_tokens>3000</max_total_tokens>"),
      permissions: SPAWNER,
      orchestration: "child_a",
    }),
    leafy: directive({
      name: "leafy",
      cost: "<max_turns>3</max_turns><on_exceeded>warn</on_exceeded><max_cost_usd>0.01</max_cost_usd>",
      permissions: `<execute resource="kiwi-mcp" action="search"/>`,
    }),
  };
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, `${name}.md`), content);
  const k = (args: string[]) => kiwi(args, { project, userSpace });
  const signed = await k(["sign", "directive", "*"]);
  expect(signed.out).toContain("signed 6/6 directives");
  return { project, userSpace, k };
}

function names(node: SpawnNode): unknown {
  return {
    [node.directive]: node.cycle ? `cycle ${node.cycle.join(">")}` : node.children.map(names),
  };
}

describe("kiwi validate <directive>: spawn tree, worst-case spend, capability union", () => {
  it("walks the orchestration rules, reports the cycle and the unbounded child, and the enforced cap", async () => {
    const { k } = await treeProject();
    const r = await k(["validate", "parent", "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as DirectiveReport & { success: boolean };
    expect(report.success).toBe(true);
    expect(names(report.tree)).toEqual({
      parent: [
        { child_a: [] },
        { child_b: [] },
        { child_loop: [{ child_a: [] }, { child_b: [] }, { child_loop: "cycle child_loop>child_loop" }] },
      ],
    });
    expect(report.spend.cycles).toEqual([["child_loop", "child_loop"]]);
    const unbounded = {
      directive: "child_b",
      reason: "no max_cost_usd or max_total_tokens (only max_turns bounds it)",
    };
    expect(report.spend.unbounded).toEqual([unbounded]); // once, though it sits at two places
    // The sum cannot be bounded (child_b, and the cycle); the root's own budget still caps the tree.
    expect(report.spend.tree_sum).toEqual({ usd: null, tokens: null });
    expect(report.spend.worst_case).toEqual({ usd: 0.5, tokens: 50000, by: "root_budget" });
    const childA = report.tree.children.find((c) => c.directive === "child_a")!;
    expect(childA.dropped).toEqual([
      "tool.execute bash (tool.execute bash is not within the parent's tool.execute scopes)",
    ]);
    expect(report.capabilities.union).toEqual([
      "kiwi.search",
      "kiwi.load",
      "kiwi.execute",
      "kiwi.help",
      "tool.execute thread_directive",
      "tool.execute greet",
      "fs.read docs/**",
      "orchestration.spawn allow_directives=child_*",
    ]);
    expect(report.capabilities.union).not.toContain("tool.execute bash");
    expect(report.capabilities.explanation).toMatch(/attenuation of its parent's/);
  });

  it("adds up a bounded tree when the root has no budget of its own in a dimension", async () => {
    const { k } = await treeProject();
    // lonely → child_a only: $0.03 + $0.20 and 3,000 + 20,000 tokens; lonely's own cap ($0.03) still wins.
    const report = JSON.parse((await k(["validate", "tree/lonely", "--json"])).out) as DirectiveReport;
    expect(names(report.tree)).toEqual({ lonely: [{ child_a: [] }] });
    expect(report.spend.tree_sum.usd).toBeCloseTo(0.23, 10);
    expect(report.spend.tree_sum.tokens).toBe(23000);
    expect(report.spend.worst_case).toMatchObject({ usd: 0.03, tokens: 3000, by: "root_budget" });
  });

  it("treats on_exceeded=warn as no bound, and prints the tree for humans", async () => {
    const { k } = await treeProject();
    const leafy = JSON.parse((await k(["validate", "leafy", "--json"])).out) as DirectiveReport;
    expect(leafy.spend.worst_case).toEqual({ usd: null, tokens: null, by: "none" });
    expect(leafy.spend.unbounded).toEqual([
      { directive: "leafy", reason: "on_exceeded is warn: its budget only warns" },
    ]);
    const text = await k(["validate", "parent"]);
    expect(text.code).toBe(0);
    expect(text.out).toContain("directive parent (project:directives/tree/parent.md): ok");
    expect(text.out).toContain("├─ child_a  $0.20 · 20,000 tokens · 8 turns · compacts at 70%");
    expect(text.out).toContain("   └─ child_loop ↺ cycle (child_loop → child_loop)");
    expect(text.out).toContain(
      "worst case   $0.50 / 50,000 tokens — parent's own budget caps the whole tree",
    );
    expect(text.out).toContain("unbounded    child_b: no max_cost_usd or max_total_tokens");
    expect(text.out).toContain("cycle        child_loop → child_loop");
  });

  it("lists every directive's worst case with --all, and fails for a missing or broken directive", async () => {
    const { project, k } = await treeProject();
    const all = await k(["validate", "--all"]);
    expect(all.out).toMatch(
      / {2}parent +worst case \$0\.50 \/ 50,000 tokens; 6 below it in its spawn tree, 1 cycle\(s\), 8 grants/,
    );
    expect(all.out).toMatch(/ {2}demo_tour +worst case \$0\.10 \/ 60,000 tokens; 8 grants/);
    expect(all.out).toMatch(/ {2}run_directive +cannot run on a thread \(missing cost\)/);
    const json = JSON.parse((await k(["validate", "--all", "--json"])).out) as {
      directives: DirectiveReport[];
    };
    expect(json.directives.map((d) => d.directive)).toEqual(expect.arrayContaining(["parent", "demo_tour"]));

    const missing = await k(["validate", "no_such_directive"]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("error ITEM_NOT_FOUND");
    await writeFile(
      join(project, ".ai/directives/tree/parent.md"),
      directive({ name: "parent", cost: stop(""), permissions: SPAWNER }),
    );
    const edited = await k(["validate", "parent"]);
    expect(edited.code).toBe(1);
    expect(edited.out).toContain(
      "✗ directive parent (project:directives/tree/parent.md): unverified, INTEGRITY_MISMATCH",
    );
  });
});

describe("kiwi validate <directive>: what the runtime mints", () => {
  it("leaves a non-core directive's system capabilities out of the union, even when a trusted key signed it", async () => {
    const { projectRoot: project, userSpace } = await tempProject({ prefix: "kiwi-validate-system" });
    const dir = join(project, ".ai/directives/tree");
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, "peek.md"),
      directive({
        name: "peek",
        cost: stop("<max_cost_usd>0.01</max_cost_usd>"),
        permissions: `
      <execute resource="tool" id="thread_registry"/>
      <execute resource="registry" action="read"/>`,
      }),
    );
    // Signed as a publisher's tooling might (kiwi sign refuses it: DIRECTIVE_SYSTEM_CAP).
    const { createKernel } = await import("@kiwi/kernel");
    const publisher = await createKernel({
      projectRoot: project,
      userSpace,
      allowSystemCaps: true,
      personAtTerminal: true,
      pluginSpaces: false,
    });
    const signed = await publisher.execute({ item_type: "directive", action: "sign", item_id: "peek" });
    expect(signed.success).toBe(true);
    const r = await kiwi(["validate", "peek", "--json"], { project, userSpace });
    const report = JSON.parse(r.out) as DirectiveReport;
    expect(report.capabilities.union).toEqual(["tool.execute thread_registry"]);
    expect(report.tree.dropped).toEqual(["registry.read (system capability: the directive is not core)"]);
  });
});

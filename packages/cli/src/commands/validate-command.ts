import { parseArgs } from "node:util";
import {
  attenuate,
  type CapabilityRegistry,
  dropSystemCaps,
  type Grant,
  matchToolId,
  orchestrationAdmits,
  permissionsToGrants,
} from "@kiwi/capabilities";
import {
  type Directive,
  entryProblem,
  entryStatus,
  formatIssue,
  type Issue,
  type LibraryEntry,
  parseItemRef,
  spawnRequirementsMissing,
} from "@kiwi/kernel";
import { KiwiError, type KiwiErrorObject } from "@kiwi/spec";
import { EXIT } from "../cli-error";
import { kernelFrom, kernelOptions } from "../common-options";
import { type Io, print, printJson } from "../io";
import { mcpChangeProblem } from "./mcp-change-problem";

/** A directive's own budget, as far as it bounds spend. */
export interface OwnBudget {
  readonly max_turns?: number;
  readonly max_cost_usd?: number;
  /** max_total_tokens, else max_input_tokens + max_output_tokens when both are set. */
  readonly max_tokens?: number;
  readonly on_exceeded?: string;
  /** Context compaction's threshold (a fraction of the context limit), when the directive sets one. */
  readonly compact_at?: number;
}

/** One directive in a spawn tree, with the grants it would hold at that place in the tree. */
export interface SpawnNode {
  readonly directive: string;
  readonly category: string;
  readonly path: string;
  readonly status: string;
  /** What it lacks to run on a thread at all (cost, model, permissions). */
  readonly missing: readonly string[];
  readonly budget: OwnBudget;
  /** Why this node's own spend has no bound in USD and tokens (undefined: it has one). */
  readonly unbounded?: string;
  /** True when it holds kiwi.execute, tool.execute over thread_directive and an orchestration rule. */
  readonly can_spawn: boolean;
  readonly children: SpawnNode[];
  /** Set on a node that closes a cycle: the path from the repeated directive back to itself. */
  readonly cycle?: readonly string[];
  /**
   * Grants of its own permissions its thread's token will not hold: system capabilities of a directive
   * that is not core, and what the parent's token does not cover (attenuation).
   */
  readonly dropped?: readonly string[];
  readonly error?: string;
}

export interface SpendReport {
  /** Own budget plus, recursively, one spawn of every directive the orchestration rules admit. */
  readonly tree_sum: { usd: number | null; tokens: number | null };
  /** What the runtime holds the whole tree to: the root's own budget when it has one, else the sum. */
  readonly worst_case: { usd: number | null; tokens: number | null; by: "root_budget" | "tree_sum" | "none" };
  readonly unbounded: readonly { directive: string; reason: string }[];
  readonly cycles: readonly (readonly string[])[];
  readonly truncated: boolean;
}

export interface DirectiveReport {
  readonly directive: string;
  readonly path: string;
  readonly status: string;
  readonly spawnable: boolean;
  readonly missing: readonly string[];
  readonly tree: SpawnNode;
  readonly spend: SpendReport;
  readonly capabilities: { readonly union: readonly string[]; readonly explanation: string };
}

const MAX_NODES = 200;
const MAX_DEPTH = 16;

function grantLabel(g: Grant): string {
  if (g.scope === undefined) return g.cap;
  if (typeof g.scope === "string") return `${g.cap} ${g.scope}`;
  const s = g.scope as unknown as Record<string, string[] | boolean>;
  const parts = Object.entries(s)
    .filter(([k, v]) => k !== "enabled" && Array.isArray(v) && v.length)
    .map(([k, v]) => `${k}=${(v as string[]).join("|")}`);
  return `${g.cap} ${parts.length ? parts.join(" ") : "(any)"}`;
}

function ownBudget(d: Directive | undefined): OwnBudget {
  const c = d?.metadata.cost;
  if (!c) return {};
  const tokens =
    c.max_total_tokens ??
    (c.max_input_tokens !== undefined && c.max_output_tokens !== undefined
      ? c.max_input_tokens + c.max_output_tokens
      : undefined);
  return {
    max_turns: c.max_turns,
    ...(c.max_cost_usd !== undefined ? { max_cost_usd: c.max_cost_usd } : {}),
    ...(tokens !== undefined ? { max_tokens: tokens } : {}),
    on_exceeded: c.on_exceeded,
    ...(c.compact_at !== undefined ? { compact_at: c.compact_at } : {}),
  };
}

/**
 * Why a directive's own spend has no bound of its own. `on_exceeded: warn` only loosens a top-level
 * thread's budget: a child is hard-capped at its reservation whatever its on_exceeded says.
 */
function unboundedReason(b: OwnBudget, missing: readonly string[], root: boolean): string | undefined {
  if (missing.includes("cost")) return "no <cost>: it cannot run on a thread";
  if (b.max_cost_usd === undefined && b.max_tokens === undefined)
    return "no max_cost_usd or max_total_tokens (only max_turns bounds it)";
  if (root && b.on_exceeded === "warn") return "on_exceeded is warn: its budget only warns";
  return undefined;
}

function canSpawn(grants: readonly Grant[]): boolean {
  const tool = grants.some(
    (g) => g.cap === "tool.execute" && typeof g.scope === "string" && safeMatch(g.scope, "thread_directive"),
  );
  const rule = grants.some(
    (g) => g.cap === "orchestration.spawn" && typeof g.scope === "object" && g.scope !== null,
  );
  return tool && rule && grants.some((g) => g.cap === "kiwi.execute");
}

function safeMatch(pattern: string, id: string): boolean {
  try {
    return matchToolId(pattern, id);
  } catch {
    return false;
  }
}

/** The entry a name resolves to: the highest-precedence space that has it. */
function directivesByName(entries: readonly LibraryEntry[]): Map<string, LibraryEntry> {
  const out = new Map<string, LibraryEntry>();
  for (const e of entries) {
    if (e.itemType !== "directive") continue;
    const seen = out.get(e.id);
    if (!seen || e.rank < seen.rank) out.set(e.id, e);
  }
  return out;
}

function directiveOf(e: LibraryEntry): Directive | undefined {
  return e.record?.parsed.itemType === "directive" ? e.record.parsed.data : undefined;
}

/**
 * Builds the spawn tree of a directive statically: its own grants (a top-level spawn has no parent), and
 * under it every directive its orchestration rules admit, each holding the attenuation of its parent's
 * grants (so a grandchild must be admitted by every rule above it, narrowed as the runtime narrows it).
 * A directive already on the path closes a cycle and is not expanded again.
 */
export function spawnTree(options: {
  root: LibraryEntry;
  entries: readonly LibraryEntry[];
  registry: CapabilityRegistry;
}): { tree: SpawnNode; rootGrants: Grant[]; truncated: boolean } {
  const byName = directivesByName(options.entries);
  const candidates = [...byName.values()].filter(
    (e) =>
      !entryProblem(e) && directiveOf(e) && spawnRequirementsMissing(directiveOf(e)!).missing.length === 0,
  );
  let nodes = 0;
  let truncated = false;
  let rootGrants: Grant[] = [];

  const visit = (entry: LibraryEntry, parent: Grant[] | undefined, path: string[]): SpawnNode => {
    nodes += 1;
    const d = directiveOf(entry);
    const missing = d ? spawnRequirementsMissing(d).missing : [];
    const budget = ownBudget(d);
    const base = {
      directive: entry.id,
      category: entry.category,
      path: entry.label,
      status: entryStatus(entry),
      missing,
      budget,
      ...(unboundedReason(budget, missing, !parent)
        ? { unbounded: unboundedReason(budget, missing, !parent) }
        : {}),
    };
    if (!d) {
      return {
        ...base,
        can_spawn: false,
        children: [],
        error: entryProblem(entry)?.message ?? "does not parse",
      };
    }
    let grants: Grant[];
    let dropped: string[] = [];
    try {
      grants = permissionsToGrants(d.metadata.permissions, {
        registry: options.registry,
        core: entry.space.kind === "core",
      });
    } catch (error) {
      const message = KiwiError.isInstance(error) ? error.message : String(error);
      return { ...base, can_spawn: false, children: [], error: message };
    }
    // What the runtime mints: no system capability for a directive that is not core.
    const own = dropSystemCaps(grants, { registry: options.registry, core: entry.space.kind === "core" });
    grants = own.grants;
    dropped = own.dropped.map((cap) => `${cap} (system capability: the directive is not core)`);
    if (parent) {
      const narrowed = attenuate({ parent, child: grants, registry: options.registry });
      grants = narrowed.grants;
      dropped = [...dropped, ...narrowed.dropped.map((x) => `${grantLabel(x.grant)} (${x.reason})`)];
    } else rootGrants = grants;
    const spawns = canSpawn(grants);
    const children: SpawnNode[] = [];
    if (spawns && path.length < MAX_DEPTH) {
      for (const child of candidates) {
        if (!orchestrationAdmits(grants, { name: child.id, category: child.category })) continue;
        if (nodes >= MAX_NODES) {
          truncated = true;
          break;
        }
        const at = path.indexOf(child.id);
        if (at >= 0) {
          nodes += 1;
          const cd = directiveOf(child);
          const b = ownBudget(cd);
          children.push({
            directive: child.id,
            category: child.category,
            path: child.label,
            status: entryStatus(child),
            missing: [],
            budget: b,
            can_spawn: true,
            children: [],
            cycle: [...path.slice(at), child.id],
          });
          continue;
        }
        children.push(visit(child, grants, [...path, child.id]));
      }
    } else if (spawns) truncated = true;
    return { ...base, can_spawn: spawns, children, ...(dropped.length ? { dropped } : {}) };
  };

  const tree = visit(options.root, undefined, [options.root.id]);
  return { tree, rootGrants, truncated };
}

function walk(node: SpawnNode, fn: (n: SpawnNode) => void): void {
  fn(node);
  for (const c of node.children) walk(c, fn);
}

/**
 * Adds up a tree per dimension; null (unbounded) as soon as one node has no bound or a cycle repeats. A
 * child's figure counts whatever its on_exceeded (the runtime hard-caps a child at its reservation); the
 * root's counts only when it is enforced (not warn).
 */
function treeSum(node: SpawnNode, dim: "max_cost_usd" | "max_tokens", root = true): number | null {
  if (node.cycle) return null;
  const own = root && node.budget.on_exceeded === "warn" ? undefined : node.budget[dim];
  if (own === undefined) return null;
  let total = own;
  for (const c of node.children) {
    const sub = treeSum(c, dim, false);
    if (sub === null) return null;
    total += sub;
  }
  return total;
}

/**
 * Worst-case spend and capability union of a directive's whole spawn tree — what the runtime enforces.
 * It checks every model call of every thread against the thread's own budget, its reservation and every
 * budget above it, and holds what the call may cost before it starts; a child is hard-capped at its
 * reservation whatever its on_exceeded says, and children without a figure share their parent's
 * remainder. So a root with its own enforced budget (on_exceeded stop or escalate) holds the whole tree to
 * it; without one, the tree sum is the bound, and it is unbounded when a directive in it has no
 * max_cost_usd / max_total_tokens or a cycle lets spawns repeat.
 */
export function analyseDirective(options: {
  root: LibraryEntry;
  entries: readonly LibraryEntry[];
  registry: CapabilityRegistry;
}): DirectiveReport {
  const { tree, rootGrants, truncated } = spawnTree(options);
  const unbounded: { directive: string; reason: string }[] = [];
  const cycles: string[][] = [];
  walk(tree, (n) => {
    if (n.cycle) cycles.push([...n.cycle]);
    else if (n.unbounded && !unbounded.some((u) => u.directive === n.directive))
      unbounded.push({ directive: n.directive, reason: n.unbounded });
  });
  const sum = { usd: treeSum(tree, "max_cost_usd"), tokens: treeSum(tree, "max_tokens") };
  const enforced = tree.budget.on_exceeded !== "warn" && !tree.missing.includes("cost");
  const rootUsd = enforced ? tree.budget.max_cost_usd : undefined;
  const rootTokens = enforced ? tree.budget.max_tokens : undefined;
  const worst = {
    usd: rootUsd ?? sum.usd,
    tokens: rootTokens ?? sum.tokens,
    by: (rootUsd !== undefined || rootTokens !== undefined
      ? "root_budget"
      : sum.usd !== null || sum.tokens !== null
        ? "tree_sum"
        : "none") as SpendReport["worst_case"]["by"],
  };
  const union = [...new Set(rootGrants.map(grantLabel))];
  return {
    directive: tree.directive,
    path: tree.path,
    status: tree.status,
    spawnable: tree.missing.length === 0 && tree.status === "ok",
    missing: tree.missing,
    tree,
    spend: { tree_sum: sum, worst_case: worst, unbounded, cycles, truncated },
    capabilities: {
      union,
      explanation:
        "the directive's own grants: every child's token holds only the attenuation of its parent's (a proven subset, scopes included), and spawning acts under the core thread_directive token, whose spawn.thread and registry.write never pass to the caller",
    },
  };
}

/** $0.10, $0.0125: cents always, fractions of a cent when there are any. */
const money = (n: number) =>
  `$${Number.isInteger(Math.round(n * 1e6) / 1e4) ? n.toFixed(2) : Number(n.toFixed(4))}`;
const int = (n: number) => n.toLocaleString("en-US");

function budgetLabel(b: OwnBudget, missing: readonly string[]): string {
  if (missing.includes("cost")) return "no <cost>";
  const parts = [
    ...(b.max_cost_usd !== undefined ? [money(b.max_cost_usd)] : []),
    ...(b.max_tokens !== undefined ? [`${int(b.max_tokens)} tokens`] : []),
    `${b.max_turns} turns`,
    ...(b.compact_at !== undefined ? [`compacts at ${Math.round(b.compact_at * 100)}%`] : []),
  ];
  return `${parts.join(" · ")}${b.on_exceeded === "stop" ? "" : ` (on_exceeded ${b.on_exceeded})`}`;
}

function treeLines(node: SpawnNode, prefix = "", last = true, root = true): string[] {
  const head = root ? "" : `${prefix}${last ? "└─ " : "├─ "}`;
  const what = node.cycle
    ? `${node.directive} ↺ cycle (${node.cycle.join(" → ")})`
    : `${node.directive}  ${budgetLabel(node.budget, node.missing)}${node.unbounded ? ` — unbounded: ${node.unbounded}` : ""}${node.error ? ` — ${node.error}` : ""}`;
  const lines = [`${head}${what}`];
  const next = root ? "" : `${prefix}${last ? "   " : "│  "}`;
  node.children.forEach((c, i) => {
    lines.push(...treeLines(c, next, i === node.children.length - 1, false));
  });
  return lines;
}

function spendLine(r: DirectiveReport): string {
  const w = r.spend.worst_case;
  const parts = [
    w.usd !== null ? money(w.usd) : "unbounded USD",
    w.tokens !== null ? `${int(w.tokens)} tokens` : "unbounded tokens",
  ];
  const by =
    w.by === "root_budget"
      ? r.tree.children.length
        ? `${r.directive}'s own budget caps the whole tree (every model call in it is checked against every budget above it; a child is hard-capped at its reservation whatever its on_exceeded says; children without a figure share their parent's remainder)`
        : `${r.directive}'s own budget (it spawns nothing)`
      : w.by === "tree_sum"
        ? "the sum over the tree (no budget of its own caps it)"
        : "nothing bounds it";
  return `${parts.join(" / ")} — ${by}`;
}

function printReport(io: Io, r: DirectiveReport): void {
  const s = r.spend;
  print(
    io,
    `directive ${r.directive} (${r.path}): ${r.status}${r.spawnable ? "" : `, cannot run on a thread (missing ${r.missing.join(", ") || "verification"})`}`,
  );
  print(io, "  spawn tree");
  for (const line of treeLines(r.tree)) print(io, `    ${line}`);
  if (!r.tree.can_spawn)
    print(io, "    (spawns nothing: no thread_directive grant with an orchestration rule)");
  print(io, `  worst case   ${spendLine(r)}`);
  const sum = s.tree_sum;
  print(
    io,
    `  tree sum     ${sum.usd !== null ? money(sum.usd) : "unbounded"} / ${sum.tokens !== null ? `${int(sum.tokens)} tokens` : "unbounded"} (its budget plus one spawn of every admitted directive, recursively)`,
  );
  for (const u of s.unbounded) print(io, `  unbounded    ${u.directive}: ${u.reason}`);
  for (const c of s.cycles)
    print(io, `  cycle        ${c.join(" → ")} (spawns can repeat; only an enclosing budget bounds them)`);
  if (s.truncated)
    print(io, `  truncated    the tree was cut at ${MAX_NODES} directives or depth ${MAX_DEPTH}`);
  if (s.worst_case.by === "root_budget") {
    print(
      io,
      "  note         enforced before every model call, which holds its output ceiling and the input of the thread's last call: a call crosses it only by what its input grew since (a USD budget on a model without pricing data is refused unless --allow-unpriced)",
    );
    if (r.tree.budget.on_exceeded === "escalate")
      print(io, "  note         on_exceeded is escalate: a person's decision can raise it");
  }
  print(io, `  capabilities ${r.capabilities.union.join(", ") || "(none)"}`);
  print(io, `               the union over the spawn tree is ${r.capabilities.explanation}`);
}

/**
 * kiwi validate [--all] [<directive>] — every item in every space that does not parse, validate or
 * resolve, with its fix. For a directive (named, or every directive with --all) also the worst-case spend
 * of its whole spawn tree and the union of capabilities it can ever hold.
 */
export async function validateCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...kernelOptions, all: { type: "boolean", default: false } },
  });
  const kernel = await kernelFrom(values, io);
  const entries = await kernel.inventory();
  const registry = await kernel.capabilities();
  const named = positionals[0];

  if (named) {
    const ref = parseItemRef(named);
    const root = [...directivesByName(entries).values()].find(
      (e) => e.id === ref.id && (ref.category === undefined || e.category === ref.category),
    );
    if (!root) {
      throw new KiwiError({
        code: "ITEM_NOT_FOUND",
        message: `no directive ${named} in any space (kiwi search directive ${ref.id})`,
        context: { item_id: named },
      });
    }
    const problem = entryProblem(root);
    const report = analyseDirective({ root, entries, registry });
    if (values.json) {
      printJson(io, {
        success: !problem,
        ...(problem ? { error: problem } : {}),
        ...report,
      });
    } else {
      if (problem) {
        const issues = (problem.issues as Issue[] | undefined) ?? [];
        print(io, `✗ directive ${root.id} (${root.label}): ${entryStatus(root)}, ${problem.code}`);
        for (const line of issues.length ? issues.map(formatIssue) : [problem.message])
          print(io, `    ${line}`);
      }
      printReport(io, report);
    }
    return problem ? EXIT.failed : EXIT.ok;
  }

  // Item problems, and generated MCP tools a connect found changed on their server (disabled until approved).
  const problemOf = (e: LibraryEntry) => entryProblem(e) ?? mcpChangeProblem(e);
  // Plugin packages' problems are their publishers' to fix, except an untrusted signer: that is the
  // person's decision (kiwi trust), so it is reported without --all too.
  const untrusted = (e: LibraryEntry) =>
    e.space.kind === "plugin" && entryProblem(e)?.reason === "untrusted_signer";
  const problems = entries.filter(
    (e) =>
      problemOf(e) && (values.all || e.space.kind === "project" || e.space.kind === "user" || untrusted(e)),
  );
  // An unverified item of the person's own spaces is also checked the way signing it would be: this is
  // their terminal, so its validation issues are shown before they sign (never to a model).
  const beforeSigning = new Map<LibraryEntry, KiwiErrorObject>();
  for (const e of problems) {
    if (entryStatus(e) !== "unverified" || (e.space.kind !== "project" && e.space.kind !== "user")) continue;
    const found = await kernel.checkBeforeSigning(e);
    if (found) beforeSigning.set(e, found);
  }
  const reports = values.all
    ? [...directivesByName(entries).values()]
        .filter((e) => directiveOf(e))
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((root) => analyseDirective({ root, entries, registry }))
    : [];
  if (values.json) {
    printJson(io, {
      success: problems.length === 0 && kernel.pluginProblems.length === 0,
      plugin_problems: kernel.pluginProblems,
      checked: entries.length,
      problems: problems.map((e) => ({
        item_type: e.itemType,
        id: e.id,
        path: e.label,
        status: entryProblem(e) ? entryStatus(e) : "disabled",
        error: problemOf(e),
        ...(beforeSigning.has(e) ? { before_signing: beforeSigning.get(e) } : {}),
      })),
      ...(values.all ? { directives: reports } : {}),
    });
  } else {
    for (const e of problems) {
      const problem = problemOf(e)!;
      const issues = (problem.issues as Issue[] | undefined) ?? [];
      const status = entryProblem(e) ? entryStatus(e) : "disabled";
      print(io, `✗ ${e.itemType} ${e.id} (${e.label}): ${status}, ${problem.code}`);
      for (const line of issues.length ? issues.map(formatIssue) : [problem.message])
        print(io, `    ${line}`);
      const unsignable = beforeSigning.get(e);
      if (unsignable) {
        const more = (unsignable.issues as Issue[] | undefined) ?? [];
        print(io, `    and signing it would fail, ${unsignable.code}:`);
        for (const line of more.length ? more.map(formatIssue) : [unsignable.message])
          print(io, `      ${line}`);
      }
    }
    for (const p of kernel.pluginProblems) print(io, `✗ package ${p.package}: ${p.message}`);
    if (reports.length) {
      print(io, "spawn trees (kiwi validate <directive> shows one in full):");
      const width = Math.max(...reports.map((r) => r.directive.length));
      for (const r of reports) {
        const size = (() => {
          let n = -1;
          walk(r.tree, () => {
            n += 1;
          });
          return n;
        })();
        const extra = [
          size ? `${size} below it in its spawn tree` : "",
          r.spend.cycles.length ? `${r.spend.cycles.length} cycle(s)` : "",
          `${r.capabilities.union.length} grants`,
        ].filter(Boolean);
        const what = r.spawnable
          ? `worst case ${spendLine(r).split(" — ")[0]}; ${extra.join(", ")}`
          : `cannot run on a thread (missing ${r.missing.join(", ") || "verification"}); ${extra.join(", ")}`;
        print(io, `  ${r.directive.padEnd(width)}  ${what}`);
      }
    }
    print(
      io,
      `${entries.length} items checked, ${problems.length} with problems (project ${kernel.projectRoot})`,
    );
  }
  return problems.length || kernel.pluginProblems.length ? EXIT.failed : EXIT.ok;
}

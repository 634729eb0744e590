import { KiwiError } from "@kiwi/spec";
import type { KernelContext } from "../kernel-context";
import type { CallOptions } from "../kernel-types";
import { entryStatus, type LibraryEntry } from "../library/library";
import { authorizeMetaTool } from "./caller";
import { parseInput } from "./input-error";
import { type HelpInput, helpInput } from "./inputs";
import { readVerified } from "./resolve-item";

const OVERVIEW = `Kiwi gives you four tools over a library of items (directives, tools, knowledge):
- search(item_type, query): find items by keywords before acting.
- load(item_type, item_id): read an item (or copy it between spaces with destination).
- execute(item_type, action, item_id, parameters): run a directive (returns its steps), a tool (runs it),
  or knowledge (returns it); sign/create/update/delete items.
- help(action, topic): guidance from knowledge; stuck/escalate/checkpoint signal your thread's supervisor.
Search first, follow directive steps in order, and stay within the permissions you were given.`;

const MAX_ANSWER_CHARS = 16_000;

function rankGuidance(ctx: KernelContext, topic: string): LibraryEntry[] {
  const entries = ctx.library.entries("knowledge").filter((e) => entryStatus(e) === "ok");
  const t = topic.toLowerCase();
  const exact = entries.filter(
    (e) => e.id.toLowerCase() === t || `${e.category}/${e.id}`.toLowerCase() === t,
  );
  const tagged = entries.filter((e) => {
    const p = e.record!.parsed;
    return (
      p.itemType === "knowledge" && (p.data.frontMatter.tags ?? []).some((tag) => tag.toLowerCase() === t)
    );
  });
  const byKey = new Map(entries.map((e) => [e.key, e]));
  const scored = [...ctx.library.searchIndex.query(topic, (k) => byKey.has(k))]
    .sort((a, b) => b[1] - a[1] || byKey.get(a[0])!.rank - byKey.get(b[0])!.rank || a[0].localeCompare(b[0]))
    .map(([k]) => byKey.get(k)!);
  const seen = new Set<string>();
  return [...exact, ...tagged, ...scored].filter((e) => !seen.has(e.key) && seen.add(e.key)).slice(0, 3);
}

/**
 * `help`: `guidance` answers from verified knowledge items (an overview without a topic); `stuck`,
 * `escalate` and `checkpoint` go to the signal handler a thread runtime plugs in.
 */
export async function help(ctx: KernelContext, raw: HelpInput, options: CallOptions = {}) {
  const input = parseInput(helpInput, raw, "help");
  await authorizeMetaTool(ctx, "help", options);
  if (input.action !== "guidance") {
    const signal = { kind: input.action, topic: input.topic, reason: input.reason, meta: options.meta ?? {} };
    if (!ctx.signalHandler) {
      return {
        success: true as const,
        action: input.action,
        routed: false,
        note: "no thread supervisor is listening: the signal was acknowledged but not routed",
      };
    }
    // The handler's answer comes first so it can never overwrite success, action or routed.
    return {
      ...(await ctx.signalHandler(signal)),
      success: true as const,
      action: input.action,
      routed: true,
    };
  }
  await ctx.library.ensureFresh();
  if (!input.topic) {
    const topics = ctx.library
      .entries("knowledge")
      .filter((e) => entryStatus(e) === "ok")
      .slice(0, 50)
      .map((e) => ({ id: e.id, title: e.title, category: e.category }));
    return { success: true as const, action: "guidance", topic: null, overview: OVERVIEW, topics };
  }
  const answers = [];
  const skipped = [];
  for (const entry of rankGuidance(ctx, input.topic)) {
    try {
      const item = await readVerified(
        ctx,
        "knowledge",
        entry.category ? `${entry.category}/${entry.id}` : entry.id,
        (s) => s === entry.space,
      );
      await ctx.authorizer?.({
        kind: "item.read",
        action: "load",
        itemType: "knowledge",
        itemId: item.id,
        category: item.category,
        meta: options.meta ?? {},
      });
      if (item.parsed.itemType !== "knowledge") continue;
      const body = item.parsed.data.body;
      answers.push({
        id: item.id,
        title: item.parsed.data.frontMatter.title,
        category: item.category,
        space: item.space.name,
        content:
          body.length > MAX_ANSWER_CHARS
            ? `${body.slice(0, MAX_ANSWER_CHARS)}\n…(truncated: load the item for the rest)`
            : body,
      });
    } catch (error) {
      if (!KiwiError.isInstance(error)) throw error;
      skipped.push({ id: entry.id, code: error.code });
    }
  }
  return {
    success: true as const,
    action: "guidance",
    topic: input.topic,
    answers,
    ...(skipped.length ? { skipped } : {}),
    ...(answers.length
      ? {}
      : {
          suggestion: `no knowledge answers '${input.topic}': try search(item_type="knowledge", query=…) or help() for the topics`,
        }),
  };
}

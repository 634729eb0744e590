// One line of text per thread event. Harness events (live, from ThreadRuntime's onEvent), transcript
// events and registry event data share their field names, so one describer serves `thread run`,
// `threads tail` and `threads events`.
import { formatInt, formatUsd, NO_COLOURS, oneLine, type Paint } from "./format";
import { inert } from "./inert";

export type EventFields = { readonly type: string } & Readonly<Record<string, unknown>>;

/** A field of an event as printable text: model, tool and transcript text is untrusted, so made inert. */
const str = (v: unknown): string =>
  inert(typeof v === "string" ? v : v === undefined || v === null ? "" : String(v));
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** Token totals of a `usage` object: input, output and their sum (cache reads/writes count as input). */
export function tokensOf(usage: unknown): { input: number; output: number; total: number } {
  const u = (usage ?? {}) as Record<string, unknown>;
  const input =
    (num(u.input_tokens) ?? 0) + (num(u.cache_read_tokens) ?? 0) + (num(u.cache_creation_tokens) ?? 0);
  const output = num(u.output_tokens) ?? 0;
  return { input, output, total: input + output };
}

/**
 * `name target` of a tool call: the meta-tool, then the tool it runs when there is one. A `tool_result`
 * carries no target: with `calls` (filled by the `tool_call`s seen so far) it gets its call's label.
 */
export function callLabel(e: EventFields, calls?: Map<string, string>): string {
  const id = str(e.id);
  if (e.type === "tool_result" && calls?.has(id)) return calls.get(id)!;
  const target = str(e.target);
  const label = target ? `${str(e.name)} ${target}` : str(e.name);
  if (e.type === "tool_call" && id) calls?.set(id, label);
  return label;
}

export interface DescribeOptions {
  readonly paint?: Paint;
  /** Texts (user and assistant messages) cut to their first line (default: full text). */
  readonly short?: boolean;
  /** Tool call labels by call id, so a result names the tool its call ran (shared across events). */
  readonly calls?: Map<string, string>;
}

/** A one-line (messages: possibly multi-line) description of an event, or the event as JSON. */
export function describeEvent(e: EventFields, options: DescribeOptions = {}): string {
  const p = options.paint ?? NO_COLOURS;
  const text = (v: unknown) => (options.short ? oneLine(str(v)) : str(v));
  switch (e.type) {
    case "spawned": {
      const budget = describeBudget(e.budget);
      return `spawned ${str(e.directive)}${e.parent_id ? ` by ${str(e.parent_id)}` : ""}${budget ? ` · budget ${budget}` : ""}`;
    }
    case "directive_loaded":
      return `directive ${str(e.directive)} ${str(e.version)}${e.core ? " (core)" : ""}`;
    case "token_minted":
      return `token ${str(e.jti).slice(0, 12)} · ${str(e.grants)} grants${num(e.dropped) ? ` (${str(e.dropped)} not held by the parent)` : ""}`;
    case "worker":
      return `worker ${str(e.worker)} ${e.action === "took" ? "took the thread" : str(e.action)}`;
    case "resumed": {
      if (!e.in_place) return `resumed at turn ${str(e.turn)} (${str(e.messages)} messages)`;
      // In place after its owner died: the journal replayed, steps in flight rerun, skipped or reconciled.
      const pending = Array.isArray(e.pending) ? (e.pending as { seq?: unknown; decision?: unknown }[]) : [];
      const decided = pending.map((d) => `step ${str(d.seq)} ${str(d.decision)}`).join(", ");
      return `resumed in place (${str(e.journaled_steps)} journaled steps${decided ? `; ${decided}` : ""})`;
    }
    case "turn_start":
      return p.bold(`turn ${str(e.turn)}`);
    case "user_message":
      return `${p.cyan(e.injected ? "user (injected):" : "user:")} ${text(e.text)}`;
    case "assistant_message": {
      const calls = Array.isArray(e.tool_calls) ? (e.tool_calls as { name?: unknown }[]) : [];
      const body = str(e.text).trim() ? text(e.text) : p.dim("(no text)");
      return `${p.cyan("assistant:")} ${body}${calls.length ? p.dim(` [${calls.length} tool call${calls.length > 1 ? "s" : ""}]`) : ""}`;
    }
    case "tool_call":
      return `→ ${callLabel(e, options.calls)}${e.grant ? p.dim(` (${str(e.grant)})`) : ""}`;
    case "tool_result":
      return e.success
        ? `${p.green("✓")} ${callLabel(e, options.calls)}`
        : `${p.red("✗")} ${callLabel(e, options.calls)} ${p.red(str(e.error_code) || "failed")}`;
    case "cost_update": {
      const t = tokensOf(e.usage);
      const usd = num(e.usd);
      return p.dim(
        `tokens ${formatInt(t.total)} (in ${formatInt(t.input)} · out ${formatInt(t.output)}) · ${usd === undefined ? "unpriced" : formatUsd(usd)}`,
      );
    }
    case "compacted": {
      const usd = num(e.usd);
      const messages = num(e.messages);
      return p.dim(
        `context compacted: ~${formatInt(num(e.tokens_before) ?? 0)} → ~${formatInt(num(e.tokens_after) ?? 0)} tokens${messages !== undefined ? ` (${formatInt(messages)} messages summarized)` : ""} · ${usd === undefined ? "unpriced" : formatUsd(usd)}`,
      );
    }
    case "warning":
      return p.yellow(`warning (${str(e.kind ?? e.code)}): ${str(e.message)}`);
    case "signal":
      return p.yellow(`signal ${str(e.kind)}${e.reason ? `: ${str(e.reason)}` : ""}`);
    case "intervention":
      return p.yellow(
        `intervention: ${str(e.action)}${e.immediate ? " (immediate)" : ""}${e.chars !== undefined ? ` (${str(e.chars)} chars)` : ""}`,
      );
    case "status":
      return `status → ${str(e.status)}${e.reason && e.reason !== e.status ? ` (${str(e.reason)})` : ""}`;
    case "checkpoint":
      return `checkpoint saved at turn ${str(e.turn)}`;
    case "stream_incomplete":
      return p.yellow(`stream incomplete ${str(e.code)}: ${str(e.message)}`);
    case "budget_exceeded":
    case "context_exceeded":
      return p.yellow(str(e.message));
    case "child_spawned":
      return `child ${str(e.child_id)} spawned (${str(e.directive)})`;
    case "child_completed": {
      const spent = (e.spent ?? {}) as Record<string, unknown>;
      const usd = num(spent.usd);
      return `child ${str(e.child_id)} ended ${str(e.status)} (${str(e.reason)})${usd !== undefined ? ` · ${formatUsd(usd)}` : ""}`;
    }
    case "error":
      return p.red(`error ${str(e.code)}: ${str(e.message)}`);
    case "completed":
      return `completed: ${str(e.status)}${e.reason ? ` (${str(e.reason)})` : ""}${num(e.turns) !== undefined ? ` after ${str(e.turns)} turn${e.turns === 1 ? "" : "s"}` : ""}`;
    case "orphaned":
      return p.yellow(`orphaned: ${str(e.reason)}`);
    case "interrupted":
      return p.yellow(`interrupted: ${str(e.reason)} (kiwi threads resume continues it in place)`);
    case "needs_reconciliation":
      return p.yellow(
        `needs reconciliation: step ${str(e.seq)} ${str(e.tool)} (call ${str(e.call_id)}) may have run: kiwi threads resume <id> --rerun or --skip`,
      );
    default: {
      const { type, v: _v, ts: _ts, seq: _seq, ...rest } = e;
      return inert(`${type} ${JSON.stringify(rest)}`);
    }
  }
}

/** "$0.50 · 100,000 tokens" from a registry/spawn budget; "" when it has no figure. */
export function describeBudget(budget: unknown): string {
  const b = (budget ?? {}) as Record<string, unknown>;
  const parts: string[] = [];
  const usd = num(b.max_cost_usd);
  const tokens = num(b.max_total_tokens);
  if (usd !== undefined) parts.push(formatUsd(usd));
  if (tokens !== undefined) parts.push(`${formatInt(tokens)} tokens`);
  return parts.join(" · ");
}

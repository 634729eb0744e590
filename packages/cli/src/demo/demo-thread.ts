import { join } from "node:path";
import { type Grant, permissionsToGrants } from "@kiwi/capabilities";
import { createThreadRuntime, type HarnessEvent } from "@kiwi/kiwi-harness";
import type { Usage } from "@kiwi/spec";
import { readTranscript } from "@kiwi/threads";
import { type Io, print } from "../io";
import type { DemoModel } from "./demo-model";

/** One tool call of the demo thread as the harness reported it. */
export interface DemoCall {
  readonly turn: number;
  readonly name: string;
  readonly target?: string;
  readonly grant?: string | null;
  readonly ok: boolean;
  readonly code?: string;
}

export interface DemoThreadResult {
  readonly threadId: string;
  readonly status: string;
  readonly reason: string | null;
  readonly spawnMs: number;
  readonly transcript: string;
  readonly transcriptEvents: number;
  readonly calls: readonly DemoCall[];
  readonly usage?: Usage;
  readonly usd: number | null;
}

const int = (n: number) => n.toLocaleString("en-US");
/** Budgets as written ($0.10); spend to the hundredth of a cent ($0.0204). */
const usd = (n: number) => `$${n.toFixed(2)}`;
const spend = (n: number) => `$${n.toFixed(4)}`;

function line(io: Io, label: string, value: string) {
  print(io, `   ${label.padEnd(10)} ${value}`);
}

function oneLine(text: string, max = 110): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function grantLabel(g: Grant): string {
  if (g.scope === undefined) return g.cap;
  return typeof g.scope === "string" ? `${g.cap}:${g.scope}` : `${g.cap}(rules)`;
}

/** What a finished call looks like in the demo: ✓/✗, the call, and the grant or the refusal. */
function describeCall(call: DemoCall): string {
  const what = call.target ? `${call.name} → ${call.target}` : call.name;
  if (call.ok) return `✓ ${what.padEnd(24)} allowed by ${call.grant ?? `kiwi.${call.name}`}`;
  const why =
    call.code === "CAPABILITY_DENIED" && call.target && call.grant === null
      ? `: no tool.execute grant covers ${call.target}`
      : "";
  return `✗ ${what.padEnd(24)} ${call.code ?? "failed"}${why}`;
}

/**
 * Part two of `kiwi demo`: spawns `demo_tour` on a managed thread (thread_directive → kiwi_harness →
 * spawn_thread, returning at once), follows the harness events as they happen — each tool call with its
 * capability check, the refused one with its code — waits for the end, then prints the transcript path
 * and the cost against the directive's budget. Returns what happened, for the exit code and tests.
 */
export async function runDemoThread(options: {
  io: Io;
  project: string;
  userSpace: string;
  model: DemoModel;
  step: (title: string) => void;
  directive?: string;
  timeoutMs?: number;
}): Promise<DemoThreadResult> {
  const { io, model, step } = options;
  const directive = options.directive ?? "demo_tour";
  const calls: DemoCall[] = [];
  const pending = new Map<string, Extract<HarnessEvent, { type: "tool_call" }>>();
  let lastCost: Extract<HarnessEvent, { type: "cost_update" }> | undefined;
  // Events that arrive before the spawn result is printed wait here, so the output reads in order.
  let live = false;
  const backlog: HarnessEvent[] = [];

  const show = (event: HarnessEvent) => {
    switch (event.type) {
      case "directive_loaded":
        line(
          io,
          "loaded",
          `${event.directive} ${event.version}${event.core ? " (core)" : ""} inside the thread`,
        );
        break;
      case "token_minted":
        line(io, "token", `minted after the load: ${event.grants} grants, jti ${event.jti.slice(0, 8)}…`);
        break;
      case "assistant_message":
        if (event.text) line(io, `turn ${event.turn}`, `“${oneLine(event.text)}”`);
        break;
      case "tool_call":
        pending.set(event.id, event);
        break;
      case "tool_result": {
        const call = pending.get(event.id);
        const entry: DemoCall = {
          turn: event.turn,
          name: event.name,
          ...(call?.target !== undefined ? { target: call.target, grant: call.grant ?? null } : {}),
          ok: event.success,
          ...(event.error_code ? { code: event.error_code } : {}),
        };
        calls.push(entry);
        print(io, `              ${describeCall(entry)}`);
        break;
      }
      case "cost_update":
        lastCost = event;
        break;
      case "warning":
      case "budget_exceeded":
      case "context_exceeded":
      case "stream_incomplete":
        line(io, "note", `${event.type}: ${"message" in event ? oneLine(event.message) : ""}`);
        break;
      case "completed":
        line(io, "ended", `${event.status} (${event.reason})`);
        break;
      default:
        break;
    }
  };

  const runtime = await createThreadRuntime({
    projectRoot: options.project,
    userSpace: options.userSpace,
    env: model.env,
    models: () => model.choice,
    onEvent: (_id, event) => {
      if (live) show(event);
      else backlog.push(event);
    },
  });
  try {
    const d = await runtime.kernel.runDirective(directive);
    const grants = permissionsToGrants(d.metadata.permissions, {
      registry: await runtime.kernel.capabilities(),
      core: d.core,
    });
    const cost = d.metadata.cost;

    step(`spawn ${directive} on a managed thread (thread_directive → kiwi_harness → spawn_thread)`);
    line(io, "model", model.description);
    line(io, "grants", grants.map(grantLabel).join(", "));
    if (cost) {
      const parts = [
        `${cost.max_turns} turns`,
        ...(cost.max_total_tokens ? [`${int(cost.max_total_tokens)} tokens`] : []),
        ...(cost.max_cost_usd ? [usd(cost.max_cost_usd)] : []),
      ];
      line(io, "budget", `${parts.join(", ")} (on_exceeded: ${cost.on_exceeded})`);
    }
    const started = performance.now();
    const spawned = await runtime.spawn({
      directive,
      message: "Take the Kiwi tour: follow the directive's steps in order, then report.",
      inputs: { name: "Ada" },
    });
    const spawnMs = performance.now() - started;
    line(
      io,
      "spawned",
      `${spawned.thread_id}: status "${spawned.status}" in ${spawnMs.toFixed(0)} ms — spawn returns at once, the run goes on in the background`,
    );

    step("follow the thread: every tool call is checked against the thread's capability token");
    live = true;
    for (const event of backlog.splice(0)) show(event);
    const row = await runtime.manager.wait(spawned.thread_id, { timeoutMs: options.timeoutMs ?? 60_000 });
    await runtime.manager.done(spawned.thread_id);
    const transcript = join(options.project, spawned.transcript_path);
    const events = readTranscript(transcript).events.length;

    step("transcript and cost");
    line(io, "status", `${row.status} (${row.reason ?? "no reason"})`);
    line(io, "transcript", `${transcript} (${events} events, one JSON object per line)`);
    line(io, "registry", join(options.project, ".ai/threads/registry.db"));
    const usage = lastCost?.usage;
    if (usage) {
      const total = usage.input_tokens + usage.output_tokens;
      const of = cost?.max_total_tokens ? ` of ${int(cost.max_total_tokens)}` : "";
      line(
        io,
        "tokens",
        `${int(usage.input_tokens)} in + ${int(usage.output_tokens)} out = ${int(total)}${of} over ${lastCost!.turn} turns`,
      );
    }
    const spent = lastCost?.usd ?? null;
    const budget = cost?.max_cost_usd ? ` of ${usd(cost.max_cost_usd)}` : "";
    line(
      io,
      "cost",
      spent === null
        ? "unpriced (the model has no price data; never shown as $0)"
        : `${spend(spent)}${budget}`,
    );
    line(io, "pricing", model.priceNote());
    return {
      threadId: spawned.thread_id,
      status: row.status,
      reason: row.reason,
      spawnMs,
      transcript,
      transcriptEvents: events,
      calls,
      ...(usage ? { usage } : {}),
      usd: spent,
    };
  } finally {
    await runtime.close();
  }
}

import type { JournalStep, PendingDecision, ThreadRow, ThreadStore } from "@kiwi/threads";

/** True when a journaled tool step is a `thread_directive` call (a spawn), through `execute` or direct. */
export function isSpawnStep(step: JournalStep): boolean {
  const r = (step.request ?? {}) as {
    meta?: string;
    tool?: string;
    arguments?: { item_type?: string; action?: string; item_id?: string };
  };
  if (r.meta === undefined) return r.tool === "thread_directive";
  const a = r.arguments ?? {};
  return (
    r.meta === "execute" && a.item_type === "tool" && a.action === "run" && a.item_id === "thread_directive"
  );
}

/** The result `execute(thread_directive)` returned for a child: what its spawn step would have journaled. */
function spawnResultOf(child: ThreadRow): Record<string, unknown> {
  const written = (child.budget ?? {}) as Record<string, unknown>;
  const budget: Record<string, unknown> = {};
  for (const key of ["max_cost_usd", "max_total_tokens"])
    if (typeof written[key] === "number") budget[key] = written[key];
  return {
    success: true,
    tool_id: "thread_directive",
    chain: ["thread_directive", "threads"],
    primitive: "threads",
    result: {
      success: true,
      thread_id: child.thread_id,
      status: "spawned",
      transcript_path: child.transcript_path,
      started_at: child.created_at,
      budget,
    },
  };
}

/**
 * What a resume does with a spawn step that was in flight when the owner died. The child the step
 * registered carries the step's number (`permission_context.spawn_step`): found, the step gets that child
 * as its result — no second child; not found, the spawn never registered anything and simply runs again.
 */
export async function reconcileSpawn(
  store: ThreadStore,
  threadId: string,
  step: JournalStep,
): Promise<{ decision: PendingDecision; child?: ThreadRow }> {
  const child = (await store.query({ parentId: threadId, limit: 1000 })).find(
    (row) => (row.permission_context as { spawn_step?: unknown } | null)?.spawn_step === step.seq,
  );
  return child ? { decision: { result: spawnResultOf(child) }, child } : { decision: "rerun" };
}

/**
 * True when a reconciled child was registered for the queue (`queueChild`: `queued_by` in its permission
 * context) and no worker has taken it yet (`spawning`, no process): its parent's owner may have died
 * before queueing it, so nothing would ever run it.
 */
export function awaitsQueue(child: ThreadRow): boolean {
  return child.status === "spawning" && child.pid === null && "queued_by" in (child.permission_context ?? {});
}

/** What a spawn asked its child to do, besides the directive (the child's row names that). */
export interface SpawnArguments {
  readonly message: string;
  readonly inputs: Record<string, unknown>;
  readonly harness?: string;
}

/**
 * The arguments of a journaled spawn step, read as the threads primitive reads them (`message`, `inputs`,
 * `harness`; anything else is its default): what the step would pass if it ran again. The journal holds
 * requests redacted, so a secret the model wrote into them is `[REDACTED]` here — as it is in the model
 * turn the resumed parent replays, and in the spawn a rerun of the step would make.
 */
export function spawnArgumentsOf(step: JournalStep): SpawnArguments {
  const r = (step.request ?? {}) as {
    meta?: string;
    parameters?: unknown;
    arguments?: { parameters?: unknown };
  };
  const raw = r.meta === undefined ? r.parameters : r.arguments?.parameters;
  const p = (raw && typeof raw === "object" ? raw : {}) as {
    message?: unknown;
    inputs?: unknown;
    harness?: unknown;
  };
  return {
    message: typeof p.message === "string" ? p.message : "",
    inputs: p.inputs && typeof p.inputs === "object" ? { ...(p.inputs as Record<string, unknown>) } : {},
    ...(typeof p.harness === "string" && p.harness !== "" ? { harness: p.harness } : {}),
  };
}

import { KiwiError, type PrimitiveCall, type PrimitiveResult, type PrimitiveV1 } from "@kiwi/spec";
import { THREAD_STATUSES, type ThreadStatus } from "./registry/statuses";
import type { ThreadRow } from "./registry/thread-registry";
import type { ControlResult, ThreadManager } from "./thread-manager";

/** What the `directive` operation hands the host that knows how to run a directive on a thread. */
export interface SpawnDirectiveRequest {
  readonly directive: string;
  readonly message: string;
  readonly inputs: Record<string, unknown>;
  /** The harness the caller asked for (a `tool_type: harness` definition's id), when it named one. */
  readonly harness?: string;
  /** The caller's opaque metadata (`__auth`, `__thread_id`, …), for the host to verify. */
  readonly meta: Readonly<Record<string, unknown>>;
}

export interface ThreadsPrimitiveOptions {
  /** The runtime's manager (a function: the primitive is built before the kernel that the manager needs). */
  readonly manager: () => ThreadManager;
  /** Runs a directive on a new thread (`thread_directive`); without it the operation is refused. */
  readonly spawnDirective?: (request: SpawnDirectiveRequest) => Promise<PrimitiveResult>;
}

function str(params: Record<string, unknown>, name: string): string {
  const v = params[name];
  if (typeof v !== "string" || v === "") {
    throw new KiwiError({
      code: "PARAM_MISSING",
      message: `${name} is required for this action`,
      context: { param: name },
    });
  }
  return v;
}

function optInt(params: Record<string, unknown>, name: string): number | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
    throw new KiwiError({
      code: "PARAM_INVALID",
      message: `${name} must be a non-negative integer`,
      context: { param: name },
    });
  }
  return v;
}

/** The registry accepts 1–1000 rows per read; a model's figure is brought into that range. */
function clampLimit(n: number): number {
  return Math.max(1, Math.min(n, 1000));
}

function statusOf(v: unknown): ThreadStatus {
  if (typeof v === "string" && (THREAD_STATUSES as readonly string[]).includes(v)) return v as ThreadStatus;
  throw new KiwiError({
    code: "PARAM_INVALID",
    message: `status must be one of ${THREAD_STATUSES.join(", ")}`,
    context: { param: "status" },
  });
}

function unknownAction(operation: string, action: unknown, actions: readonly string[]): KiwiError {
  return new KiwiError({
    code: "UNKNOWN_ACTION",
    message: `${operation} has no action ${JSON.stringify(action)}: use ${actions.join(", ")}`,
    context: { action: String(action), actions },
  });
}

const REGISTRY_ACTIONS = ["get_status", "query", "get_events", "register", "update_status"] as const;
const CONTROL_ACTIONS = [
  "read_transcript",
  "inject_message",
  "pause",
  "resume",
  "terminate",
  "kill",
  "get_status",
  "wait",
  "wait_children",
] as const;

/**
 * The `threads` primitive behind the core thread tools: `config.operation` is `registry`
 * (`thread_registry`: reads need the tool's `registry.read`, `register`/`update_status` also need
 * `registry.write` in the caller's token), `control` (`thread_control`: the parent thread or a holder of
 * `thread.control`) or `directive` (`thread_directive`: handed to the host's spawnDirective).
 */
export function createThreadsPrimitive(options: ThreadsPrimitiveOptions): PrimitiveV1 {
  return {
    specificationVersion: "primitive-v1",
    id: "threads",
    description: "Managed threads: the registry, intervention and spawning a directive on a thread.",
    async run(call: PrimitiveCall): Promise<PrimitiveResult> {
      const operation = call.config.operation;
      const params = call.params;
      const meta = call.context.meta;
      if (operation === "directive") {
        if (!options.spawnDirective) {
          throw new KiwiError({
            code: "TOOL_UNAVAILABLE",
            message:
              "this runtime has no harness to run directives on threads (start Kiwi with a thread runtime)",
            context: {},
          });
        }
        return options.spawnDirective({
          directive: str(params, "directive_name"),
          message: typeof params.message === "string" ? params.message : "",
          inputs: (params.inputs as Record<string, unknown> | undefined) ?? {},
          ...(typeof params.harness === "string" && params.harness !== "" ? { harness: params.harness } : {}),
          meta,
        });
      }
      const manager = options.manager();
      if (operation === "registry") return registry(manager, params, meta);
      if (operation === "control") return control(manager, params, meta, call.context.signal);
      throw new KiwiError({
        code: "VALIDATION_FAILED",
        message: `the threads primitive has no operation ${JSON.stringify(operation)}: use registry, control or directive`,
        context: { operation: String(operation) },
      });
    },
  };
}

async function registry(
  manager: ThreadManager,
  params: Record<string, unknown>,
  meta: Readonly<Record<string, unknown>>,
): Promise<PrimitiveResult> {
  const reg = manager.store;
  const action = params.action;
  switch (action) {
    case "get_status": {
      const id = str(params, "thread_id");
      const row = await reg.get(id);
      if (!row) {
        throw new KiwiError({
          code: "ITEM_NOT_FOUND",
          message: `no thread ${id}`,
          context: { thread_id: id },
        });
      }
      return { success: true, thread: row };
    }
    case "query": {
      const threads = await reg.query({
        ...(params.status !== undefined ? { status: statusOf(params.status) } : {}),
        ...(typeof params.directive === "string" ? { directive: params.directive } : {}),
        ...(typeof params.parent_id === "string" ? { parentId: params.parent_id } : {}),
        ...(optInt(params, "limit") !== undefined ? { limit: clampLimit(optInt(params, "limit")!) } : {}),
      });
      return { success: true, threads };
    }
    case "get_events": {
      const id = str(params, "thread_id");
      const events = await reg.getEvents(id, {
        afterSeq: optInt(params, "after_seq"),
        limit: clampLimit(optInt(params, "limit") ?? 100),
      });
      return { success: true, thread_id: id, events };
    }
    case "register":
    case "update_status": {
      await requireWrite(manager, meta, action);
      if (action === "register") {
        const row = await reg.register({
          threadId: str(params, "thread_id"),
          directive: str(params, "directive"),
          parentId: typeof params.parent_id === "string" ? params.parent_id : null,
          pid: null,
        });
        return { success: true, thread: row };
      }
      const row = await reg.updateStatus(str(params, "thread_id"), statusOf(params.status), {
        reason: typeof params.reason === "string" ? params.reason : undefined,
      });
      return { success: true, thread: row };
    }
    default:
      throw unknownAction("thread_registry", action, REGISTRY_ACTIONS);
  }
}

async function requireWrite(
  manager: ThreadManager,
  meta: Readonly<Record<string, unknown>>,
  action: string,
): Promise<void> {
  const claims = await manager.verify(meta.__auth);
  if (claims.caps.some((g) => g.cap === "registry.write")) return;
  throw new KiwiError({
    code: "CAPABILITY_DENIED",
    message: `thread_registry ${action} needs registry.write, a system capability only core directives hold: threads record their own lifecycle through the runtime`,
    context: { reason: "cap_missing", required: "registry.write" },
  });
}

async function control(
  manager: ThreadManager,
  params: Record<string, unknown>,
  meta: Readonly<Record<string, unknown>>,
  signal: AbortSignal | undefined,
): Promise<PrimitiveResult> {
  const action = params.action;
  if (!(CONTROL_ACTIONS as readonly unknown[]).includes(action)) {
    throw unknownAction("thread_control", action, CONTROL_ACTIONS);
  }
  const timeoutMs = Math.min(optInt(params, "timeout_ms") ?? 300_000, 600_000);
  if (action === "wait_children") {
    // The caller's own children: every thread whose parent is the token's thread.
    const claims = await manager.verify(meta.__auth);
    const children = await manager.store.query({ parentId: claims.thread_id, limit: 1000 });
    const deadline = Date.now() + timeoutMs;
    const results = [];
    for (const child of children.reverse()) {
      const row = await manager.wait(child.thread_id, {
        timeoutMs: Math.max(0, deadline - Date.now()),
        ...(signal ? { signal } : {}),
      });
      results.push(await resultOf(manager, row.thread_id, row));
    }
    return { success: true, children: results };
  }
  const id = str(params, "thread_id");
  await manager.authorizeControl(meta.__auth, id);
  switch (action) {
    case "read_transcript": {
      const { events, torn } = await manager.readEvents(id, optInt(params, "last_n") ?? 20);
      return { success: true, thread_id: id, events, torn };
    }
    case "inject_message":
      return applied(
        manager,
        await manager.control(id, "inject_message", { message: str(params, "message") }),
      );
    case "pause":
      return applied(manager, await manager.control(id, "pause"));
    case "resume":
      return applied(
        manager,
        await manager.control(id, "resume", {
          ...(typeof params.message === "string" ? { message: params.message } : {}),
        }),
      );
    case "terminate":
      return applied(
        manager,
        await manager.control(id, "terminate", { immediate: params.immediate === true }),
      );
    case "kill":
      return applied(manager, await manager.control(id, "kill"));
    case "get_status":
      return { success: true, thread: (await manager.store.get(id)) ?? null };
    default: {
      // wait: until the thread ends (or timeout_ms, at most 10 minutes); its result then comes back.
      const row = await manager.wait(id, { timeoutMs, ...(signal ? { signal } : {}) });
      return { success: true, ...(await resultOf(manager, id, row)) };
    }
  }
}

/**
 * A control's answer. One queued for a thread another process runs is waited for: applied, or the error
 * the owner met (or why nobody took it), never just "queued".
 */
async function applied(manager: ThreadManager, result: ControlResult) {
  if (!result.queued || result.request_id === undefined) return { success: true, ...result };
  const outcome = await manager.awaitControl(result.request_id);
  if (outcome.ok) return { success: true, ...result, applied: true };
  throw new KiwiError({
    code: outcome.error.code,
    message: `${result.thread_id}: not applied: ${outcome.error.message}`,
    context: { thread_id: result.thread_id, request_id: result.request_id },
  });
}

/** A finished thread's outcome: status, reason, usage and the final text from its transcript. */
async function resultOf(manager: ThreadManager, id: string, row: ThreadRow) {
  const last = (await manager.readEvents(id, 5)).events.filter((e) => e.type === "completed").at(-1);
  return {
    thread_id: id,
    status: row.status,
    reason: row.reason,
    usage: row.usage,
    final_text: typeof last?.final_text === "string" ? last.final_text : null,
  };
}

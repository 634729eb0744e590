import { KiwiError, SINK_KIND, type SinkContext, type SinkEvent, type SinkV1 } from "@kiwi/spec";
import type { KernelContext } from "../kernel-context";
import { readVerified } from "../meta/resolve-item";

/** A destination in `config.stream.destinations`: `{type: "return"}` or `{type: <sink tool id>, …settings}`. */
export interface Destination {
  readonly type: string;
  readonly settings: Record<string, unknown>;
}

export interface SinkFailure {
  sink: string;
  phase: "open" | "write" | "flush" | "close";
  message: string;
}

/** The destinations a rendered config asks for, minus `return` (built into http_client). */
export function destinationsOf(config: Record<string, unknown>, toolId: string): Destination[] {
  const stream = config.stream as { destinations?: unknown } | undefined;
  const list = stream?.destinations;
  if (list === undefined) return [];
  if (!Array.isArray(list)) {
    throw new KiwiError({
      code: "TOOL_CHAIN_FAILED",
      message: `tool ${toolId}: config.stream.destinations must be a list of {type: …}`,
      context: { tool_id: toolId, config_path: "config.stream.destinations" },
    });
  }
  return list.flatMap((d, i) => {
    const { type, ...settings } = (d ?? {}) as { type?: unknown };
    if (typeof type !== "string" || !type) {
      throw new KiwiError({
        code: "TOOL_CHAIN_FAILED",
        message: `tool ${toolId}: config.stream.destinations[${i}] needs a type (return, or a sink tool id such as file_sink)`,
        context: { tool_id: toolId, config_path: `config.stream.destinations[${i}]` },
      });
    }
    return type === "return" ? [] : [{ type, settings }];
  });
}

/** Reads and verifies the sink definitions of a call, so their `requires` reach the guard first. */
export async function sinkDefinitions(ctx: KernelContext, destinations: readonly Destination[]) {
  return Promise.all(
    destinations.map(async (d) => {
      const item = await readVerified(ctx, "tool", d.type);
      const def = item.parsed.itemType === "tool" ? item.parsed.data : undefined;
      if (def?.tool_type !== "sink" || !def.module || !def.export) {
        throw new KiwiError({
          code: "TOOL_CHAIN_FAILED",
          message: `destination '${d.type}' is not a sink definition (${item.label} needs tool_type: sink, module and export)`,
          context: { destination: d.type, file: item.label },
        });
      }
      const requires = Array.isArray(def.requires) ? def.requires : [];
      return { destination: d, item, def, requires };
    }),
  );
}

/**
 * Keeps one sink's failure to itself: after its first error it receives nothing more, and close() runs
 * once. Writes stay synchronous for synchronous sinks, so the wrapper adds no await per event.
 */
function isolate(sink: SinkV1, failures: SinkFailure[]): SinkV1 {
  let failed = false;
  let closed = false;
  const fail = (phase: SinkFailure["phase"]) => (error: unknown) => {
    failed = true;
    failures.push({ sink: sink.id, phase, message: (error as Error)?.message ?? String(error) });
  };
  return {
    specificationVersion: "sink-v1",
    id: sink.id,
    write(event: SinkEvent) {
      if (failed || closed) return;
      try {
        const r = sink.write(event);
        if (r && typeof (r as Promise<void>).then === "function")
          return (r as Promise<void>).then(undefined, fail("write"));
      } catch (error) {
        fail("write")(error);
      }
    },
    async flush() {
      if (failed || closed || !sink.flush) return;
      await sink.flush().catch(fail("flush"));
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.resolve()
        .then(() => sink.close())
        .catch((error: unknown) =>
          failures.push({
            sink: sink.id,
            phase: "close",
            message: (error as Error)?.message ?? String(error),
          }),
        );
    },
  };
}

/** Instantiates verified sink definitions through the plugin loader; on any failure closes what opened. */
export async function openSinks(
  ctx: KernelContext,
  defs: Awaited<ReturnType<typeof sinkDefinitions>>,
  context: SinkContext,
): Promise<{ sinks: SinkV1[]; failures: SinkFailure[]; closeAll: () => Promise<void> }> {
  const failures: SinkFailure[] = [];
  const sinks: SinkV1[] = [];
  const closeAll = async () => {
    await Promise.all(sinks.map((s) => s.close()));
  };
  try {
    for (const { destination, item, def } of defs) {
      const decl = {
        module: def.module!,
        export: def.export!,
        definitionFile: item.file.location,
        spaceRoot: item.space.root,
      };
      sinks.push(
        isolate(await ctx.plugins.instantiate(decl, SINK_KIND, destination.settings, context), failures),
      );
    }
  } catch (error) {
    await closeAll();
    throw error;
  }
  return { sinks, failures, closeAll };
}

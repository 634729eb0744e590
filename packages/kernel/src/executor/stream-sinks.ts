import { closeSinks, createRedactingSink } from "@kiwi/sinks";
import { sinkPathRel } from "@kiwi/sinks/node";
import { KiwiError, SINK_KIND, type SinkContext, type SinkV1 } from "@kiwi/spec";
import type { KernelContext } from "../kernel-context";
import type { VerifiedItem } from "../library/item-reader";
import { readVerified } from "../meta/resolve-item";
import { shippedWith } from "../plugins/shipped-with";
import type { ToolDefinition } from "../schema/tool-schema";
import { fileIdentities } from "../spaces/directory-space";
import type { ChainLink } from "./tool-chain";

/** A destination in `config.stream.destinations`: `{type: "return"}` or `{type: <sink tool id>, …settings}`. */
export interface Destination {
  readonly type: string;
  readonly settings: Record<string, unknown>;
  /** Its place in the list, so a bad setting is reported at `config.stream.destinations[index]`. */
  readonly index: number;
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
    return type === "return" ? [] : [{ type, settings, index: i }];
  });
}

/** A verified sink definition, reusable while the index did not move and its file did not change. */
interface VerifiedSink {
  readonly item: VerifiedItem;
  readonly def: ToolDefinition;
  readonly requires: readonly string[];
  /** The library generation its lookup was made in. */
  readonly generation: number;
  /** Is the file still at the identity its verified bytes were read under? (one lstat) */
  readonly unchanged: () => boolean;
}

const verifiedSinks = new WeakMap<KernelContext, Map<string, VerifiedSink>>();

/**
 * A sink definition read and verified fresh from disk — or, as for tool chains, the one verified before
 * while the index generation is the same (the id still resolves to the same file) and that file still has
 * the identity (device, inode, size, mtime, ctime) its verified bytes were read under: an edit or a swapped
 * file is read and verified again on the next call.
 */
async function verifiedSink(ctx: KernelContext, type: string): Promise<VerifiedSink> {
  const hit = verifiedSinks.get(ctx)?.get(type);
  if (hit && ctx.library.isFresh() && hit.generation === ctx.library.generation && hit.unchanged())
    return hit;
  await ctx.library.ensureFresh();
  const generation = ctx.library.generation;
  const item = await readVerified(ctx, "tool", type);
  const def = item.parsed.itemType === "tool" ? item.parsed.data : undefined;
  if (def?.tool_type !== "sink" || !def.module || !def.export) {
    throw new KiwiError({
      code: "TOOL_CHAIN_FAILED",
      message: `destination '${type}' is not a sink definition (${item.label} needs tool_type: sink, module and export)`,
      context: { destination: type, file: item.label },
    });
  }
  const requires = Array.isArray(def.requires) ? def.requires : [];
  const ids = fileIdentities(item.space);
  const identity = ids?.ofRead(item.file.location, item.bytes);
  const unchanged = ids && identity !== undefined ? ids.unchanged(item.file.location, identity) : () => false;
  const verified = { item, def, requires, generation, unchanged };
  if (ids && identity !== undefined && ctx.library.generation === generation) {
    const byType = verifiedSinks.get(ctx) ?? new Map<string, VerifiedSink>();
    verifiedSinks.set(ctx, byType);
    if (byType.size >= 1000) byType.clear();
    byType.set(type, verified);
  }
  return verified;
}

/** Reads and verifies the sink definitions of a call, so their `requires` reach the guard first. */
export async function sinkDefinitions(ctx: KernelContext, destinations: readonly Destination[]) {
  return Promise.all(
    destinations.map(async (d) => {
      const { item, def, requires } = await verifiedSink(ctx, d.type);
      return { destination: d, item, def, requires };
    }),
  );
}

/**
 * The files a call's sinks will write, for the guard: the `path` setting of every destination, resolved
 * inside the project (canonical, project-relative), so it is checked against the caller's `fs.write`
 * scope and the protected paths like any write before anything opens — whatever the sink's definition
 * declares (a sink that writes files cannot lower that by requiring nothing). A path the sink's own rule
 * refuses fails here already (PATH_OUTSIDE_PROJECT). `checked[i]` is definition i's resolved path (or
 * undefined): openSinks hands the sink that path, not the one written, and the sink opens exactly it
 * through real folders, so a folder swapped for a link after the check cannot move the write.
 */
export async function sinkWrites(
  ctx: KernelContext,
  definitions: Awaited<ReturnType<typeof sinkDefinitions>>,
): Promise<{ writes: string[]; checked: (string | undefined)[] }> {
  const writes: string[] = [];
  const checked: (string | undefined)[] = [];
  for (const { destination } of definitions) {
    const path = destination.settings.path;
    const rel = path === undefined ? undefined : await sinkPathRel(ctx.settings.projectRoot, String(path));
    checked.push(rel);
    if (rel !== undefined) writes.push(rel);
  }
  return { writes, checked };
}

/**
 * The tool whose YAML wrote `stream.destinations`: config merges parent-first and a list replaces the
 * parent's, so it is the link nearest the head that has one.
 */
export function destinationsDeclaredIn(links: readonly ChainLink[]): ChainLink | undefined {
  return links.find((link) => {
    const stream = link.def.config?.stream;
    return typeof stream === "object" && stream !== null && "destinations" in stream;
  });
}

/**
 * Instantiates verified sink definitions through the plugin loader, in order; on any failure closes what
 * already opened. Each comes back wrapped in the kernel's redaction (`createRedactingSink` over the
 * settings' secrets: a destination never receives a secret, even split over events); the primitive
 * writes through the one fan-out of `@kiwi/sinks` (which isolates a failing sink) and the caller closes
 * them with `closeSinks`.
 */
export async function openSinks(
  ctx: KernelContext,
  o: {
    definitions: Awaited<ReturnType<typeof sinkDefinitions>>;
    /** sinkWrites' `checked`: the resolved path the guard allowed, per definition. */
    checked: readonly (string | undefined)[];
    context: SinkContext;
    /** The tool file whose `stream.destinations` holds the sinks' settings (its display label). */
    declaredIn: string;
  },
): Promise<SinkV1[]> {
  const sinks: SinkV1[] = [];
  try {
    for (const [i, { destination, item, def }] of o.definitions.entries()) {
      const decl = {
        module: def.module!,
        export: def.export!,
        definitionFile: item.file.location,
        spaceRoot: item.space.root,
        shippedWith: shippedWith(ctx.library, item),
        optionsFrom: { file: o.declaredIn, field: `config.stream.destinations[${destination.index}]` },
      };
      const path = o.checked[i];
      const settings = path === undefined ? destination.settings : { ...destination.settings, path };
      const sink = await ctx.plugins.instantiate(decl, SINK_KIND, settings, o.context);
      sinks.push(createRedactingSink(sink, ctx.settings.redact));
    }
  } catch (error) {
    await closeSinks(sinks);
    throw error;
  }
  return sinks;
}

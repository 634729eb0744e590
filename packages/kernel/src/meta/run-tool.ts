import { closeSinks } from "@kiwi/sinks";
import { KiwiError, type PrimitiveResult, type SinkFailure, type SinkV1 } from "@kiwi/spec";
import { validateParams } from "../executor/params";
import {
  destinationsDeclaredIn,
  destinationsOf,
  openSinks,
  sinkDefinitions,
  sinkWrites,
} from "../executor/stream-sinks";
import { renderConfig } from "../executor/template";
import type { ChainLink, PreparedChain } from "../executor/tool-chain";
import { prepareChain, resolveChain } from "../executor/tool-chain";
import type { KernelContext } from "../kernel-context";
import type { CallOptions } from "../kernel-types";
import type { VerifiedItem } from "../library/item-reader";
import { fileIdentities } from "../spaces/directory-space";
import { readVerified } from "./resolve-item";

const prepared = new WeakMap<KernelContext, Map<string, PreparedChain>>();

/** A chain prepared from verified files, reusable while no file changed and the index did not move. */
interface ReadyChain {
  readonly headId: string;
  readonly chain: PreparedChain;
  /** The library generation its lookups were made in. */
  readonly generation: number;
  /** For every link's file: is it still at the identity its verified bytes were read under? */
  readonly unchanged: readonly (() => boolean)[];
}

const ready = new WeakMap<KernelContext, Map<string, ReadyChain>>();

function linkOf(item: VerifiedItem): ChainLink {
  if (item.parsed.itemType !== "tool") throw new Error("unreachable");
  return { id: item.id, def: item.parsed.data, label: item.label };
}

/** Reads and verifies every link of a chain, fresh from disk, head first. */
async function verifiedLinks(ctx: KernelContext, headRef: string) {
  const head = await readVerified(ctx, "tool", headRef);
  const found = new Map<string, ChainLink | KiwiError>([[head.id, linkOf(head)]]);
  const items = [head];
  let next = head.parsed.itemType === "tool" ? head.parsed.data.executor_id : undefined;
  while (next && !ctx.primitives.has(next) && !found.has(next) && found.size < 16) {
    try {
      const item = await readVerified(ctx, "tool", next);
      found.set(next, linkOf(item));
      items.push(item);
      next = item.parsed.itemType === "tool" ? item.parsed.data.executor_id : undefined;
    } catch (error) {
      if (KiwiError.isInstance(error) && error.code === "ITEM_NOT_FOUND") break; // reported by resolveChain
      throw error;
    }
  }
  return { headId: head.id, found, items };
}

/**
 * The prepared chain of a tool: reused while the index generation is the same (so every id still
 * resolves to the same file) and every link's file still has the identity (device, inode, size, mtime,
 * ctime: one lstat each) its verified bytes were read under, so an edit is seen on the next call.
 * Otherwise every link is read and verified again.
 */
function reuseOf(ctx: KernelContext, itemId: string): ReadyChain | undefined {
  const hit = ready.get(ctx)?.get(itemId);
  return hit && hit.generation === ctx.library.generation && hit.unchanged.every((same) => same())
    ? hit
    : undefined;
}

/** The reusable chain without any await, when the index needs no refresh first. */
function reusableChain(ctx: KernelContext, itemId: string): ReadyChain | undefined {
  return ctx.library.isFresh() ? reuseOf(ctx, itemId) : undefined;
}

async function readyChain(ctx: KernelContext, itemId: string): Promise<ReadyChain> {
  await ctx.library.ensureFresh();
  const hit = reuseOf(ctx, itemId);
  if (hit) return hit;
  let byId = ready.get(ctx);
  if (!byId) {
    byId = new Map();
    ready.set(ctx, byId);
  }
  const generation = ctx.library.generation;
  const { headId, found, items } = await verifiedLinks(ctx, itemId);
  const { links, primitive } = resolveChain({
    headId,
    lookup: (id) => found.get(id),
    isPrimitive: (id) => ctx.primitives.has(id),
  });
  const cache = prepared.get(ctx) ?? new Map<string, PreparedChain>();
  prepared.set(ctx, cache);
  const key = items
    .slice(0, links.length)
    .map((i) => i.contentHash)
    .join(":");
  let chain = cache.get(key);
  if (!chain) {
    chain = prepareChain(links, primitive);
    if (cache.size > 1000) cache.clear();
    cache.set(key, chain);
  }
  const result: ReadyChain = { headId, chain, generation, unchanged: [] };
  if (ctx.library.generation !== generation) return result;
  const unchanged: (() => boolean)[] = [];
  for (const item of items.slice(0, links.length)) {
    const ids = fileIdentities(item.space);
    const identity = ids?.ofRead(item.file.location, item.bytes);
    if (!ids || identity === undefined) return result; // cannot vouch for this file: no reuse
    unchanged.push(ids.unchanged(item.file.location, identity));
  }
  const reusable = { ...result, unchanged };
  if (byId.size >= 1000) byId.clear();
  byId.set(itemId, reusable);
  return reusable;
}

/**
 * `execute(tool, run, X)`: verify every link, resolve the chain to a primitive, validate parameters
 * against the merged declarations, let the tool-layer guard decide, render the config and run the
 * primitive. Opaque metadata goes to the guard and the primitive untouched.
 */
export async function runTool(
  ctx: KernelContext,
  itemId: string,
  params: Record<string, unknown>,
  options: CallOptions,
) {
  const { headId, chain } = reusableChain(ctx, itemId) ?? (await readyChain(ctx, itemId));
  const { primitive } = chain;
  const values = validateParams({
    params,
    declared: chain.parameters,
    toolId: headId,
    maxParamBytes: ctx.settings.limits.maxParamBytes,
  });
  const meta = options.meta ?? {};
  const config = renderConfig({
    config: chain.config,
    params: values,
    env: ctx.settings.env,
    toolId: headId,
  });
  // Sink definitions are read and verified before the guard runs, so their `requires` count too; they
  // are instantiated (opened) only after it allowed the call.
  const destinations = destinationsOf(config, headId);
  const sinkDefs = destinations.length ? await sinkDefinitions(ctx, destinations) : [];
  const { writes, checked } = sinkDefs.length ? await sinkWrites(ctx, sinkDefs) : { writes: [], checked: [] };
  // A sink that writes a file needs fs.write for it, whatever its definition declares.
  const requires = sinkDefs.length
    ? [
        ...new Set([
          ...chain.requires,
          ...sinkDefs.flatMap((d) => d.requires),
          ...(writes.length ? ["fs.write"] : []),
        ]),
      ].sort()
    : [...chain.requires];
  await ctx.authorizer?.({
    kind: "tool.run",
    toolId: headId,
    chain: chain.ids,
    requires,
    primitive,
    params: values,
    ...(typeof config.url === "string" ? { url: config.url } : {}),
    config,
    ...(writes.length ? { writes } : {}),
    meta,
  });
  const opened: SinkV1[] = sinkDefs.length
    ? await openSinks(ctx, {
        definitions: sinkDefs,
        checked,
        context: { projectRoot: ctx.settings.projectRoot, toolId: headId, signal: options.signal },
        declaredIn: destinationsDeclaredIn(chain.links)?.label ?? headId,
      })
    : [];
  // The caller's own sinks (a harness's parsing sink) first, then the tool's destinations.
  const sinks = options.sinks?.length ? [...options.sinks, ...opened] : opened;
  let closeFailures: SinkFailure[] = [];
  const impl = ctx.primitives.get(primitive)!;
  let result: PrimitiveResult;
  try {
    result = await impl.run({
      config,
      params: values,
      sinks,
      carriesSecret: chain.carriesSecret,
      context: {
        projectRoot: ctx.settings.projectRoot,
        toolId: headId,
        chain: chain.ids,
        meta,
        signal: options.signal,
      },
    });
  } catch (cause) {
    if (KiwiError.isInstance(cause)) throw cause;
    throw new KiwiError({
      code: "PRIMITIVE_FAILED",
      message: `primitive ${primitive} failed while running ${headId}: ${(cause as Error)?.message ?? String(cause)}`,
      context: { tool_id: headId, chain: chain.ids },
      cause,
    });
  } finally {
    // The sinks this call opened are closed on success, error and abort alike; the caller's are its own.
    if (opened.length) closeFailures = await closeSinks(opened);
  }
  if (closeFailures.length) {
    const written = Array.isArray(result.sink_errors) ? result.sink_errors : [];
    result = { ...result, sink_errors: [...written, ...closeFailures] };
  }
  const base = { tool_id: headId, chain: chain.ids, primitive, result };
  if (result.success) return { success: true as const, ...base };
  const err = result.error;
  const error =
    typeof err === "object" && err !== null && typeof (err as { code?: unknown }).code === "string"
      ? { retryable: false, ...(err as Record<string, unknown>) }
      : {
          code: "PRIMITIVE_FAILED",
          message: typeof err === "string" ? err : `${primitive} reported a failure`,
          retryable: false,
        };
  return {
    success: false as const,
    error: error as { code: string; message: string; retryable: boolean },
    ...base,
  };
}

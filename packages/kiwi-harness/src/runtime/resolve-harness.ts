import { HARNESS_KIND, type Kernel } from "@kiwi/kernel";
import { type HarnessV2, KiwiError } from "@kiwi/spec";

/** The harness a managed thread runs on when neither the spawn nor the directive names one. */
export const DEFAULT_HARNESS = "kiwi_harness";

/** The `tool_type` of a harness definition. */
export const HARNESS_TOOL_TYPE = "harness";

/** The harness definitions the kernel's spaces hold, by tool id. */
export async function harnessIds(kernel: Pick<Kernel, "inventory">): Promise<string[]> {
  const ids = (await kernel.inventory())
    .filter(
      (e) =>
        e.itemType === "tool" &&
        e.record?.parsed.itemType === "tool" &&
        e.record.parsed.data.tool_type === HARNESS_TOOL_TYPE,
    )
    .map((e) => e.id);
  return [...new Set(ids)].sort();
}

/**
 * The harness a `tool_type: harness` definition names, instantiated from data before anything runs:
 * the definition is read and verified (unsigned or modified → INTEGRITY_MISMATCH), must be a harness
 * (another tool → PLUGIN_INVALID), its module is imported and checked against `HARNESS_KIND` (a
 * `harness-v1` plugin is upgraded). An unknown id is ITEM_NOT_FOUND. Every error names the harness and
 * what to do.
 */
export async function resolveHarness(
  kernel: Pick<Kernel, "load" | "inventory" | "instantiatePlugin">,
  id: string,
): Promise<HarnessV2> {
  const loaded = await kernel.load({ item_type: "tool", item_id: id });
  if (!loaded.success) {
    if (loaded.error.code === "ITEM_NOT_FOUND") {
      const known = await harnessIds(kernel);
      throw new KiwiError({
        code: "ITEM_NOT_FOUND",
        message: `no harness '${id}': no tool_type: harness definition by that id is installed (${known.length ? `installed: ${known.join(", ")}` : "none is installed"}); install the package that ships it`,
        context: { harness: id, known },
      });
    }
    throw new KiwiError({
      code: loaded.error.code,
      message: `harness '${id}' cannot be used: ${loaded.error.message}`,
      context: { harness: id },
    });
  }
  const type = (loaded.data as { tool_type?: unknown } | undefined)?.tool_type;
  if (type !== HARNESS_TOOL_TYPE) {
    throw new KiwiError({
      code: "PLUGIN_INVALID",
      message: `'${id}' is a tool_type: ${String(type)} definition, not a harness: name a tool_type: harness definition (${(await harnessIds(kernel)).join(", ") || "none is installed"})`,
      context: { harness: id, tool_type: type },
    });
  }
  return kernel.instantiatePlugin({ itemId: id, kind: HARNESS_KIND });
}

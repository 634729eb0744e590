import type { VerifiedItem } from "../library/item-reader";
import type { Library } from "../library/library";

/**
 * Where packages ship the same plugin as `item`: the definition files of the tool with the same id and
 * the same `module` in the core space (the bundle inside @kiwi/kernel) and in plugin packages, other than
 * `item` itself. A copy of a core or plugin item in the project or user space (`kiwi init` copies the
 * core bundle) then resolves its module from the package that ships the original, which has that
 * package among its dependencies even when the project's own node_modules does not (pnpm, a global kiwi).
 */
export function shippedWith(library: Library, item: VerifiedItem): string[] {
  const module = item.parsed.itemType === "tool" ? item.parsed.data.module : undefined;
  if (!module) return [];
  return library
    .withId("tool", item.id)
    .filter(
      (e) =>
        (e.space.kind === "core" || e.space.kind === "plugin") &&
        e.file.location !== item.file.location &&
        e.record?.parsed.itemType === "tool" &&
        e.record.parsed.data.module === module,
    )
    .map((e) => e.file.location);
}

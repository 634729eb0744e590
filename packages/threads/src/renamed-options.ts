import { KiwiError } from "@kiwi/spec";

/**
 * Refuses the snake_case names these options had before they became camelCase (`parent_id` for
 * `parentId`, …). A JavaScript caller still using an old name would otherwise have it ignored without a
 * word: a child spawned outside its parent's budget, a query that returns every thread.
 */
export function refuseRenamedOptions(
  options: object,
  renames: Readonly<Record<string, string>>,
  where: string,
): void {
  const old = Object.keys(options).filter((key) => Object.hasOwn(renames, key));
  if (old.length === 0) return;
  throw new KiwiError({
    code: "INVALID_INPUT",
    message: `${where}: ${old.map((key) => `${key} is now ${renames[key]}`).join(", ")} (options are camelCase; what is stored keeps its snake_case names)`,
    context: { renamed: Object.fromEntries(old.map((key) => [key, renames[key]])) },
  });
}

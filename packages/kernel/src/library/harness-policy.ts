import { KiwiError } from "@kiwi/spec";
import type { Directive } from "../parse/directive-parser";
import { entryToolType, type Library } from "./library";

/** The tool_type of a harness definition. */
export const HARNESS_TOOL_TYPE = "harness";

/** The harness definitions a library holds, by tool id (highest-precedence first). */
export function harnessIds(library: Library): string[] {
  const ids = library
    .entries("tool")
    .filter((e) => entryToolType(e) === HARNESS_TOOL_TYPE)
    .map((e) => e.id);
  return [...new Set(ids)].sort();
}

/**
 * Refuses a directive whose `<harness>` names no harness this library knows: an id no tool has, or a
 * tool that is not a `tool_type: harness` definition (VALIDATION_FAILED, field `metadata.harness`).
 * Signing is where this is checked; the runtime checks the definition again (signed, loadable) at spawn.
 */
export function checkDirectiveHarness(directive: Directive, library: Library): void {
  const id = directive.metadata.harness;
  if (id === undefined) return;
  const entry = library.withId("tool", id)[0];
  // An unverified definition counts by the type it claims: the runtime verifies it again at spawn.
  const type = entry ? entryToolType(entry) : undefined;
  if (type === HARNESS_TOOL_TYPE) return;
  const known = harnessIds(library);
  const choose = known.length ? `use one of ${known.join(", ")}` : "install a harness package";
  throw new KiwiError({
    code: "VALIDATION_FAILED",
    message: entry
      ? `directive ${directive.name} names harness '${id}', but ${id} is a tool_type: ${type ?? "(unreadable)"} definition, not a harness: ${choose}, or remove <harness>`
      : `directive ${directive.name} names harness '${id}', but no tool_type: harness definition '${id}' is installed: ${choose} (or install the package that ships it), or remove <harness>`,
    context: {
      field: "metadata.harness",
      harness: id,
      reason: entry ? "not_a_harness" : "unknown_harness",
      known,
    },
  });
}

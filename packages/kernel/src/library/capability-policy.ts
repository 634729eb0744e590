import { assertNoSystemCaps, CapabilityRegistry, permissionsToGrants } from "@kiwi/capabilities";
import { KiwiError } from "@kiwi/spec";
import type { Directive } from "../parse/directive-parser";
import type { Library } from "./library";

/**
 * The capability registry of a library: every capability set (`tool_type: capability_set`) that parsed
 * and verified. A set that contradicts another is marked with its problem instead of being used.
 */
export function buildCapabilityRegistry(library: Library): CapabilityRegistry {
  const registry = new CapabilityRegistry();
  for (const entry of library.entries("tool")) {
    const data = entry.record?.parsed.itemType === "tool" ? entry.record.parsed.data : undefined;
    if (!data?.capabilities || entry.problem) continue;
    try {
      for (const def of data.capabilities) registry.add(def);
    } catch (error) {
      if (KiwiError.isInstance(error)) entry.chainProblem = error.toJSON();
      else throw error;
    }
  }
  return registry;
}

/**
 * Refuses a directive outside the core space that grants a system-only capability, or whose scopes are
 * not valid patterns (DIRECTIVE_SYSTEM_CAP, PATTERN_*). Core status never comes from the directive's own
 * text: only the bundled core space (checked for its signer when used) may hold system capabilities.
 */
export function checkDirectiveCapabilities(
  directive: Directive,
  options: { registry: CapabilityRegistry; core: boolean },
) {
  const grants = permissionsToGrants(directive.metadata.permissions, {
    registry: options.registry,
    core: options.core,
    requireKnown: false,
  });
  assertNoSystemCaps(grants, { registry: options.registry, core: options.core, directive: directive.name });
}

/** Marks directives outside the core space that grant system capabilities (shown by `kiwi validate`). */
export function checkDirectives(library: Library, registry: CapabilityRegistry): void {
  for (const entry of library.entries("directive")) {
    if (entry.record?.parsed.itemType !== "directive") continue;
    try {
      checkDirectiveCapabilities(entry.record.parsed.data, { registry, core: entry.space.kind === "core" });
      entry.chainProblem = undefined;
    } catch (error) {
      if (!KiwiError.isInstance(error)) throw error;
      entry.chainProblem = error.toJSON();
    }
  }
}

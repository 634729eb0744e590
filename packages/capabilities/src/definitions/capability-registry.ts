import { KiwiError } from "@kiwi/spec";
import { type CapabilityDefinition, SYSTEM_FLOOR } from "./capability-definition";

/**
 * The known capabilities, merged from every trusted capability set. A name defined twice keeps the
 * strictest reading: system-only if any definition says so, scope required if any requires one.
 */
export class CapabilityRegistry {
  readonly #defs = new Map<string, CapabilityDefinition>();

  constructor(definitions: Iterable<CapabilityDefinition> = []) {
    for (const d of definitions) this.add(d);
  }

  add(definition: CapabilityDefinition): void {
    const old = this.#defs.get(definition.name);
    if (old && old.scope !== definition.scope) {
      throw new KiwiError({
        code: "VALIDATION_FAILED",
        message: `capability ${definition.name} is defined twice with different scopes (${old.scope}, ${definition.scope}): keep one definition`,
        context: { capability: definition.name },
      });
    }
    this.#defs.set(definition.name, {
      ...definition,
      system_only:
        definition.system_only || (old?.system_only ?? false) || SYSTEM_FLOOR.includes(definition.name),
      scope_required: definition.scope_required || (old?.scope_required ?? false),
    });
  }

  get(name: string): CapabilityDefinition | undefined {
    return this.#defs.get(name);
  }

  has(name: string): boolean {
    return this.#defs.has(name);
  }

  isSystemOnly(name: string): boolean {
    return SYSTEM_FLOOR.includes(name) || this.#defs.get(name)?.system_only === true;
  }

  names(): string[] {
    return [...this.#defs.keys()].sort();
  }
}

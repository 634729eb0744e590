import { KiwiError, type PrimitiveV1 } from "@kiwi/spec";

const ID = /^[a-z][a-z0-9_-]*$/;

/** The registered primitives: the only code a tool chain can end in. */
export class PrimitiveRegistry {
  readonly #primitives = new Map<string, PrimitiveV1>();

  constructor(primitives: Iterable<PrimitiveV1> = []) {
    for (const p of primitives) this.register(p);
  }

  register(primitive: PrimitiveV1): void {
    const candidate = primitive as Partial<PrimitiveV1> | undefined;
    if (candidate?.specificationVersion !== "primitive-v1") {
      throw new KiwiError({
        code: "PLUGIN_INVALID",
        message: `primitive '${String(candidate?.id)}' has specificationVersion '${String(candidate?.specificationVersion)}': this kernel knows primitive-v1`,
        context: { id: candidate?.id },
      });
    }
    if (typeof candidate.id !== "string" || !ID.test(candidate.id) || typeof candidate.run !== "function") {
      throw new KiwiError({
        code: "PLUGIN_INVALID",
        message: `a primitive needs a snake/kebab-case id and a run() method (got id '${String(candidate.id)}')`,
        context: { id: candidate.id },
      });
    }
    if (this.#primitives.has(candidate.id)) {
      throw new KiwiError({
        code: "PLUGIN_INVALID",
        message: `primitive '${candidate.id}' is registered twice`,
        context: { id: candidate.id },
      });
    }
    this.#primitives.set(candidate.id, primitive);
  }

  has(id: string): boolean {
    return this.#primitives.has(id);
  }

  get(id: string): PrimitiveV1 | undefined {
    return this.#primitives.get(id);
  }

  ids(): string[] {
    return [...this.#primitives.keys()].sort();
  }
}

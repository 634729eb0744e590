import type { permissionsToGrants } from "@kiwi/capabilities";
import type { Kernel } from "@kiwi/kernel";
import type { CostLimits } from "../budget";
import type { DirectiveRun } from "../directive-context";

/** A directive's `<model>` element. */
export interface DirectiveModel {
  readonly tier?: string;
  readonly id?: string;
  readonly fallback?: string;
}

/** A directive as `execute(directive, run)` returns it: verified, inputs checked, ready for a thread. */
export interface LoadedDirective extends DirectiveRun {
  readonly id: string;
  readonly category: string;
  readonly core: boolean;
  readonly metadata: {
    readonly cost?: CostLimits;
    readonly model?: DirectiveModel;
    /** The harness the directive asks for (`<harness id="…"/>`), by its definition's tool id. */
    readonly harness?: string;
    readonly permissions: Parameters<typeof permissionsToGrants>[0];
  };
  readonly spawn_requirements_missing: string[];
  readonly spawn_issues?: { field: string; message: string; fix?: string }[];
}

/**
 * Loads and verifies a directive through the kernel (as the local user: runtime code, not a model) with
 * its inputs checked. Throws the kernel's error (ITEM_NOT_FOUND, INTEGRITY_MISMATCH, PARAM_MISSING …).
 */
export async function loadDirective(
  kernel: Kernel,
  id: string,
  inputs: Record<string, unknown>,
): Promise<LoadedDirective> {
  return kernel.runDirective(id, inputs);
}

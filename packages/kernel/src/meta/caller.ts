import type { KernelContext } from "../kernel-context";
import type { CallOptions } from "../kernel-types";

/**
 * Asks the tool-layer guard whether the caller may use a meta-tool at all (a token needs `kiwi.<tool>`).
 * The kernel does not read the token: what its presence means is the guard's decision.
 */
export async function authorizeMetaTool(
  ctx: KernelContext,
  tool: "search" | "load" | "execute" | "help",
  options: CallOptions,
): Promise<void> {
  await ctx.authorizer?.({ kind: "meta", tool, meta: options.meta ?? {} });
}

/** Whether a write is the person's own act: the kernel is the CLI's, or the calling code acts for them. */
export function actsAsPerson(ctx: KernelContext, options: CallOptions): boolean {
  return ctx.personAtTerminal || options.asPerson === true;
}

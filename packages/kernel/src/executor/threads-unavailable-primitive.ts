import { KiwiError, type PrimitiveV1 } from "@kiwi/spec";

/**
 * The kernel's stand-in for the `threads` primitive behind the core thread tools (`thread_directive`,
 * `thread_control`, `thread_registry`): those tools stay valid items everywhere, and a kernel without a
 * thread runtime answers them with a clear TOOL_UNAVAILABLE. A thread runtime (`createThreadRuntime` in
 * @kiwi/kiwi-harness) registers the real one under the same id, which replaces this.
 */
export function createThreadsUnavailablePrimitive(): PrimitiveV1 {
  return {
    specificationVersion: "primitive-v1",
    id: "threads",
    description: "Placeholder: managed threads need a thread runtime.",
    async run({ context }) {
      throw new KiwiError({
        code: "TOOL_UNAVAILABLE",
        message: `${context.toolId} needs a thread runtime: run directives on threads with \`kiwi thread run\` or createThreadRuntime (@kiwi/kiwi-harness); this kernel (e.g. \`kiwi serve\`) has none`,
        context: { tool_id: context.toolId, primitive: "threads" },
      });
    },
  };
}

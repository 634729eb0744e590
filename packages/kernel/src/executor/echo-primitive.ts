import type { PrimitiveV1 } from "@kiwi/spec";

/**
 * `echo`: a pure primitive that returns the config and parameters it receives and touches nothing.
 * It makes chain resolution, merging and templating observable in tests, demos and benchmarks; real
 * work goes through http_client and subprocess.
 */
export function createEchoPrimitive(): PrimitiveV1 {
  return {
    specificationVersion: "primitive-v1",
    id: "echo",
    description: "Returns the merged, templated config and the validated parameters; no side effects.",
    async run({ config, params, context }) {
      return { success: true, config, params, chain: [...context.chain] };
    },
  };
}

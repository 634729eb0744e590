// The plugin kinds a host passes to `kernel.instantiatePlugin({itemId, kind})`: each checks the version
// tag and the shape of what a definition's `module` + `export` produces. The kernel only checks shapes;
// what a provider or harness is used for is up to the host (the thread tools, the CLI, an application).
import type { HarnessV1, ProviderV1 } from "@kiwi/spec";
import { z } from "zod";
import { SINK_KIND } from "../executor/stream-sinks";
import type { PluginKind } from "./plugin-loader";

export { SINK_KIND };

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === "function", "must be a function");

/**
 * The provider plugin kind: what `module` + `export` of a `tool_type: provider` definition must produce, a
 * `provider-v1` object (its optional `models` and `env` are checked too when present).
 */
export const PROVIDER_KIND: PluginKind<ProviderV1> = {
  name: "provider",
  specificationVersion: "provider-v1",
  shape: z.object({
    specificationVersion: z.literal("provider-v1"),
    id: z.string().min(1),
    threadTool: z.string().min(1),
    formatRequest: fn,
    createStreamParser: fn,
    models: z
      .object({
        costOf: fn,
        contextWindow: fn,
        maxOutputTokens: fn,
        tiers: z.record(z.string(), z.string().min(1)).optional(),
        owns: fn.optional(),
      })
      .optional(),
    env: z
      .object({
        apiKey: z.string().min(1).optional(),
        baseUrl: z.string().min(1).optional(),
        defaultBaseUrl: z.string().min(1).optional(),
      })
      .optional(),
  }) as unknown as z.ZodType<ProviderV1>,
};

/** The harness plugin kind: what a `tool_type: harness` definition must produce, a `harness-v1` object. */
export const HARNESS_KIND: PluginKind<HarnessV1> = {
  name: "harness",
  specificationVersion: "harness-v1",
  shape: z.object({
    specificationVersion: z.literal("harness-v1"),
    id: z.string().min(1),
    createRunner: fn,
  }) as unknown as z.ZodType<HarnessV1>,
};

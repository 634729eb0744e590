import type { PluginKind } from "./plugin-kind";
import { fn, literal, object, optional, record, shapeOf, text } from "./plugin-shape";
import type { ProviderV1 } from "./provider";

/**
 * The provider plugin kind: what `module` + `export` of a `tool_type: provider` definition must produce, a
 * `provider-v1` object (its optional `models` and `env` are checked too when present).
 */
export const PROVIDER_KIND: PluginKind<ProviderV1> = Object.freeze({
  name: "provider",
  specificationVersion: "provider-v1",
  shape: shapeOf<ProviderV1>(
    object({
      specificationVersion: literal("provider-v1"),
      id: text,
      threadTool: text,
      formatRequest: fn,
      createStreamParser: fn,
      models: optional(
        object({
          costOf: fn,
          contextWindow: fn,
          maxOutputTokens: fn,
          tiers: optional(record(text)),
          owns: optional(fn),
        }),
      ),
      env: optional(
        object({ apiKey: optional(text), baseUrl: optional(text), defaultBaseUrl: optional(text) }),
      ),
    }),
  ),
});

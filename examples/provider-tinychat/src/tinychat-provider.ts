import { createProviderModels } from "@kiwi/provider-utils";
import type { ProviderV1 } from "@kiwi/spec";
import { z } from "zod";
import { formatTinychatRequest } from "./format-tinychat-request";
import { loadPricing } from "./pricing";
import { createTinychatStreamParser } from "./tinychat-stream-parser";

/**
 * No settings: the endpoint, key, timeouts and retries are data in the tool YAML and the environment
 * (TINYCHAT_BASE_URL, TINYCHAT_API_KEY). A strict empty schema still makes a typo in YAML options fail.
 */
export const tinychatProviderSettingsSchema = z.strictObject({});
export type TinychatProviderSettings = z.input<typeof tinychatProviderSettingsSchema>;

/**
 * The `tinychat` provider (`provider-v1`): builds `tinychat_thread` parameters from the neutral request,
 * and parses the stream that thread tool returns into the neutral StreamState. The code never makes an
 * HTTP request: the kernel runs the thread tool's chain (tinychat_thread → tinychat_generate → http_client).
 * `models` carries the prices, limits and tiers of `data/pricing.yaml`; `env` names what the tools read.
 */
export function createTinychatProvider(settings: TinychatProviderSettings = {}): ProviderV1 {
  tinychatProviderSettingsSchema.parse(settings);
  return {
    specificationVersion: "provider-v1",
    id: "tinychat",
    threadTool: "tinychat_thread",
    formatRequest: formatTinychatRequest,
    createStreamParser: createTinychatStreamParser,
    models: createProviderModels({ pricing: loadPricing(), owns: (model) => model.startsWith("tiny-") }),
    env: {
      apiKey: "TINYCHAT_API_KEY",
      baseUrl: "TINYCHAT_BASE_URL",
      defaultBaseUrl: "https://api.tinychat.invalid",
    },
  };
}

createTinychatProvider.settingsSchema = tinychatProviderSettingsSchema;

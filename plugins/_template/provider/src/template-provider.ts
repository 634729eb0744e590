import { createProviderModels } from "@kiwi/provider-utils";
import type { ProviderV1 } from "@kiwi/spec";
import { z } from "zod";
import { formatTemplateRequest } from "./format-template-request";
import { loadPricing } from "./pricing";
import { createTemplateStreamParser } from "./template-stream-parser";

/**
 * The plugin's own settings schema: the loader validates the YAML options with it (unknown keys fail).
 * None yet: the endpoint, key, timeouts and retries are data in the tool YAML and the environment.
 */
export const templateProviderSettingsSchema = z.strictObject({});
export type TemplateProviderSettings = z.input<typeof templateProviderSettingsSchema>;

/**
 * The `template` provider (`provider-v1`): builds `template_thread` parameters from the neutral request and
 * parses the stream that thread tool returns. It never makes an HTTP request: the kernel runs the thread
 * tool's chain (template_thread → template_generate → http_client). `models` comes from
 * `data/pricing.yaml`; `env` names the variables the endpoint tool reads.
 */
export function createTemplateProvider(settings: TemplateProviderSettings = {}): ProviderV1 {
  templateProviderSettingsSchema.parse(settings);
  return {
    specificationVersion: "provider-v1",
    id: "template",
    threadTool: "template_thread",
    formatRequest: formatTemplateRequest,
    createStreamParser: createTemplateStreamParser,
    models: createProviderModels({ pricing: loadPricing(), owns: (model) => model.startsWith("template-") }),
    env: {
      apiKey: "TEMPLATE_API_KEY",
      baseUrl: "TEMPLATE_BASE_URL",
      defaultBaseUrl: "https://api.template.invalid",
    },
  };
}

createTemplateProvider.settingsSchema = templateProviderSettingsSchema;

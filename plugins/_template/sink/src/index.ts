// Public API, listed by name on purpose (no `export *`): what is not here is internal.

export type { TemplateSinkOptions, TemplateSinkSettings } from "./template-sink";
export { createTemplateSink, templateSinkSettingsSchema } from "./template-sink";

// Public API of @kiwi-examples/sink-jsonl-counter, listed by name on purpose (no `export *`): what is not
// here is internal. The data definition the kernel discovers is .ai/tools/sinks/jsonl_counter_sink.yaml.

export type { JsonlCounterSink } from "./jsonl-counter-sink";
export { createJsonlCounterSink } from "./jsonl-counter-sink";
export type { JsonlCounterSinkSettings } from "./jsonl-counter-sink-settings";
export { jsonlCounterSinkSettingsSchema } from "./jsonl-counter-sink-settings";

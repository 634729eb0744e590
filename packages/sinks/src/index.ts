// Public API of @kiwi/sinks (runtime-neutral part), listed by name on purpose (no `export *`): what is not
// here is internal. The file sink and path confinement need Node and live in "@kiwi/sinks/node", so
// runtime-neutral packages (the http_client primitive) can use the fan-out and the return sink.

export { closeSinks } from "./close-sinks";
export type { NullSink } from "./null-sink";
export { createNullSink, nullSinkSettingsSchema } from "./null-sink";
export type { ReturnedEvent, ReturnSink } from "./return-sink";
export { createReturnSink } from "./return-sink";
export type { SinkFanOut } from "./sink-fan-out";
export { createSinkFanOut } from "./sink-fan-out";

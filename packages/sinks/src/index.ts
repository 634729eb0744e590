// Public API of @kiwi/sinks (runtime-neutral part), listed by name on purpose (no `export *`): what is not
// here is internal. The file sink and path confinement need Node and live in "@kiwi/sinks/node", so
// runtime-neutral packages (the http_client primitive) can use the fan-out and the return sink.

export { closeSinks } from "./close-sinks";
export type { NullSink } from "./null-sink";
export { createNullSink, nullSinkSettingsSchema } from "./null-sink";
export type { Redactor, SecretMatcher } from "./redact/create-redactor";
export { createRedactor, REDACTED } from "./redact/create-redactor";
export { createRedactingSink, MAX_HELD_EVENTS, MAX_LANE_GAP_EVENTS } from "./redact/redacting-sink";
export { SecretAutomaton } from "./redact/secret-automaton";
export { MIN_ENCODED_SECRET_LENGTH, secretForms } from "./redact/secret-forms";
export { isTrivialValue, MIN_ENV_SECRET_LENGTH, MIN_SECRET_LENGTH, SecretSet } from "./redact/secret-set";
export { secretsFromEnv } from "./redact/secrets-from-env";
export type { ReturnedEvent, ReturnSink } from "./return-sink";
export { createReturnSink } from "./return-sink";
export type { SinkFanOut } from "./sink-fan-out";
export { createSinkFanOut } from "./sink-fan-out";

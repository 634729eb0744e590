// Public API of @kiwi/testing, listed by name on purpose (no `export *`): what is not here is internal.

export { largeEvents, normalizeEvent, orderedEvents, trickyEvents } from "./sink-events";
export type { MakeSink, SinkReadBackContext, SinkTestContext, TestSinkOptions } from "./test-sink";
export { testSink } from "./test-sink";

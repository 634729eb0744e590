// Public API of @kiwi/testing, listed by name on purpose (no `export *`): what is not here is internal.
// The signed-install fixture has its own entry, `@kiwi/testing/install`.

export type {
  CreateHarnessTestRuntime,
  HarnessTestKernel,
  HarnessTestProvider,
  HarnessTestRuntime,
  HarnessTestRuntimeOptions,
  HarnessTestThreadRow,
} from "./harness-test-world";
export { largeEvents, normalizeEvent, orderedEvents, trickyEvents } from "./sink-events";
export type { SseFixture } from "./sse-fixture";
export { asReturned, readSseFixture, sseEvents, sseFetch } from "./sse-fixture";
export type { TempProject, TempProjectOptions } from "./temp-project";
export { tempProject } from "./temp-project";
export type { TestHarnessOptions } from "./test-harness";
export { testHarness } from "./test-harness";
export type {
  ExpectedStreamState,
  MakeProvider,
  RecordedStream,
  TestProviderOptions,
} from "./test-provider";
export { testProvider } from "./test-provider";
export type { MakeSink, SinkReadBackContext, SinkTestContext, TestSinkOptions } from "./test-sink";
export { testSink } from "./test-sink";
export type {
  MakeThreadStore,
  StoreTestControl,
  StoreTestEvent,
  StoreTestLease,
  StoreTestStep,
  StoreTestThread,
  StoreUnderTest,
  TestThreadStoreOptions,
  ThreadStoreTestContext,
} from "./test-thread-store";
export { testThreadStore } from "./test-thread-store";

// Public API of @kiwi/fake-llm, listed by name on purpose (no `export *`): what is not here is internal.
// Node-only and free of vitest, so `kiwi demo` can import it at run time.

export { createFakeLlmServer } from "./create-fake-llm-server";
export { defaultDemoScript } from "./default-demo-script";
export { FakeScriptError, parseFakeScript } from "./parse-fake-script";
export type {
  FakeError,
  FakeRoute,
  FakeScript,
  FakeStopReason,
  FakeToolCall,
  FakeTurn,
  FakeUsage,
} from "./script";
export { EXHAUSTED_TURN } from "./script";
export type {
  FakeEndpoint,
  FakeLlmServer,
  FakeLlmServerOptions,
  RecordedRequest,
} from "./server-types";

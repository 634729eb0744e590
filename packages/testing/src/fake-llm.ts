// Public API of @kiwi/testing/fake-llm, listed by name on purpose (no `export *`): what is not here is
// internal. Node-only and free of vitest, so `kiwi demo` can import it at run time.

export { createFakeLlmServer } from "./fake-llm/create-fake-llm-server";
export { defaultDemoScript } from "./fake-llm/default-demo-script";
export { FakeScriptError, parseFakeScript } from "./fake-llm/parse-fake-script";
export type {
  FakeError,
  FakeRoute,
  FakeScript,
  FakeStopReason,
  FakeToolCall,
  FakeTurn,
  FakeUsage,
} from "./fake-llm/script";
export { EXHAUSTED_TURN } from "./fake-llm/script";
export type {
  FakeEndpoint,
  FakeLlmServer,
  FakeLlmServerOptions,
  RecordedRequest,
} from "./fake-llm/server-types";

// Test support (not exported): a minimal provider-v1 over a made-up wire ("ref": one JSON object per
// event, named by the SSE event), to run the provider suite on, and its recorded streams. A test breaks
// one part of it at a time to show each check of the suite fails when it should.
import { completeToolCall } from "@kiwi/provider-utils";
import {
  emptyStreamState,
  type ProviderStreamParser,
  type ProviderV1,
  type SinkEvent,
  type StreamingToolCall,
} from "@kiwi/spec";

type Data = Record<string, unknown>;

function createReferenceParser(): ProviderStreamParser {
  const state = emptyStreamState();
  const calls = new Map<unknown, StreamingToolCall>();
  let done = false;
  const end = (type: string, message: string) => {
    state.error = { type, message };
    state.stop_reason = "error";
    done = true;
  };
  const apply = (name: string, d: Data) => {
    if (name === "text" && typeof d.delta === "string") {
      if (state.text_blocks.length === 0) state.text_blocks.push("");
      state.text_blocks[0] += d.delta;
    } else if (name === "call") {
      const call = {
        index: calls.size,
        id: String(d.id),
        name: String(d.name),
        arguments_json: "",
        is_complete: false,
      };
      calls.set(d.index, call);
      state.tool_calls.push(call);
    } else if (name === "args" && typeof d.delta === "string") {
      const call = calls.get(d.index);
      if (call && !call.is_complete) call.arguments_json += d.delta;
    } else if (name === "end") {
      const call = calls.get(d.index);
      if (call && !call.is_complete) completeToolCall(call);
    } else if (name === "done") {
      for (const call of state.tool_calls) if (!call.is_complete) completeToolCall(call);
      const usage = d.usage as { input: number; output: number };
      state.usage.input_tokens = usage.input;
      state.usage.output_tokens = usage.output;
      state.stop_reason = d.reason === "calls" ? "tool_use" : "end_turn";
      state.clean_finish = true;
      done = true;
    } else if (name === "error") end(String(d.type), String(d.message));
  };
  return {
    state,
    push(event: SinkEvent) {
      state.events++;
      if (done) return;
      try {
        const data: unknown = typeof event.data === "string" ? JSON.parse(event.data) : event.data;
        if (typeof data !== "object" || data === null || Array.isArray(data))
          throw new Error("not an object");
        apply(event.event, data as Data);
      } catch (error) {
        end("invalid_event", (error as Error).message);
      }
    },
  };
}

/** The reference provider; `overrides` replace parts of it (a broken one, for the negative tests). */
export function referenceProvider(overrides: Partial<ProviderV1> = {}): ProviderV1 {
  return {
    specificationVersion: "provider-v1",
    id: "reference",
    threadTool: "reference_thread",
    formatRequest: ({ model, system, messages, tools, max_tokens }) => ({
      model,
      system,
      messages: structuredClone(messages),
      tools: structuredClone(tools),
      max_tokens,
    }),
    createStreamParser: createReferenceParser,
    models: {
      tiers: { balanced: "ref-1", fast: "ref-1" },
      costOf: (model, usage) =>
        model === "ref-1"
          ? {
              usd:
                (usage.input_tokens +
                  usage.cache_read_tokens +
                  usage.cache_creation_tokens +
                  4 * usage.output_tokens) /
                1e6,
            }
          : { unpriced: true },
      contextWindow: (model) => (model === "ref-1" || model === "ref-limits" ? 8000 : undefined),
      maxOutputTokens: (model) => (model === "ref-1" || model === "ref-limits" ? 1000 : undefined),
      owns: (model) => model.startsWith("ref-"),
    },
    env: { apiKey: "REF_API_KEY", baseUrl: "REF_BASE_URL", defaultBaseUrl: "https://ref.invalid" },
    ...overrides,
  };
}

const ev = (event: string, data: Data): SinkEvent => ({ event, data: JSON.stringify(data) });
const done = (reason: string) => ev("done", { reason, usage: { input: 12, output: 5 } });
const call = (index: number, ...pieces: string[]) => [
  ev("call", { index, id: `c${index}`, name: "get_weather" }),
  ...pieces.map((delta) => ev("args", { index, delta })),
];

/** The five recorded streams the suite asks for, in the reference wire format. */
export const REFERENCE_STREAMS = {
  text: { events: [ev("text", { delta: "Hel" }), ev("text", { delta: "lo." }), done("stop")] },
  toolCalls: {
    events: [
      ev("text", { delta: "Checking." }),
      ...call(0, '{"city"', ': "Paris"}'),
      ev("end", { index: 0 }),
      done("calls"),
    ],
    expected: { text_blocks: ["Checking."], tool_calls: [{ id: "c0", arguments: { city: "Paris" } }] },
  },
  cut: { events: [ev("text", { delta: "Writing." }), ...call(0, '{"path": "a', ".txt")] },
  brokenToolJson: { events: [...call(0, '{"path": '), ev("end", { index: 0 }), done("calls")] },
  error: {
    events: [ev("text", { delta: "Let me" }), ev("error", { type: "overloaded", message: "try later" })],
  },
};

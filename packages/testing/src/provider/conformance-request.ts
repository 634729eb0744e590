import type { ProviderRequest } from "@kiwi/spec";

/**
 * The neutral request the provider suite formats: every kind of message (user, assistant text with a tool
 * call, tool results with an error) and a tool. Each string is unique, so the suite can tell whether
 * `formatRequest` carried it into the wire format.
 */
export function conformanceRequest(model: string): ProviderRequest {
  return {
    model,
    system: "You are the conformance assistant (system marker 7d1e).",
    max_tokens: 512,
    tools: [
      {
        name: "get_weather",
        description: "Current weather for a city (tool marker 3b9f).",
        input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
      },
    ],
    messages: [
      { role: "user", content: "Weather in Paris and Lyon? (user marker 51c2)" },
      {
        role: "assistant",
        text: "Checking both (assistant marker a0e8).",
        tool_calls: [
          { id: "call_conformance_1", name: "get_weather", arguments: { city: "Paris" } },
          { id: "call_conformance_2", name: "get_weather", arguments: { city: "Lyon" } },
        ],
      },
      {
        role: "tool",
        results: [
          { tool_call_id: "call_conformance_1", content: "18 °C (result marker 6f4d)" },
          { tool_call_id: "call_conformance_2", content: "service down (error marker 92ab)", is_error: true },
        ],
      },
    ],
  };
}

/** What the formatted request must still contain, wherever the wire format puts it. */
export const CARRIED = [
  "system marker 7d1e",
  "tool marker 3b9f",
  "get_weather",
  "user marker 51c2",
  "assistant marker a0e8",
  "call_conformance_1",
  "call_conformance_2",
  "Paris",
  "Lyon",
  "result marker 6f4d",
  "error marker 92ab",
] as const;

/** Freezes a value and everything inside it, so a formatter that mutates its input throws. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

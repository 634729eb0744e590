import type { StreamState, ToolCall } from "@kiwi/spec";

/**
 * The tool calls of a response that may run: closed by the provider and parsed into an object. A partial
 * call (the stream was cut before it closed) or one whose JSON did not parse is never executed and never
 * "repaired".
 */
export function completedCalls(state: StreamState): { ready: ToolCall[]; dropped: number } {
  const ready: ToolCall[] = [];
  for (const c of state.tool_calls) {
    if (c.is_complete && !c.parse_error && c.arguments && c.id && c.name) {
      ready.push({ id: c.id, name: c.name, arguments: c.arguments });
    }
  }
  return { ready, dropped: state.tool_calls.length - ready.length };
}

import type { StreamingToolCall } from "@kiwi/spec";

/**
 * Closes a streamed tool call and parses its accumulated arguments. An empty text means "no arguments"
 * (`{}`); text that is not JSON, or JSON that is not an object, sets `parse_error` and leaves
 * `arguments` unset: such a call is never executed, and never repaired (a guessed argument is worse
 * than a refused call).
 */
export function completeToolCall(call: StreamingToolCall): void {
  call.is_complete = true;
  if (call.name === "") {
    call.parse_error = "the tool call has no name";
    return;
  }
  const text = call.arguments_json;
  if (text === "") {
    call.arguments = {};
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    call.parse_error = `arguments are not valid JSON: ${(error as Error).message}`;
    return;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    const kind = parsed === null ? "null" : Array.isArray(parsed) ? "an array" : `a ${typeof parsed}`;
    call.parse_error = `arguments must be a JSON object, got ${kind}`;
    return;
  }
  call.arguments = parsed as Record<string, unknown>;
}

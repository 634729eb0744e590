// The Template API's wire format, written out the way a real provider plugin writes out (or imports the
// types of) its API's request and stream shapes. Replace all of it with your API's.
//
// Request: POST {base}/v1/generate, `authorization: Bearer <key>`, JSON body `TemplateRequestParams` plus
// `stream: true`. Response: server-sent events whose data is one JSON object with a `type`:
//
//   {type: "start", id, model}                                  the response begins
//   {type: "text", text}                                        text, appended to the current text block
//   {type: "tool_call_start", index, id, name}                  a tool call opens
//   {type: "tool_call_delta", index, json}                      a piece of the call's JSON arguments
//   {type: "tool_call_end", index}                              the call's arguments are complete
//   {type: "done", stop_reason, usage: {input_tokens, output_tokens, cached_tokens}}   the end marker
//   {type: "error", error: {type, message}}                     the server gave up mid-stream

export type TemplateMessage =
  | { role: "user"; content: string }
  | {
      role: "assistant";
      content: string;
      tool_calls: { id: string; name: string; input: Record<string, unknown> }[];
    }
  | { role: "tool"; tool_call_id: string; content: string; is_error: boolean };

export interface TemplateTool {
  name: string;
  description: string;
  input_schema: Record<string, unknown>;
}

/** The parameters of `template_thread` / `template_generate` (besides `thread_id`): the request body. */
export type TemplateRequestParams = {
  model: string;
  system: string;
  messages: TemplateMessage[];
  tools: TemplateTool[];
  max_tokens: number;
};

export type TemplateStopReason = "end_turn" | "tool_use" | "max_tokens" | "refusal";

// The Tinychat wire format. Tinychat is made up for this example; its shapes are written out here the way a
// real provider plugin writes out (or imports types for) its API's request and stream event shapes.
//
// Request: POST {base}/v1/generate, `authorization: Bearer <key>`, JSON body `TinychatRequestParams` plus
// `stream: true`. Response: server-sent events, one JSON object per event, named by the SSE `event:` field:
//
//   start       {id, model}
//   text        {delta}                           text, appended to the current text block
//   call_begin  {index, call_id, tool}            a tool call opens
//   call_input  {index, delta}                    a piece of the call's JSON arguments
//   call_end    {index}                           the call's arguments are complete
//   finish      {reason, usage}                   the end marker: reason stop | calls | length | refused
//   error       {kind, message}                   the server gave up mid-stream

/** One turn of a Tinychat conversation. */
export type TinychatTurn =
  | { role: "user"; text: string }
  | {
      role: "model";
      text: string;
      calls: { call_id: string; tool: string; input: Record<string, unknown> }[];
    }
  | { role: "results"; results: { call_id: string; output: string; error: boolean }[] };

/** A function the model may call. */
export interface TinychatFunction {
  name: string;
  about: string;
  schema: Record<string, unknown>;
}

/** The parameters of `tinychat_thread` / `tinychat_generate` (besides `thread_id`): the request body. */
export type TinychatRequestParams = {
  model: string;
  instructions: string;
  turns: TinychatTurn[];
  functions: TinychatFunction[];
  limit: number;
};

/** Token counts of a `finish` event. `prompt` includes the `cached` tokens. */
export interface TinychatUsage {
  prompt: number;
  completion: number;
  cached: number;
}

export type TinychatFinishReason = "stop" | "calls" | "length" | "refused";

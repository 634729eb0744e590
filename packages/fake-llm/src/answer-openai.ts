import type { AnswerOptions } from "./answer-anthropic";
import { openaiChunks, openaiCompletion, openaiErrorBody, openaiFrame } from "./openai-wire";
import { randomId } from "./random-id";
import { errorHeaders, SSE_HEADERS, sendJson, statusForErrorType } from "./send-json";
import { writeBody } from "./write-body";

function includesUsage(body: Record<string, unknown>): boolean {
  const options = body.stream_options;
  return typeof options === "object" && options !== null && "include_usage" in options
    ? options.include_usage === true
    : false;
}

/** Answers `POST /v1/chat/completions` from one planned turn. */
export async function answerOpenai({ res, turn, body, signal }: AnswerOptions): Promise<void> {
  const requestId = randomId("req_", 32);
  const streaming = body.stream === true;
  const status =
    turn.httpStatus ?? (!streaming && turn.error ? statusForErrorType(turn.error.type) : undefined);
  if (status !== undefined) {
    const message = turn.error?.message ?? `scripted HTTP ${status} from the fake LLM server`;
    const errorBody = openaiErrorBody(status, message, turn.error?.type);
    sendJson(res, status, errorBody, errorHeaders(status, "x-request-id", requestId));
    return;
  }
  const id = randomId("chatcmpl-", 29);
  const created = Math.floor(Date.now() / 1000);
  let frames: string[];
  if (streaming) {
    res.writeHead(200, { ...SSE_HEADERS, "x-request-id": requestId });
    const chunks = openaiChunks(turn, { id, created, includeUsage: includesUsage(body) });
    frames = chunks.map(openaiFrame);
  } else {
    const text = JSON.stringify(openaiCompletion(turn, { id, created }));
    res.writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      "x-request-id": requestId,
    });
    frames = [text];
  }
  await writeBody({ res, frames, delayMs: turn.delayMs, dropAfterBytes: turn.dropAfterBytes, signal });
}

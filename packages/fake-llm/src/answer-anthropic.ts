import type { ServerResponse } from "node:http";
import { anthropicErrorBody, anthropicEvents, anthropicFrame, anthropicMessage } from "./anthropic-wire";
import type { PlannedTurn } from "./plan-turn";
import { randomId } from "./random-id";
import { errorHeaders, SSE_HEADERS, sendJson, statusForErrorType } from "./send-json";
import { writeBody } from "./write-body";

export interface AnswerOptions {
  readonly res: ServerResponse;
  readonly turn: PlannedTurn;
  readonly body: Record<string, unknown>;
  readonly signal: AbortSignal;
}

/** Answers `POST /v1/messages` from one planned turn. */
export async function answerAnthropic({ res, turn, body, signal }: AnswerOptions): Promise<void> {
  const requestId = randomId("req_01", 22);
  const streaming = body.stream === true;
  const status =
    turn.httpStatus ?? (!streaming && turn.error ? statusForErrorType(turn.error.type) : undefined);
  if (status !== undefined) {
    const message = turn.error?.message ?? `scripted HTTP ${status} from the fake LLM server`;
    const errorBody = anthropicErrorBody(status, message, turn.error?.type);
    sendJson(res, status, errorBody, errorHeaders(status, "request-id", requestId));
    return;
  }
  const messageId = randomId("msg_01", 22);
  let frames: string[];
  if (streaming) {
    res.writeHead(200, { ...SSE_HEADERS, "request-id": requestId });
    frames = anthropicEvents(turn, messageId).map(anthropicFrame);
  } else {
    const text = JSON.stringify(anthropicMessage(turn, messageId));
    res.writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      "request-id": requestId,
    });
    frames = [text];
  }
  await writeBody({ res, frames, delayMs: turn.delayMs, dropAfterBytes: turn.dropAfterBytes, signal });
}

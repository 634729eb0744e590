// Public API of the transcript modules, listed by name on purpose (no `export *`): what is not here is internal.

export type { FollowTranscriptOptions } from "./follow-transcript";
export { followTranscript } from "./follow-transcript";
export type { ReadTranscriptOptions, ReadTranscriptResult } from "./read-transcript";
export { readTranscript } from "./read-transcript";
export { createRedactor, REDACTED, secretsFromEnv } from "./redactor";
export { TranscriptErrorCode } from "./transcript-errors";
export type { ParsedLine, TranscriptEvent, TranscriptEventType } from "./transcript-format";
export {
  MAX_TRANSCRIPT_LINE_BYTES,
  parseTranscriptLine,
  TORN_LINE_WARNING_CODE,
  TRANSCRIPT_EVENT_TYPES,
  TRANSCRIPT_FORMAT_VERSION,
} from "./transcript-format";
export type { TranscriptWriterOptions } from "./transcript-writer";
export { TranscriptWriter } from "./transcript-writer";

import type { KiwiError } from "@kiwi/spec";
import { httpFailure } from "./http-failure";

/** STREAM_TOO_LARGE: more bytes than stream.max_total_bytes (counted after decompression). */
export function streamTooLarge(max: number): KiwiError {
  return httpFailure(
    "STREAM_TOO_LARGE",
    `the stream sent more than stream.max_total_bytes (${max}) bytes after decompression`,
    {
      context: { limit_bytes: max },
    },
  );
}

export function bufferFull(max: number): KiwiError {
  return httpFailure(
    "STREAM_BUFFER_FULL",
    `more than stream.max_buffer_size (${max}) events for the return destination: raise it, or send the stream to a file sink`,
    {
      context: { max_buffer_size: max },
    },
  );
}

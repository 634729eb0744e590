import { httpFailure } from "./http-failure";
import type { ResponseHeaders, TransportResponse } from "./http-transport";

/** Lower-cased response headers as a plain record. */
export function headerRecord(headers: ResponseHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

/**
 * Reads at most `limit` bytes of a body; a longer body is cancelled and fails RESPONSE_TOO_LARGE. `onChunk`
 * sees each chunk as it arrives: returning true stops reading there (the body is what arrived so far), and
 * what it throws fails the read at once.
 */
export async function readBodyBytes(
  response: TransportResponse,
  limit: number,
  onChunk?: (chunk: Uint8Array) => boolean,
): Promise<Uint8Array> {
  const tooLarge = () =>
    httpFailure(
      "RESPONSE_TOO_LARGE",
      `the response body is larger than max_response_bytes (${limit}); raise it if expected`,
      {
        context: { limit_bytes: limit, status: response.status },
      },
    );
  const declared = Number(response.headers.get("content-length"));
  if (declared > limit) {
    await response.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const value = await response.read();
    if (value === undefined) break;
    size += value.byteLength;
    if (size > limit) {
      await response.cancel();
      throw tooLarge();
    }
    chunks.push(value);
    let stop = false;
    try {
      stop = onChunk?.(value) === true;
    } catch (error) {
      await response.cancel();
      throw error;
    }
    if (stop) {
      await response.cancel();
      break;
    }
  }
  if (chunks.length === 0) return new Uint8Array(0);
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/** JSON when the content type says JSON (`application/json`, `…+json`) and the text parses; text otherwise. */
export function decodeBody(bytes: Uint8Array, contentType: string | null): unknown {
  const text = new TextDecoder().decode(bytes);
  if (text && contentType && /\bjson\b|\+json/i.test(contentType)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

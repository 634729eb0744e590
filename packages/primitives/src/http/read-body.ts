import { httpFailure } from "./http-failure";

/** Lower-cased response headers as a plain record. */
export function headerRecord(headers: Headers): Record<string, string> {
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
  response: Response,
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
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
    let stop = false;
    try {
      stop = onChunk?.(value) === true;
    } catch (error) {
      await reader.cancel().catch(() => undefined);
      throw error;
    }
    if (stop) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
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

import { Transform, type TransformCallback } from "node:stream";
import { constants, createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from "node:zlib";
import type { KiwiError } from "@kiwi/spec";
import { httpFailure } from "./http-failure";

/** What the Node transport asks for; fetch decodes the same three. */
export const ACCEPT_ENCODING = "gzip, deflate, br";

// Flush every input chunk through (an SSE event must not wait for the next compressed block) and accept a
// stream cut at a block boundary the way fetch does.
const ZLIB = { flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH };
const BROTLI = {
  flush: constants.BROTLI_OPERATION_FLUSH,
  finishFlush: constants.BROTLI_OPERATION_FLUSH,
};

/** `deflate` is meant to be zlib-wrapped, but servers send raw deflate too: the first byte tells which. */
class DeflateDecoder extends Transform {
  private inner: Transform | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (!this.inner) {
      const inner = (chunk[0]! & 0x0f) === 0x08 ? createInflate(ZLIB) : createInflateRaw(ZLIB);
      inner.on("data", (data: Buffer) => this.push(data));
      inner.on("error", (error) => this.destroy(error));
      this.inner = inner;
    }
    this.inner.write(chunk, () => done());
  }

  override _flush(done: TransformCallback): void {
    if (!this.inner) {
      done();
      return;
    }
    this.inner.once("end", () => done());
    this.inner.end();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.inner?.destroy();
    done(error);
  }
}

function unsupported(coding: string, status: number): KiwiError {
  return httpFailure(
    "PARSE_UNSUPPORTED",
    `the response is encoded with content-encoding '${coding.slice(0, 40)}', which http_client cannot decode (it asks for ${ACCEPT_ENCODING})`,
    { context: { content_encoding: coding.slice(0, 40), status } },
  );
}

/**
 * The decoders for a `content-encoding` header, in the order the body goes through them (the last coding
 * applied is undone first). `identity` is no coding; any other unknown coding fails PARSE_UNSUPPORTED.
 */
export function contentDecoders(header: string | null, status: number): Transform[] {
  if (!header) return [];
  const codings = header
    .toLowerCase()
    .split(",")
    .map((c) => c.trim())
    .filter((c) => c !== "" && c !== "identity");
  return codings.reverse().map((coding) => {
    if (coding === "gzip" || coding === "x-gzip") return createGunzip(ZLIB);
    if (coding === "deflate") return new DeflateDecoder();
    if (coding === "br") return createBrotliDecompress(BROTLI);
    throw unsupported(coding, status);
  });
}

import { parseFailure } from "./parse-failure";

export interface DecodeItemBytesOptions {
  file: string;
  /** Largest accepted size in bytes; checked before anything else looks at the content. */
  maxBytes: number;
}

const SAVE_AS_UTF8 = "save the file as UTF-8 without a byte-order mark";

/**
 * Steps 1-2 of the item pipeline: size cap, then strict UTF-8. The size check comes first so a huge
 * file costs nothing more than its length; the encoding rules keep every later step (signature, parser,
 * schema) working on exactly one interpretation of the bytes.
 */
export function decodeItemBytes(bytes: Uint8Array, opts: DecodeItemBytesOptions): string {
  const { file, maxBytes } = opts;
  if (bytes.byteLength > maxBytes) {
    throw parseFailure("PARSE_TOO_LARGE", {
      file,
      message: `the file is ${bytes.byteLength} bytes, more than the ${maxBytes}-byte limit for items; split it into smaller items`,
    });
  }
  const [b0, b1, b2] = bytes;
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) {
    throw parseFailure("PARSE_ENCODING", {
      file,
      message: `the file starts with a UTF-8 byte-order mark; ${SAVE_AS_UTF8}`,
    });
  }
  // FE FF / FF FE also cover the UTF-32 little-endian mark (FF FE 00 00).
  if ((b0 === 0xfe && b1 === 0xff) || (b0 === 0xff && b1 === 0xfe)) {
    throw parseFailure("PARSE_ENCODING", {
      file,
      message: `the file is UTF-16 (it has a UTF-16 byte-order mark); ${SAVE_AS_UTF8}`,
    });
  }
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    throw parseFailure("PARSE_ENCODING", {
      file,
      message: `the file contains a NUL byte at offset ${nul} (binary or UTF-16/32 content); ${SAVE_AS_UTF8}`,
    });
  }
  try {
    // ignoreBOM: true keeps a BOM in the output instead of silently dropping it; it was rejected above anyway.
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (cause) {
    throw parseFailure("PARSE_ENCODING", {
      file,
      message: `the file is not valid UTF-8; ${SAVE_AS_UTF8}`,
      cause,
    });
  }
}

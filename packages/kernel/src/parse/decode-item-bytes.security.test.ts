import { describe, expect, it } from "vitest";
import { codeOf } from "../test-support/errors";
import { decodeItemBytes } from "./decode-item-bytes";

const opts = { file: "directives/x/d.md", maxBytes: 256 * 1024 };

describe("decodeItemBytes against hostile bytes (battery Y7, X3, X12)", () => {
  it("Y7: refuses a 50 MiB file by its size alone, before decoding", () => {
    // Invalid UTF-8 everywhere: if the size were not checked first, the error would be PARSE_ENCODING.
    const huge = new Uint8Array(50 * 1024 * 1024).fill(0xff);
    expect(codeOf(() => decodeItemBytes(huge, opts))).toBe("PARSE_TOO_LARGE");
  });

  it("Y7: refuses a 10 MiB single scalar", () => {
    const bytes = new TextEncoder().encode(`description: ${"x".repeat(10 * 1024 * 1024)}`);
    expect(codeOf(() => decodeItemBytes(bytes, opts))).toBe("PARSE_TOO_LARGE");
  });

  it("X3: refuses 10^6 numeric character references by size (nothing gets decoded)", () => {
    const bytes = new TextEncoder().encode(`<directive>${"&#65;".repeat(1_000_000)}</directive>`);
    expect(codeOf(() => decodeItemBytes(bytes, opts))).toBe("PARSE_TOO_LARGE");
  });

  it.each([
    ["a UTF-8 BOM", [0xef, 0xbb, 0xbf, 0x61]],
    ["a UTF-16 LE BOM", [0xff, 0xfe, 0x61, 0x00]],
    ["a UTF-16 BE BOM", [0xfe, 0xff, 0x00, 0x61]],
    ["UTF-16 without a BOM (NUL bytes)", [0x61, 0x00, 0x62, 0x00]],
    ["a NUL byte", [0x61, 0x00, 0x62]],
    ["invalid UTF-8 (lone continuation byte)", [0x61, 0x80, 0x62]],
    ["an overlong encoding of '/'", [0xc0, 0xaf]],
    ["an encoded surrogate", [0xed, 0xa0, 0x80]],
    ["a truncated sequence", [0x61, 0xe2, 0x82]],
  ])("X12: refuses %s with PARSE_ENCODING", (_name, bytes) => {
    expect(codeOf(() => decodeItemBytes(new Uint8Array(bytes), opts))).toBe("PARSE_ENCODING");
  });
});

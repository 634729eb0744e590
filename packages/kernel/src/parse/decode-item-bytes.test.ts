import { describe, expect, it } from "vitest";
import { failure } from "../test-support/errors";
import { decodeItemBytes } from "./decode-item-bytes";

const opts = { file: "tools/x/t.yaml", maxBytes: 64 };
const utf8 = (text: string) => new TextEncoder().encode(text);

describe("decodeItemBytes", () => {
  it("decodes UTF-8 text, including non-ASCII characters", () => {
    expect(decodeItemBytes(utf8("name: café ✓\n"), opts)).toBe("name: café ✓\n");
  });

  it("accepts a file of exactly maxBytes and refuses one byte more", () => {
    expect(decodeItemBytes(utf8("a".repeat(64)), opts)).toHaveLength(64);
    const error = failure(() => decodeItemBytes(utf8("a".repeat(65)), opts));
    expect(error.code).toBe("PARSE_TOO_LARGE");
    expect(error.context.file).toBe(opts.file);
    expect(error.message).toContain("64-byte limit");
  });

  it("names the file and says how to fix an encoding problem", () => {
    const error = failure(() => decodeItemBytes(new Uint8Array([0xc3, 0x28]), opts));
    expect(error.code).toBe("PARSE_ENCODING");
    expect(error.context).toMatchObject({ file: opts.file });
    expect(error.message).toContain("save the file as UTF-8");
  });
});

import { describe, expect, it } from "vitest";
import { formatSignatureLine, splitSignature } from "./signature-line";

const line = {
  keyId: "ed25519:AAAAAAAAAAAAAAAA",
  signedAt: "2026-11-25T20:00:00Z",
  signature: "A".repeat(86),
};

describe("signature lines", () => {
  it("round-trips for markdown and YAML items, leaving the exact body bytes", () => {
    for (const type of ["directive", "tool", "knowledge"] as const) {
      const body = Buffer.from("body\r\nwith CRLF\n");
      const file = Buffer.concat([Buffer.from(formatSignatureLine(type, line)), body]);
      const split = splitSignature(type, file);
      expect(split.kind).toBe("signed");
      if (split.kind === "signed") expect(split.line).toEqual(line);
      expect(Buffer.from(split.body).equals(body)).toBe(true);
    }
    expect(formatSignatureLine("tool", line).startsWith("# kiwi:signature v1 ")).toBe(true);
    expect(formatSignatureLine("directive", line).startsWith("<!-- kiwi:signature v1 ")).toBe(true);
  });

  it("treats files without the marker as unsigned and near-misses as malformed", () => {
    expect(splitSignature("tool", Buffer.from("tool_id: x\n")).kind).toBe("unsigned");
    expect(splitSignature("tool", Buffer.from("# kiwi:signature v1 key=bad\nx")).kind).toBe("malformed");
    const noNewline = formatSignatureLine("tool", line).trimEnd();
    expect(splitSignature("tool", Buffer.from(noNewline)).kind).toBe("malformed");
    // A markdown marker in a YAML file is just content.
    expect(splitSignature("tool", Buffer.from(formatSignatureLine("directive", line))).kind).toBe("unsigned");
  });
});

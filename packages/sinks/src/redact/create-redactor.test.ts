import { describe, expect, it } from "vitest";
import { createRedactor, REDACTED } from "./create-redactor";
import { SecretSet } from "./secret-set";

describe("createRedactor", () => {
  it("replaces every occurrence of every secret", () => {
    const redact = createRedactor(["sk-canary-7f3a9b", "hunter22"]);
    expect(redact("a sk-canary-7f3a9b b hunter22 c sk-canary-7f3a9b")).toBe(
      `a ${REDACTED} b ${REDACTED} c ${REDACTED}`,
    );
  });

  it("replaces the JSON-escaped form, so a serialised line stays valid JSON", () => {
    const secret = 'pa"ss\\word';
    const redact = createRedactor([secret]);
    const line = JSON.stringify({ x: `before ${secret} after` });
    expect(line).not.toContain(secret);
    const out = redact(line);
    expect(out).toBe(JSON.stringify({ x: `before ${REDACTED} after` }));
    expect(JSON.parse(out)).toEqual({ x: `before ${REDACTED} after` });
  });

  it("replaces base64 (any alignment) and URL-encoded forms", () => {
    const secret = "s3cr3t-value/with+chars";
    const redact = createRedactor([secret]);
    for (const prefix of ["", "a", "ab", "abc"]) {
      const blob = Buffer.from(`${prefix}${secret}!`).toString("base64");
      expect(redact(blob), prefix).toContain(REDACTED);
    }
    expect(redact(`https://x.test/?key=${encodeURIComponent(secret)}`)).toBe(
      `https://x.test/?key=${REDACTED}`,
    );
  });

  it("matches longer secrets first", () => {
    const redact = createRedactor(["abcd", "abcdefgh"]);
    expect(redact("xabcdefghx abcd")).toBe(`x${REDACTED}x ${REDACTED}`);
  });

  it("ignores secrets shorter than 4 characters and treats regex characters literally", () => {
    const redact = createRedactor(["abc", "", "a.b*c+", "(x|y)"]);
    expect(redact("abc a.b*c+ aXbbc (x|y) x")).toBe(`abc ${REDACTED} aXbbc ${REDACTED} x`);
  });

  it("is the identity without secrets", () => {
    expect(createRedactor([])("anything")).toBe("anything");
  });

  it("follows a SecretSet as it grows", () => {
    const set = new SecretSet();
    const redact = createRedactor(set);
    expect(redact("the token ghp_later_added_1234")).toBe("the token ghp_later_added_1234");
    set.add("ghp_later_added_1234");
    expect(redact("the token ghp_later_added_1234")).toBe(`the token ${REDACTED}`);
  });
});

import { describe, expect, it } from "vitest";
import { createRedactor, REDACTED, secretsFromEnv } from "./redactor";

describe("createRedactor", () => {
  it("replaces every occurrence of every secret", () => {
    const redact = createRedactor(["sk-canary-7f3a9b", "hunter22"]);
    expect(redact("a sk-canary-7f3a9b b hunter22 c sk-canary-7f3a9b")).toBe(
      `a ${REDACTED} b ${REDACTED} c ${REDACTED}`,
    );
  });

  it("replaces the JSON-escaped form of a secret", () => {
    const secret = 'pa"ss\\word';
    const redact = createRedactor([secret]);
    const line = JSON.stringify({ x: `before ${secret} after` });
    expect(line).not.toContain(secret);
    const out = redact(line);
    expect(out).toBe(JSON.stringify({ x: `before ${REDACTED} after` }));
    expect(JSON.parse(out)).toEqual({ x: `before ${REDACTED} after` });
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
});

describe("secretsFromEnv", () => {
  it("takes values of secret-looking names that are at least 8 characters", () => {
    const env = {
      OPENAI_API_KEY: "sk-123456789",
      GITHUB_TOKEN: "ghp_abcdefgh",
      db_password: "correct horse",
      MY_SECRET: "short",
      AUTH_HEADER: "Bearer abcdefgh",
      AWS_CREDENTIALS_FILE: "/home/me/.aws/creds",
      HOME: "/home/me/somewhere",
      PATH: "/usr/bin:/bin:/usr/local/bin",
      EMPTY_KEY: undefined,
    };
    expect(secretsFromEnv(env).sort()).toEqual(
      ["sk-123456789", "ghp_abcdefgh", "correct horse", "Bearer abcdefgh", "/home/me/.aws/creds"].sort(),
    );
  });

  it("reads process.env by default", () => {
    expect(Array.isArray(secretsFromEnv())).toBe(true);
  });
});

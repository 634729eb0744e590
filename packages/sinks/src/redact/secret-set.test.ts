import { describe, expect, it } from "vitest";
import { isTrivialValue, SecretSet } from "./secret-set";
import { secretsFromEnv } from "./secrets-from-env";

describe("SecretSet", () => {
  it("keeps explicit secrets of 4 characters or more, and moves its version when one is new", () => {
    const set = new SecretSet(["abc", "abcd"]);
    expect(set.values()).toEqual(["abcd"]);
    const v = set.version;
    expect(set.add("abcd")).toBe(false);
    expect(set.version).toBe(v);
    expect(set.add("efgh")).toBe(true);
    expect(set.version).toBe(v + 1);
  });

  it("skips environment values that are short, common words or small numbers", () => {
    for (const value of ["1", "true", "8080", "production", "LOCALHOST", "2023-06", "1234567890"]) {
      expect(isTrivialValue(value), value).toBe(true);
    }
    for (const value of [
      "postgres://u:pw@db/app",
      "ghp_abcdefghijklmnop",
      "12345678901234",
      "http://127.0.0.1:8080",
    ]) {
      expect(isTrivialValue(value), value).toBe(false);
    }
    const set = new SecretSet();
    expect(set.addFromEnv("true")).toBe(false);
    expect(set.addFromEnv("ghp_abcdefghijklmnop")).toBe(true);
  });

  it("takes the password of a URL value as a secret of its own", () => {
    const set = new SecretSet();
    set.addFromEnv("postgres://app:p%40ss-word@db.internal:5432/app");
    expect(set.values().sort()).toEqual(["p@ss-word", "postgres://app:p%40ss-word@db.internal:5432/app"]);
    set.addFromEnv("https://user@example.com/x");
    expect(set.size).toBe(3);
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
      SESSION_COOKIE: "s%3Aabcdefgh",
      AWS_CREDENTIALS_FILE: "/home/me/.aws/creds",
      HOME: "/home/me/somewhere",
      PATH: "/usr/bin:/bin:/usr/local/bin",
      EMPTY_KEY: undefined,
    };
    expect(secretsFromEnv(env).sort()).toEqual(
      [
        "sk-123456789",
        "ghp_abcdefgh",
        "correct horse",
        "Bearer abcdefgh",
        "s%3Aabcdefgh",
        "/home/me/.aws/creds",
      ].sort(),
    );
  });
});

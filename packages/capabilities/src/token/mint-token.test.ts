import { generateKeyPairSync } from "node:crypto";
import { decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { mintToken } from "./mint-token";
import { FROZEN_MS, FROZEN_SECONDS, makeKeys, rejection, type TestKeys } from "./token-test-kit";

let keys: TestKeys;
beforeAll(async () => {
  keys = await makeKeys();
});

const now = () => FROZEN_MS;
const base = () => ({ key: keys.key, directiveId: "demo/hello", threadId: "thread-a", now });

describe("mintToken", () => {
  it("mints an EdDSA kiwi-cap+jwt with the pinned header and claims", async () => {
    const grants = [{ cap: "fs.read", scope: "src/**" }, { cap: "kiwi.search" }];
    const { token, claims } = await mintToken({ ...base(), grants });
    expect(decodeProtectedHeader(token)).toEqual({ alg: "EdDSA", typ: "kiwi-cap+jwt", kid: keys.key.keyId });
    expect(decodeJwt(token)).toEqual({ ...claims });
    expect(claims).toMatchObject({
      caps: grants,
      aud: "kiwi-tools",
      iss: "kiwi-harness",
      iat: FROZEN_SECONDS,
      nbf: FROZEN_SECONDS,
      exp: FROZEN_SECONDS + 900,
      directive_id: "demo/hello",
      thread_id: "thread-a",
      parent_jti: null,
    });
    expect(claims.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Object.isFrozen(claims) && Object.isFrozen(claims.caps) && Object.isFrozen(claims.caps[0])).toBe(
      true,
    );
    // The bare library accepts it with Kiwi's options: the format is plain RFC 7519.
    const verified = await jwtVerify(token, keys.key.publicKey, {
      algorithms: ["EdDSA"],
      currentDate: new Date(FROZEN_MS),
    });
    expect(verified.payload.thread_id).toBe("thread-a");
  });

  it("gives each token a fresh 128-bit jti", async () => {
    const jtis = new Set<string>();
    for (let i = 0; i < 20; i++) jtis.add((await mintToken({ ...base(), grants: [] })).claims.jti);
    expect(jtis.size).toBe(20);
  });

  it("carries parent_jti, custom audience, issuer and ttl", async () => {
    const { claims } = await mintToken({
      ...base(),
      grants: [],
      parentJti: "parent-1",
      audience: "kiwi-other",
      issuer: "kiwi-test",
      ttlSeconds: 60,
    });
    expect(claims).toMatchObject({ parent_jti: "parent-1", aud: "kiwi-other", iss: "kiwi-test" });
    expect(claims.exp - claims.iat).toBe(60);
  });

  it("clamps exp to notAfter so a child never outlives its parent (G3)", async () => {
    const clamped = await mintToken({
      ...base(),
      grants: [],
      ttlSeconds: 3600,
      notAfter: FROZEN_SECONDS + 30,
    });
    expect(clamped.claims.exp).toBe(FROZEN_SECONDS + 30);
    const later = await mintToken({ ...base(), grants: [], ttlSeconds: 60, notAfter: FROZEN_SECONDS + 3600 });
    expect(later.claims.exp).toBe(FROZEN_SECONDS + 60);
    for (const notAfter of [FROZEN_SECONDS, FROZEN_SECONDS - 1]) {
      await rejection(mintToken({ ...base(), grants: [], notAfter }), {
        code: "INVALID_INPUT",
        reason: "parent_expired",
      });
    }
  });

  it("keeps the lifetime between 1 s and 24 h", async () => {
    const max = await mintToken({ ...base(), grants: [], ttlSeconds: 86_400 });
    expect(max.claims.exp - max.claims.iat).toBe(86_400);
    for (const ttlSeconds of [0, -5, 86_401, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await rejection(mintToken({ ...base(), grants: [], ttlSeconds }), {
        code: "INVALID_INPUT",
        reason: "invalid_option",
      });
    }
  });

  it("accepts category and orchestration scopes", async () => {
    const grants = [
      { cap: "knowledge.read", scope: { allow_categories: ["docs"], deny_categories: ["secret"] } },
      {
        cap: "spawn.directive",
        scope: {
          allow_categories: [],
          deny_categories: [],
          enabled: true,
          allow_directives: ["demo/*"],
          deny_directives: [],
        },
      },
    ];
    const { claims } = await mintToken({ ...base(), grants });
    expect(claims.caps).toEqual(grants);
  });

  it("refuses malformed grants with INVALID_INPUT naming the index", async () => {
    const bad: unknown[] = [
      { cap: "FS.READ" },
      { cap: "fs" },
      { cap: "fs.read", scope: "" },
      { cap: "fs.read", scope: 3 },
      { cap: "fs.read", scope: null },
      { cap: "fs.read", extra: true },
      { cap: "constructor.read" },
      { cap: "fs.read", ["__proto__"]: { polluted: true } },
      JSON.parse('{"cap":"fs.read","__proto__":{"polluted":true}}'),
      { cap: "knowledge.read", scope: { allow_categories: ["a"] } },
      { cap: "knowledge.read", scope: { allow_categories: [1], deny_categories: [] } },
      { cap: `${"x".repeat(200)}.read` },
      "fs.read",
      null,
      [],
    ];
    for (const grant of bad) {
      const error = await rejection(
        mintToken({ ...base(), grants: [{ cap: "kiwi.help" }, grant as never] }),
        {
          code: "INVALID_INPUT",
          reason: "invalid_grant",
        },
      );
      expect(error.context.index).toBe(1);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses empty ids and a non-array grants list", async () => {
    await rejection(mintToken({ ...base(), grants: [], threadId: "" }), {
      code: "INVALID_INPUT",
      reason: "invalid_option",
    });
    await rejection(mintToken({ ...base(), grants: [], directiveId: 5 as never }), {
      code: "INVALID_INPUT",
      reason: "invalid_option",
    });
    await rejection(mintToken({ ...base(), grants: "fs.read" as never }), {
      code: "INVALID_INPUT",
      reason: "invalid_grant",
    });
  });

  it("refuses a token larger than verifiers accept", async () => {
    const grants = Array.from({ length: 400 }, (_, i) => ({ cap: "fs.read", scope: `dir-${i}/**` }));
    await rejection(mintToken({ ...base(), grants }), { code: "INVALID_INPUT", reason: "too_large" });
  });

  it("refuses anything but an Ed25519 private key (KEY_ERROR)", async () => {
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const candidates = [
      { ...keys.key, privateKey: keys.key.publicKey },
      { ...keys.key, privateKey: ec.privateKey },
      { ...keys.key, keyId: "" },
      undefined,
    ];
    for (const key of candidates) {
      await expect(mintToken({ ...base(), key: key as never, grants: [] })).rejects.toMatchObject({
        code: "KEY_ERROR",
      });
    }
  });
});

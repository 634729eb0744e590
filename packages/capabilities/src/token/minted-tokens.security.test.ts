// Tokens minted in this process skip the second signature check — only where that is exactly what a
// verification would conclude: the verifier trusts the very key that signed them, for their kid, and their
// claims pass the same checks. Everything else goes through the full verification and its usual errors.
import { KiwiError } from "@kiwi/spec";
import { beforeAll, describe, expect, it } from "vitest";
import { mintToken } from "./mint-token";
import { mintedClaims } from "./minted-tokens";
import { FROZEN_MS, frozenClock, makeKeys, type TestKeys } from "./token-test-kit";
import { TokenVerifier } from "./token-verifier";
import { resolveVerifySettings } from "./verify-settings";

let keys: TestKeys;
beforeAll(async () => {
  keys = await makeKeys();
});

const mint = (overrides: Partial<Parameters<typeof mintToken>[0]> = {}) =>
  mintToken({
    key: keys.key,
    grants: [{ cap: "fs.read", scope: "src/**" }],
    directiveId: "d",
    threadId: "t1",
    now: () => FROZEN_MS,
    ...overrides,
  });

const settings = (overrides: Partial<Parameters<typeof resolveVerifySettings>[0]> = {}) =>
  resolveVerifySettings({
    keys: [{ keyId: keys.key.keyId, publicKey: keys.key.publicKey }],
    now: () => FROZEN_MS,
    ...overrides,
  });

async function rejection(p: Promise<unknown>): Promise<{ code: string; reason: unknown }> {
  try {
    await p;
  } catch (error) {
    if (!KiwiError.isInstance(error)) throw error;
    return { code: error.code, reason: error.context?.reason };
  }
  throw new Error("expected a rejection");
}

describe("tokens minted in this process", () => {
  it("are known with their claims to a verifier trusting the key that signed them", async () => {
    const { token, claims } = await mint();
    expect(mintedClaims(token, settings())).toEqual(claims);
    const verifier = new TokenVerifier({
      keys: [{ keyId: keys.key.keyId, publicKey: keys.key.publicKey }],
      now: () => FROZEN_MS,
    });
    expect(await verifier.verify(token, { threadId: "t1" })).toEqual(claims);
  });

  it("a verifier trusting another key under the same kid does not take them: bad_signature", async () => {
    const { token } = await mint();
    const wrongKey = {
      keys: [{ keyId: keys.key.keyId, publicKey: keys.foreign.publicKey }],
      now: () => FROZEN_MS,
    };
    expect(mintedClaims(token, settings(wrongKey))).toBeUndefined();
    expect(await rejection(new TokenVerifier(wrongKey).verify(token))).toEqual({
      code: "TOKEN_INVALID",
      reason: "bad_signature",
    });
  });

  it("claims a verification refuses are refused the same way (audience, expiry, not yet valid)", async () => {
    const { token } = await mint({ ttlSeconds: 60 });
    const keyOpts = { keys: [{ keyId: keys.key.keyId, publicKey: keys.key.publicKey }] };
    const otherAudience = { ...keyOpts, audience: "elsewhere", now: () => FROZEN_MS };
    expect(mintedClaims(token, settings(otherAudience))).toBeUndefined();
    expect((await rejection(new TokenVerifier(otherAudience).verify(token))).code).toBe("TOKEN_INVALID");
    const clock = frozenClock();
    clock.advanceSeconds(3600);
    const later = { ...keyOpts, now: clock.now };
    expect(mintedClaims(token, settings(later))).toBeUndefined();
    expect(await rejection(new TokenVerifier(later).verify(token))).toMatchObject({ reason: "expired" });
    const earlier = { ...keyOpts, now: () => FROZEN_MS - 3_600_000 };
    expect(mintedClaims(token, settings(earlier))).toBeUndefined();
    expect((await rejection(new TokenVerifier(earlier).verify(token))).code).toBe("TOKEN_INVALID");
  });

  it("an edited copy of a minted token is not one: its changed payload is bad_signature", async () => {
    const { token } = await mint();
    const [head, body, sig] = token.split(".") as [string, string, string];
    const payload = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    payload.caps = [{ cap: "fs.write", scope: "**" }];
    const forged = `${head}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${sig}`;
    expect(mintedClaims(forged, settings())).toBeUndefined();
    const verifier = new TokenVerifier({
      keys: [{ keyId: keys.key.keyId, publicKey: keys.key.publicKey }],
      now: () => FROZEN_MS,
    });
    expect(await rejection(verifier.verify(forged))).toEqual({
      code: "TOKEN_INVALID",
      reason: "bad_signature",
    });
  });
});

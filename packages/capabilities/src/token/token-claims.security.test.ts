// Battery §2.1 T8–T14, T16, T17 and T22: genuinely signed tokens whose claims or header must be refused.
import { jwtVerify } from "jose";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { REQUIRED_CLAIMS } from "./capability-claims";
import { mintToken } from "./mint-token";
import {
  baseClaims,
  type Check,
  FROZEN_MS,
  FROZEN_SECONDS,
  frozenClock,
  header,
  makeKeys,
  rejection,
  signRaw,
  type TestKeys,
  verificationPaths,
} from "./token-test-kit";

let keys: TestKeys;
const clock = frozenClock();
beforeAll(async () => {
  keys = await makeKeys();
});

const trusted = () => [{ keyId: keys.key.keyId, publicKey: keys.key.publicKey }];
/** Signs claims with the trusted key: only the claims or header under test are wrong. */
const signed = (claims: unknown, headerOverrides: Record<string, unknown> = {}) =>
  signRaw({ header: header(keys.key, headerOverrides), payload: claims, privateKey: keys.key.privateKey });

describe.each(verificationPaths(trusted, clock.now))("claims through %s", (_name, make) => {
  let check: Check;
  beforeEach(() => {
    clock.set(FROZEN_MS);
    check = make();
  });

  it("T8: exp = now and exp = now - 1 are expired without tolerance; with 5 s, now - 4 passes", async () => {
    const strict = make({ clockToleranceSeconds: 0 });
    const token = signed(baseClaims({ exp: FROZEN_SECONDS + 60 }));
    clock.set((FROZEN_SECONDS + 59) * 1000);
    await expect(strict(token)).resolves.toBeDefined();
    for (const at of [60, 61]) {
      clock.set((FROZEN_SECONDS + at) * 1000);
      await rejection(strict(token), { code: "TOKEN_EXPIRED", reason: "expired" });
    }
    const tolerant = make({ clockToleranceSeconds: 5 });
    clock.set((FROZEN_SECONDS + 64) * 1000);
    await expect(tolerant(token)).resolves.toBeDefined();
    clock.set((FROZEN_SECONDS + 65) * 1000);
    await rejection(tolerant(token), { code: "TOKEN_EXPIRED", reason: "expired" });
  });

  it("T9: nbf an hour ahead is not_yet_valid; within the tolerance it passes", async () => {
    const ahead = (seconds: number) =>
      signed(baseClaims({ nbf: FROZEN_SECONDS + seconds, exp: FROZEN_SECONDS + seconds + 600 }));
    await rejection(check(ahead(3600)), { reason: "not_yet_valid" });
    await rejection(check(ahead(6)), { reason: "not_yet_valid" });
    await expect(check(ahead(5))).resolves.toBeDefined();
  });

  it("T10: each required claim missing in turn is claim_missing, naming it", async () => {
    for (const claim of REQUIRED_CLAIMS) {
      const claims = baseClaims();
      delete claims[claim];
      await rejection(check(signed(claims)), { reason: "claim_missing", claim });
    }
  });

  it("T10 regression guard: jose without requiredClaims accepts a token with no exp", async () => {
    const claims = baseClaims();
    delete claims.exp;
    const noExp = signed(claims);
    await expect(
      jwtVerify(noExp, keys.key.publicKey, { algorithms: ["EdDSA"], currentDate: new Date(FROZEN_MS) }),
    ).resolves.toBeDefined();
    await rejection(check(noExp), { reason: "claim_missing", claim: "exp" });
  });

  it("T11: time claims must be safe integers, iat not ahead, lifetime at most 24 h", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ exp: "9999999999" }, "exp"],
      [{ exp: 1e300 }, "exp"],
      [{ exp: 2 ** 53 + 2 }, "exp"],
      [{ exp: FROZEN_SECONDS + 60.5 }, "exp"],
      [{ exp: FROZEN_SECONDS + 86_401 }, "exp"],
      [{ exp: FROZEN_SECONDS, iat: FROZEN_SECONDS + 3, nbf: FROZEN_SECONDS - 10 }, "exp"],
      [{ iat: FROZEN_SECONDS + 3600, exp: FROZEN_SECONDS + 4000 }, "iat"],
      [{ iat: "now" }, "iat"],
      [{ iat: -1 }, "iat"],
      [{ nbf: null }, "nbf"],
      [{ nbf: 1.5 }, "nbf"],
    ];
    for (const [overrides, claim] of cases) {
      await rejection(check(signed(baseClaims(overrides))), { reason: "claim_invalid", claim });
    }
    await expect(check(signed(baseClaims({ iat: FROZEN_SECONDS + 4 })))).resolves.toBeDefined();
    await expect(check(signed(baseClaims({ exp: FROZEN_SECONDS + 86_400 })))).resolves.toBeDefined();
  });

  it("T11: string claims and caps must have their types", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ jti: 5 }, "jti"],
      [{ jti: "" }, "jti"],
      [{ thread_id: {} }, "thread_id"],
      [{ directive_id: ["demo/hello"] }, "directive_id"],
      [{ parent_jti: 5 }, "parent_jti"],
      [{ parent_jti: "" }, "parent_jti"],
      [{ caps: "fs.read" }, "caps"],
      [{ caps: { cap: "fs.read" } }, "caps"],
      [{ caps: null }, "caps"],
    ];
    for (const [overrides, claim] of cases) {
      await rejection(check(signed(baseClaims(overrides))), { reason: "claim_invalid", claim });
    }
  });

  it("T12: another audience, or an array holding ours, is wrong_audience", async () => {
    for (const aud of ["kiwi-other", ["evil", "kiwi-tools"], ["kiwi-tools"], 5, ""]) {
      await rejection(check(signed(baseClaims({ aud }))), { reason: "wrong_audience" });
    }
  });

  it("T13: wrong iss is wrong_issuer; another JWT kind or a typ variant is wrong_type", async () => {
    for (const iss of ["kiwi-other", "", ["kiwi-harness"]]) {
      await rejection(check(signed(baseClaims({ iss }))), { reason: "wrong_issuer" });
    }
    for (const typ of ["JWT", "kiwi-reg+jwt", "application/kiwi-cap+jwt", "KIWI-CAP+JWT", undefined, 1]) {
      await rejection(check(signed(baseClaims(), { typ })), { reason: "wrong_type" });
    }
  });

  it("T14: any crit header is crit_unsupported, even the jose-recognised b64", async () => {
    const headers = [
      { crit: ["kiwi-x"], "kiwi-x": true },
      { crit: ["b64"], b64: false },
      { crit: [] },
      { crit: "b64" },
    ];
    for (const extra of headers) {
      await rejection(check(signed(baseClaims(), extra)), { reason: "crit_unsupported" });
    }
    // An unprotected header only exists in the JSON serialization, which is never accepted.
    const [prot, payload, signature] = signed(baseClaims()).split(".");
    const flattened = JSON.stringify({ protected: prot, header: { crit: ["kiwi-x"] }, payload, signature });
    await rejection(check(flattened), { reason: "malformed" });
  });

  it("T16: a token of thread A presented for thread B is thread_mismatch, also once cached", async () => {
    const token = signed(baseClaims({ thread_id: "thread-a" }));
    await rejection(check(token, "thread-b"), { reason: "thread_mismatch" });
    await expect(check(token, "thread-a")).resolves.toBeDefined();
    await rejection(check(token, "thread-b"), { reason: "thread_mismatch" });
    await rejection(check(token, ""), { reason: "thread_mismatch" });
  });

  it("T17 (documented limit): no revocation here, so tokens are short-lived by default", async () => {
    const { token, claims } = await mintToken({
      key: keys.key,
      grants: [],
      directiveId: "demo/hello",
      threadId: "thread-done",
      now: () => FROZEN_MS,
    });
    expect(claims.exp - claims.iat).toBe(15 * 60);
    // The thread has terminated, but this layer cannot know: the token works until exp...
    clock.set(FROZEN_MS + 14 * 60_000);
    await expect(check(token, "thread-done")).resolves.toBeDefined();
    // ...and not after it (plus tolerance): the harness simply stops renewing it.
    clock.set(FROZEN_MS + (15 * 60 + 5) * 1000);
    await rejection(check(token, "thread-done"), { code: "TOKEN_EXPIRED", reason: "expired" });
  });

  it("T22: unreadable caps entries grant nothing; prototype keys reject the token", async () => {
    const claims = await check(
      signed(
        baseClaims({
          caps: [
            { cap: "fs.readwrite" },
            { cap: "FS.READ" },
            { cap: "fs.read", scope: 5 },
            { cap: "fs.read", scope: "src/**", exclude: "secrets/**" },
            "fs.read",
            null,
            [],
            { cap: "constructor.read" },
          ],
        }),
      ),
    );
    expect(claims.caps).toEqual([{ cap: "fs.readwrite" }]);
    expect(claims.caps.some((grant) => grant.cap === "fs.read")).toBe(false);

    const hostile = [
      '[{"cap":"fs.read","__proto__":{"polluted":true}}]',
      '[{"cap":"fs.read","constructor":{"prototype":{"polluted":true}}}]',
      '[{"cap":"kiwi.search"},{"__proto__":{"polluted":true}}]',
      '[{"cap":"knowledge.read","scope":{"allow_categories":[],"deny_categories":[],"__proto__":{"polluted":true}}}]',
    ];
    for (const caps of hostile) {
      const payload = JSON.stringify(baseClaims({ caps: "CAPS" })).replace('"CAPS"', caps);
      await rejection(check(signed(payload)), { reason: "claim_invalid", claim: "caps" });
    }
    const topLevel = JSON.stringify(baseClaims()).replace("{", '{"__proto__":{"polluted":true},');
    const accepted = await check(signed(topLevel));
    expect(Object.getPrototypeOf(accepted)).toBe(Object.prototype);
    expect(Object.keys(accepted)).not.toContain("__proto__");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });
});

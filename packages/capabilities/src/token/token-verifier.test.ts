import { beforeAll, describe, expect, it } from "vitest";
import { mintToken } from "./mint-token";
import { FROZEN_MS, FROZEN_SECONDS, frozenClock, makeKeys, rejection, type TestKeys } from "./token-test-kit";
import { TokenVerifier } from "./token-verifier";

let keys: TestKeys;
beforeAll(async () => {
  keys = await makeKeys();
});

async function mint(threadId = "thread-a", ttlSeconds = 900) {
  const minted = await mintToken({
    key: keys.key,
    grants: [{ cap: "fs.read", scope: "src/**" }],
    directiveId: "demo/hello",
    threadId,
    ttlSeconds,
    now: () => FROZEN_MS,
  });
  return minted.token;
}

function verifier(extra: { maxEntries?: number } = {}) {
  const clock = frozenClock();
  const instance = new TokenVerifier({
    keys: [{ keyId: keys.key.keyId, publicKey: keys.key.publicKey }],
    now: clock.now,
    ...extra,
  });
  return { clock, verifier: instance };
}

describe("TokenVerifier", () => {
  it("serves a repeated token from the cache (the same frozen claims object)", async () => {
    const { verifier: v } = verifier();
    const token = await mint();
    const first = await v.verify(token, { threadId: "thread-a" });
    const second = await v.verify(token, { threadId: "thread-a" });
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it("applies the thread check on every call, cached or not (T16)", async () => {
    const { verifier: v } = verifier();
    const token = await mint("thread-a");
    await rejection(v.verify(token, { threadId: "thread-b" }), { reason: "thread_mismatch" });
    await v.verify(token, { threadId: "thread-a" });
    await rejection(v.verify(token, { threadId: "thread-b" }), { reason: "thread_mismatch" });
    await expect(v.verify(token)).resolves.toBeDefined();
  });

  it("stops honouring a cached token at exp and re-verification then fails", async () => {
    const { verifier: v, clock } = verifier();
    const token = await mint("thread-a", 60);
    await v.verify(token);
    clock.advanceSeconds(59);
    await expect(v.verify(token)).resolves.toBeDefined();
    clock.set((FROZEN_SECONDS + 60 + 5) * 1000);
    await rejection(v.verify(token), { code: "TOKEN_EXPIRED", reason: "expired" });
    await rejection(v.verify(token), { code: "TOKEN_EXPIRED", reason: "expired" });
  });

  it("inside the clock tolerance re-verifies instead of serving the cache past exp", async () => {
    const { verifier: v, clock } = verifier();
    const token = await mint("thread-a", 60);
    const first = await v.verify(token);
    clock.set((FROZEN_SECONDS + 62) * 1000);
    const second = await v.verify(token);
    expect(second).not.toBe(first);
    expect(await v.verify(token)).not.toBe(second);
  });

  it("never caches failures: a failed token fails twice, and a not-yet-valid one passes later", async () => {
    const { verifier: v, clock } = verifier();
    const token = await mint();
    const forged = `${token.slice(0, token.lastIndexOf(".") + 1)}${"A".repeat(86)}`;
    await rejection(v.verify(forged), { reason: "bad_signature" });
    await rejection(v.verify(forged), { reason: "bad_signature" });
    clock.set(FROZEN_MS - 3_600_000);
    await rejection(v.verify(token), { reason: "not_yet_valid" });
    clock.set(FROZEN_MS);
    await expect(v.verify(token)).resolves.toBeDefined();
  });

  it("is a bounded LRU", async () => {
    const { verifier: v } = verifier({ maxEntries: 2 });
    const [a, b, c] = [await mint(), await mint(), await mint()];
    const claimsA = await v.verify(a);
    const claimsB = await v.verify(b);
    expect(await v.verify(a)).toBe(claimsA); // a is now the most recent
    await v.verify(c); // evicts b, the least recently used
    expect(await v.verify(a)).toBe(claimsA);
    expect(await v.verify(b)).not.toBe(claimsB);
  });

  it("caches nothing with maxEntries 0", async () => {
    const { verifier: v } = verifier({ maxEntries: 0 });
    const token = await mint();
    expect(await v.verify(token)).not.toBe(await v.verify(token));
  });

  it("checks size before the cache, so an oversized string is refused without hashing it", async () => {
    const { verifier: v } = verifier();
    await rejection(v.verify("a".repeat(8193)), { reason: "too_large" });
    await rejection(v.verify(undefined), { reason: "missing" });
  });

  it("refuses bad options and key material at construction", () => {
    expect(() => new TokenVerifier({ keys: [], now: Date.now })).toThrow(
      expect.objectContaining({ code: "KEY_ERROR" }),
    );
    expect(
      () => new TokenVerifier({ keys: [{ keyId: keys.key.keyId, publicKey: keys.key.privateKey }] }),
    ).toThrow(expect.objectContaining({ code: "KEY_ERROR" }));
    expect(
      () =>
        new TokenVerifier({
          keys: [{ keyId: keys.key.keyId, publicKey: keys.key.publicKey }],
          maxEntries: -1,
        }),
    ).toThrow(expect.objectContaining({ code: "INVALID_INPUT" }));
  });
});
